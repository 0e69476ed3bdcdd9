"""Babysitting the learning process: the two-layer net at a too-low, a good and a too-high
learning rate, with the lecture's per-epoch log and the runner's diagnosis.

Mini-batch SGD through `optbench.run`, the same start and batches for each rate. The
runner stops a run whose loss explodes; the diagnosis is `optbench.training.babysitting.diagnose`.
f* is passed as 0, a lower bound of the loss, since only the shape of the curves matters.
"""

import numpy as np

from optbench.problems import get_problem
from optbench.report import settings, style
from optbench.training import run
from optbench.training.babysitting import epoch_line

TITLE = "Babysitting the two-layer net"

plt = style.plt
COLORS = {"too low": "tab:blue", "good": "tab:green", "too high": "tab:red"}


def build(section, budget, progress):
    problem = get_problem("two_layer")
    rule, batch, epochs = settings.BABYSITTING_RULE, settings.BABYSITTING_BATCH_SIZE, budget.babysitting_epochs
    rates = settings.BABYSITTING_LEARNING_RATES
    task = progress.task(section.name, len(rates))
    records = {}
    for label, lr in rates.items():
        task.advance(f"lr {lr:g}")
        records[label] = run(rule, problem, epochs=epochs, batch_size=batch, seed=0, f_star=0.0, learning_rate=lr)
    section.text(
        f"{style.name(rule)} on the two-layer net (digits, {problem.n} parameters), mini-batches of {batch}, "
        f"{epochs} epochs, at {len(rates)} learning rates. After every epoch the full training cost and the train and "
        "validation accuracy are logged, as in the lecture's trainer; the runner stops a run whose loss explodes "
        "and diagnoses the learning rate from the start and end losses."
    )
    x0 = problem.x0(0)  # the runner's start point for seed 0
    start = {"train": 100 * problem.accuracy(x0, "train"), "val": 100 * problem.accuracy(x0, "val")}
    fig, (steps, costs, accuracy) = plt.subplots(1, 3, figsize=(15, 4.4))
    for label, record in records.items():
        color = COLORS.get(label)
        name = f"{label} (lr {rates[label]:g})"
        losses = record.loss[: max(record.steps, 1)]
        steps.plot(np.arange(len(losses)), losses, color=color, linewidth=0.8, alpha=0.9, label=name)
        if record.diverged:
            steps.plot(len(losses) - 1, losses[-1], "x", color=color, markersize=10)
        epoch = [0] + [e["epoch"] for e in record.epochs]
        costs.plot(epoch, [record.f0] + [e["cost"] for e in record.epochs], "o-", markersize=3, color=color,
                   label=name)
        accuracy.plot(epoch, [start["train"]] + [100 * e["train_acc"] for e in record.epochs], "o-",
                      markersize=3, color=color, label=f"{label}: train")
        accuracy.plot(epoch, [start["val"]] + [100 * e["val_acc"] for e in record.epochs], "s--",
                      markersize=3, color=color, label=f"{label}: val")
    steps.set_yscale("log")
    steps.set_title("mini-batch loss at every update (× : stopped)")
    steps.set_xlabel("update (mini-batch steps)")
    steps.set_ylabel("mini-batch loss (log scale)")
    steps.legend()
    costs.set_yscale("log")
    costs.set_title("full training cost per epoch")
    costs.set_xlabel("epoch")
    costs.set_ylabel("training cost (loss units, log scale)")
    accuracy.set_title("accuracy per epoch (solid: train, dashed: val)")
    accuracy.set_xlabel("epoch")
    accuracy.set_ylabel("accuracy (%)")
    accuracy.set_ylim(0, 100)
    classes = len(np.unique(problem.labels("train")))
    chance = 100 / classes
    accuracy.axhline(chance, color="0.5", linewidth=0.8, linestyle=":")
    accuracy.text(epochs, chance + 1, f"chance (1 in {classes} classes)", fontsize=7, color="0.4", ha="right",
                  va="bottom")
    accuracy.legend(fontsize=7, ncol=2)
    fig.suptitle(f"Babysitting {style.name(rule)} on the two-layer net: {style.listing(rates)} learning rates")
    fig.tight_layout()
    section.figure(fig, "two-layer", "; ".join(
        f"{label} (lr {rates[label]:g}): {record.diagnosis.split(':')[0]}"
        + (f" (stopped after {record.steps} updates)" if record.diverged else
           f", val accuracy {100 * record.epochs[-1]['val_acc']:.0f}%" if record.epochs else "")
        for label, record in records.items()) + ".")
    section.table(
        ("learning rate", "setting", "start → end cost", "best val accuracy (%)", "diagnosis"),
        [(f"{rates[label]:g}", label, f"{r.f0:.4f} → {r.f_final:.4g}",
          f"{100 * max(e['val_acc'] for e in r.epochs):.1f}" if r.epochs else "- (no epoch finished)", r.diagnosis)
         for label, r in records.items()],
    )
    lines = []
    for label, record in records.items():
        lines.append(f"# {label}: {rule}, learning_rate={rates[label]:g}")
        lines += [epoch_line(e["epoch"], epochs, e["cost"], e["train_acc"], e["val_acc"], e["lr"])
                  for e in record.epochs]
        lines += [record.message, f"diagnosis: {record.diagnosis}", ""]
    section.text("The log, in the lecture's format:")
    section.code("\n".join(lines))
    task.finish("done")
