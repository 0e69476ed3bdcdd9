"""What the figures share: the Agg backend, one colour and one display name per rule."""

import matplotlib

matplotlib.use("Agg")  # files only, no display needed

import matplotlib.pyplot as plt  # noqa: E402

from optbench.optim import rule_names  # noqa: E402

NAMES = {
    "sgd": "SGD",
    "sgd_momentum": "SGD+momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
}
ORDER = ("sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam")
REFERENCE_COLORS = {"L-BFGS (optbench)": "black", "L-BFGS-B (scipy)": "0.55"}

plt.rcParams.update(
    {
        "figure.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "figure.titlesize": 12,
    }
)


def rules():
    """Every registered rule, the lecture's six first, in the lecture's order."""
    names = rule_names()
    return [r for r in ORDER if r in names] + [r for r in names if r not in ORDER]


def name(rule):
    return NAMES.get(rule, rule)


def color(rule):
    return plt.get_cmap("tab10")(rules().index(rule) % 10) if rule in rules() else "0.3"


def describe(hyperparameters):
    """{"learning_rate": 0.5, "momentum": 0.9} -> "lr 0.5, momentum 0.9"."""
    short = {"learning_rate": "lr", "decay_rate": "decay"}
    return ", ".join(f"{short.get(k, k)} {v:.3g}" if isinstance(v, float) else f"{short.get(k, k)} {v}"
                     for k, v in hyperparameters.items())


def problem_label(problem):
    """get_problem("quadratic", n=100, condition=1e3) -> "quadratic (n=100, condition=1000, rotate=True)"."""
    options = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in problem.options.items() if v is not None)
    return f"{problem.name} ({options})" if options else problem.name
