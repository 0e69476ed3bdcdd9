"""Evaluation tricks: one model, its running parameter average, the average of its last
checkpoints, and an ensemble, by validation accuracy over several seeds.

`optbench.training.evaluation.compare_evaluation_tricks` with its defaults (SGD with momentum at
a fairly high constant rate on the two-layer net) except the number of epochs and seeds.
"""

import numpy as np

from optbench.problems import get_problem
from optbench.report import style
from optbench.training.evaluation import DEFAULTS, TRICKS, compare_evaluation_tricks

TITLE = "Evaluation tricks"

plt = style.plt
IMPROVEMENTS = ("running_average", "checkpoint_average", "ensemble")  # each compared with "single"


def labels(used):
    """{trick: label} for the settings `used` by compare_evaluation_tricks."""
    return {
        "single": "single model",
        "single_mean": "single model,\nmean of members",
        "running_average": f"running average\n(x_test, decay {used['decay']:g})",
        "checkpoint_average": f"checkpoint average\n(last {used['num_checkpoints']} epochs)",
        "ensemble": f"ensemble\n({used['num_models']} models)",
    }


def caption(means, names):
    """Which trick gains most over the single model on average, if any does."""
    gains = {trick: means[trick] - means["single"] for trick in IMPROVEMENTS if trick in means}
    best = max(gains, key=gains.get)
    text = ("Grey dots are seeds, diamonds their mean ± std; compare each trick with the single model it starts "
            "from (left): ")
    if gains[best] > 0:
        return text + f"here the {names[best].splitlines()[0]} gains most, {gains[best]:+.1f} points on average."
    return text + (f"here no trick beats the single model on average; the {names[best].splitlines()[0]} comes "
                   f"closest, {gains[best]:+.1f} points.")


def build(section, budget, progress):
    seeds = tuple(range(budget.evaluation_seeds))
    epochs = budget.evaluation_epochs
    task = progress.task(section.name, len(seeds))
    per_seed = []
    for seed in seeds:
        task.advance(f"seed {seed}")
        result = compare_evaluation_tricks(seeds=(seed,), epochs=epochs,
                                           num_checkpoints=min(DEFAULTS["num_checkpoints"], epochs),
                                           **budget.evaluation_options)
        per_seed += result["per_seed"]
        used = result["settings"]
    section.text(
        f"The lecture's \"fun tips/tricks\" for test time, measured: {style.name(used['rule'])} (lr {used['learning_rate']:g}) "
        f"on the two-layer net, mini-batches of {used['batch_size']}, {epochs} epochs, for each of {len(seeds)} "
        f"seeds. The running average is x_test = {used['decay']:g}·x_test + {1 - used['decay']:.3g}·x after every "
        f"update; the checkpoint average is the mean of x at the end of the last {used['num_checkpoints']} epochs; "
        f"the ensemble averages the class probabilities of {used['num_models']} models trained from different "
        "seeds (model 0 is the single model)."
    )
    names = labels(used)
    tricks = [t for t in TRICKS if t in names]
    table = np.array([[100 * row[t] for t in tricks] for row in per_seed])
    fig, ax = plt.subplots(figsize=(10, 4.4))
    jitter = np.linspace(-0.12, 0.12, len(per_seed)) if len(per_seed) > 1 else [0.0]
    for i, trick in enumerate(tricks):
        ax.plot(i + np.asarray(jitter), table[:, i], "o", color="0.55", markersize=5,
                label="one seed" if i == 0 else None)
        ax.errorbar(i + 0.3, table[:, i].mean(), yerr=table[:, i].std(), fmt="D", color="tab:blue",
                    capsize=4, label="mean ± std over seeds" if i == 0 else None)
    ax.set_xticks(range(len(tricks)), [names[t] for t in tricks], fontsize=8)
    ax.set_xlabel("what is evaluated at test time")
    ax.set_ylabel("validation accuracy (%)")
    ax.legend(loc="lower right")
    ax.set_title(f"Evaluation tricks on the two-layer net: validation accuracy over {len(seeds)} seeds")
    fig.tight_layout()
    means = dict(zip(tricks, table.mean(axis=0)))
    section.figure(fig, "two-layer", caption(means, names))
    held_out = len(get_problem("two_layer", hidden_size=used["hidden_size"], reg=used["reg"]).labels("val"))
    section.table(
        ("trick", *[f"seed {row['seed']}" for row in per_seed], "mean ± std (%)"),
        [(names[t].replace("\n", " "), *[f"{v:.1f}" for v in table[:, i]],
          f"{table[:, i].mean():.2f} ± {table[:, i].std():.2f}") for i, t in enumerate(tricks)],
        caption=f"Validation accuracy (%) of {held_out} held-out digits.",
    )
    task.finish("done")
