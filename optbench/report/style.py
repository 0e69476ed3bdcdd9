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


def problem_description(problem):
    """What a problem is, in words, from its name and options:
    get_problem("quadratic", n=100, condition=1e3) -> "quadratic bowl (condition 1000, rotated, so no
    coordinate is a principal axis)"."""
    if problem.name == "quadratic":
        options = problem.options
        axes = ("rotated, so no coordinate is a principal axis" if options.get("rotate")
                else "not rotated: its principal axes are the coordinate axes")
        return f"quadratic bowl (condition {options['condition']:g}, {axes})"
    return {
        "rosenbrock": "Rosenbrock's curved valley",
        "softmax": "softmax regression on digits (convex)",
        "two_layer": "two-layer net on digits (non-convex)",
    }.get(problem.name, problem.name)


def closed(tol):
    """The share of the start gap closed at the target f − f* <= tol (f0 − f*): 1e-3 -> "99.9%"."""
    return f"{100 * (1 - tol):.10g}%"


def how_often(count):
    """0 -> "never", 1 -> "once", 2 -> "twice", 3 -> "3 times"."""
    return {0: "never", 1: "once", 2: "twice"}.get(count, f"{count} times")


def times(count, verb):
    """times(0, "crosses it") -> "never crosses it"; 1 -> "crosses it once"; 3 -> "crosses it 3 times"."""
    return f"never {verb}" if count == 0 else f"{verb} {how_often(count)}"


def listing(words):
    """["a", "b", "c"] -> "a, b and c"."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def compared(a, b, smaller, larger, same):
    """The word that states how a compares with b: `smaller`, `larger` or `same`."""
    return smaller if a < b else larger if a > b else same


def problem_label(problem):
    """get_problem("quadratic", n=100, condition=1e3) -> "quadratic (n=100, condition=1000, rotate=True)"."""
    options = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in problem.options.items() if v is not None)
    return f"{problem.name} ({options})" if options else problem.name
