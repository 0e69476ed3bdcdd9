"""Learning-rate schedules: step, exponential and 1/t decay against constant rates.

Mini-batch SGD with momentum on softmax regression, every run from the same start with
the same mini-batches (seed 0), through `optbench.run`. With T the number of updates and
lr0 the starting rate, each decay ends near lr0 / SCHEDULE_DECAY:

    step          lr0 * 0.5 ** floor(t / (T / SCHEDULE_STEP_DROPS))
    exponential   lr0 * exp(-k t),     k = ln(SCHEDULE_DECAY) / T
    1/t           lr0 / (1 + k t),     k = (SCHEDULE_DECAY - 1) / T
"""

import math

import numpy as np

from optbench.problems import get_problem
from optbench.report import settings, style
from optbench.training import run
from optbench.optim import schedule

TITLE = "Learning-rate schedules"

plt = style.plt
COLORS = {"constant lr0": "tab:red", "constant lr0/10": "tab:orange", "step": "tab:blue",
          "exponential": "tab:green", "1/t": "tab:purple"}


def schedules(updates):
    lr0 = settings.SCHEDULE_LEARNING_RATE
    decay = settings.SCHEDULE_DECAY
    return {
        "constant lr0": schedule("constant", lr0),
        "constant lr0/10": schedule("constant", lr0 / 10),
        "step": schedule("step", lr0, drop=0.5, every=max(updates // settings.SCHEDULE_STEP_DROPS, 1)),
        "exponential": schedule("exponential", lr0, k=math.log(decay) / updates),
        "1/t": schedule("inverse_time", lr0, k=(decay - 1) / updates),
    }


def build(section, budget, progress):
    problem = get_problem(settings.SCHEDULE_PROBLEM)
    batch = settings.SCHEDULE_BATCH_SIZE
    epochs = budget.schedule_epochs
    per_epoch = max(problem.n_train // batch, 1)
    updates = epochs * per_epoch
    f_star = problem.f_star
    chosen = schedules(updates)
    task = progress.task(section.name, len(chosen))
    records = {}
    for label, lr in chosen.items():
        task.advance(label)
        momentum = {"momentum": settings.MOMENTUM} if settings.SCHEDULE_RULE != "sgd" else {}
        records[label] = run(settings.SCHEDULE_RULE, problem, epochs=epochs, batch_size=batch, seed=0,
                             f_star=f_star, learning_rate=lr, **momentum)
    section.text(
        f"The lecture's answer to \"which learning rate is best?\": decay it over time. "
        f"{style.name(settings.SCHEDULE_RULE)} (momentum {settings.MOMENTUM:g}) on softmax regression with "
        f"mini-batches of {batch}, {epochs} epochs of {per_epoch} updates, the same start and the same "
        f"batches for every schedule. lr0 = {settings.SCHEDULE_LEARNING_RATE:g}; each decay ends near "
        f"lr0/{settings.SCHEDULE_DECAY:g}: step halves it every {max(updates // settings.SCHEDULE_STEP_DROPS, 1)} "
        f"updates, exponential is lr0·exp(−kt) and 1/t is lr0/(1 + kt)."
    )
    fig, (rates, losses, accuracy) = plt.subplots(1, 3, figsize=(15, 4.4))
    t = np.arange(updates)
    for label, record in records.items():
        color = COLORS.get(label)
        lr = chosen[label]
        rates.plot(t, [lr(k) for k in t], color=color, label=label)
        epoch = [0] + [e["epoch"] for e in record.epochs]
        cost = [record.f0] + [e["cost"] for e in record.epochs]
        losses.plot(epoch, np.array(cost) - f_star, "o-", markersize=3, color=color, label=label)
        accuracy.plot([e["epoch"] for e in record.epochs], [100 * e["val_acc"] for e in record.epochs], "o-",
                      markersize=3, color=color, label=label)
    rates.set_yscale("log")
    rates.set_title("learning rate")
    rates.set_xlabel("update t (mini-batch steps)")
    rates.set_ylabel("learning rate (log scale)")
    losses.set_yscale("log")
    losses.set_title("full training loss at the end of each epoch")
    losses.set_xlabel("epoch")
    losses.set_ylabel("f − f* (loss units, log scale)")
    accuracy.set_title("validation accuracy")
    accuracy.set_xlabel("epoch")
    accuracy.set_ylabel("validation accuracy (%)")
    rates.legend()
    fig.suptitle(f"Learning-rate schedules: {style.name(settings.SCHEDULE_RULE)} on softmax regression, "
                 f"mini-batches of {batch}")
    fig.tight_layout()
    final = {label: record.final_gap for label, record in records.items()}
    best = min((label for label in final if not label.startswith("constant")), key=final.get)
    section.figure(fig, "softmax",
                   f"A high constant rate makes fast early progress, then bounces on the mini-batch noise (ends at "
                   f"f − f* = {final['constant lr0']:.1e}); a low one is slower ({final['constant lr0/10']:.1e}); "
                   f"decay gets the early progress and then settles: {best} ends at {final[best]:.1e}.")
    rows = []
    for label, record in records.items():
        last = record.epochs[-1] if record.epochs else {}
        rows.append((label, f"{chosen[label](updates - 1):.2g}", f"{record.final_gap:.2e}",
                     f"{100 * last.get('val_acc', math.nan):.1f}", record.diagnosis))
    section.table(("schedule", "final learning rate", "final f − f*", "val accuracy (%)", "diagnosis"), rows)
    task.finish("done")
