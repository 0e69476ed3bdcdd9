"""Evaluation tricks on the two-layer net: what to use at test time instead of the last x.

From the lecture's "Evaluation: Model Ensembles", each scored by validation accuracy:

    single               x after the last update of one model
    running_average      x_test = 0.995 x_test + 0.005 x, updated after every update
                         (`optbench.parameter_average`), x_test starting at x0
    checkpoint_average   the mean of x at the end of each of the last `num_checkpoints`
                         epochs of that model
    ensemble             `num_models` models trained alike from different seeds (start
                         point and batches): their class probabilities averaged, then
                         the most probable class

Model 0 of the ensemble is the single model, so every trick starts from the same
training. `single_mean` is the mean accuracy of the ensemble's members, a steadier
baseline than one model.

The defaults (SGD with momentum at a constant, fairly high learning rate, small
batches) leave the last iterate noisy, which is what averaging and ensembles remove;
with a small or decayed learning rate the tricks gain less. The running average
forgets x0 as 0.995^t: after the default 1140 updates its weight is 0.3%.

    result = compare_evaluation_tricks(seeds=(0, 1, 2))
    print(format_comparison(result))

    >>> result = compare_evaluation_tricks(seeds=(0,), epochs=1, num_models=2, num_checkpoints=1)
    >>> sorted(result["mean"]) == sorted(TRICKS)
    True
"""

import numpy as np

from optbench.optim import get_rule
from optbench.optim.averaging import DECAY
from optbench.problems import get_problem
from optbench.training.runner import run

TRICKS = ("single", "single_mean", "running_average", "checkpoint_average", "ensemble")
DEFAULTS = {
    "rule": "sgd_momentum",
    "learning_rate": 0.1,
    "epochs": 20,
    "batch_size": 25,
    "num_models": 5,
    "num_checkpoints": 5,
    "decay": DECAY.default,
    "hidden_size": 50,
    "reg": 1e-3,
}


def evaluation_tricks(seed=0, rule=DEFAULTS["rule"], learning_rate=DEFAULTS["learning_rate"],
                      epochs=DEFAULTS["epochs"], batch_size=DEFAULTS["batch_size"],
                      num_models=DEFAULTS["num_models"], num_checkpoints=DEFAULTS["num_checkpoints"],
                      decay=DEFAULTS["decay"], hidden_size=DEFAULTS["hidden_size"], reg=DEFAULTS["reg"],
                      backend="cpu", **hyperparameters):
    """{trick: validation accuracy} for one seed. The models use seeds
    seed * num_models + i, so different seeds share no model; `hyperparameters` are the
    rule's others (momentum 0.9 is sgd_momentum's default)."""
    problem = get_problem("two_layer", hidden_size=hidden_size, reg=reg)
    models = [
        run(rule, problem, epochs=epochs, batch_size=batch_size, backend=backend,
            seed=seed * num_models + i, average=decay if i == 0 else None,
            checkpoints=num_checkpoints if i == 0 else 0,
            # The loss is >= 0, a lower bound for f*: accuracy needs no gap, and the
            # best known f* would cost an L-BFGS run.
            f_star=0.0, learning_rate=learning_rate, **hyperparameters)
        for i in range(num_models)
    ]
    diverged = [model.message for model in models if model.diverged]
    if diverged:
        raise RuntimeError(f"{len(diverged)} of {num_models} models diverged, first: {diverged[0]}")
    first = models[0]
    probabilities = np.mean([problem.predict_proba(model.x, "val") for model in models], axis=0)
    return {
        "single": problem.accuracy(first.x, "val"),
        "single_mean": float(np.mean([problem.accuracy(model.x, "val") for model in models])),
        "running_average": problem.accuracy(first.x_test, "val"),
        "checkpoint_average": problem.accuracy(np.mean(first.checkpoints, axis=0), "val"),
        "ensemble": float(np.mean(probabilities.argmax(axis=1) == problem.labels("val"))),
    }


def compare_evaluation_tricks(seeds=(0, 1, 2), **settings):
    """Every trick over several seeds: {"settings", "per_seed": [{seed, tricks...}],
    "mean": {trick: ...}, "std": {trick: ...}} (std over seeds, ddof=0)."""
    if not seeds:
        raise ValueError("seeds must name at least one seed, e.g. (0, 1, 2)")
    per_seed = [{"seed": seed, **evaluation_tricks(seed, **settings)} for seed in seeds]
    table = np.array([[row[trick] for trick in TRICKS] for row in per_seed])
    chosen = {**DEFAULTS, **settings}
    rule_defaults = {k: v for k, v in get_rule(chosen["rule"]).defaults.items() if k not in chosen}
    return {
        "settings": {**chosen, **rule_defaults},
        "per_seed": per_seed,
        "mean": dict(zip(TRICKS, table.mean(axis=0).tolist())),
        "std": dict(zip(TRICKS, table.std(axis=0).tolist())),
    }


def format_comparison(result):
    """A table: one row per trick, one column per seed, then mean ± std."""
    seeds = [row["seed"] for row in result["per_seed"]]
    header = f"{'validation accuracy':<20}" + "".join(f"{'seed ' + str(s):>9}" for s in seeds) + f"{'mean ± std':>18}"
    lines = [header, "-" * len(header)]
    for trick in TRICKS:
        cells = "".join(f"{row[trick]:>9.4f}" for row in result["per_seed"])
        lines.append(f"{trick:<20}{cells}{result['mean'][trick]:>11.4f} ± {result['std'][trick]:.4f}")
    return "\n".join(lines)
