"""Trajectories: the path each rule takes over the contours of the 2-D problems.

The lecture's bowl, "steep vertically but shallow horizontally" (the 2-D quadratic with
condition 100), and Rosenbrock's valley. Every update is the rule's CPU kernel on the
exact gradient, recorded point by point.
"""

import functools

import numpy as np

from optbench.optim import optimizer
from optbench.problems import get_problem
from optbench.report import settings, style

TITLE = "Trajectories on the 2-D bowl and Rosenbrock's valley"

plt = style.plt


def path(rule, problem, x0, steps, hyperparameters):
    """Points x_0 .. x_steps of `rule` from x0; stops early if x leaves the finite numbers."""
    opt = optimizer(rule, backend="cpu", **hyperparameters)
    x = np.array(x0, dtype=np.float64)
    state = opt.init(x)
    points = [x.copy()]
    for _ in range(steps):
        opt.update(x, problem.gradient(x), state)
        points.append(x.copy())
        if not np.all(np.isfinite(x)):
            break
    return np.array(points)


@functools.lru_cache(maxsize=4)
def landscape(name, options, view, points=150):
    """(X, Y, f − f*) on a grid over `view`, for the 2-D problem `name`."""
    problem = get_problem(name, **dict(options))
    (x_lo, x_hi), (y_lo, y_hi) = view
    X, Y = np.meshgrid(np.linspace(x_lo, x_hi, points), np.linspace(y_lo, y_hi, points))
    Z = np.array([problem.loss(np.array(p)) for p in zip(X.ravel(), Y.ravel())]).reshape(X.shape)
    return X, Y, Z - problem.f_star


def contours(ax, problem, view):
    (x_lo, x_hi), (y_lo, y_hi) = view
    X, Y, gap = landscape(problem.name, tuple(sorted(problem.options.items())), tuple(map(tuple, view)))
    levels = np.logspace(np.log10(max(gap.min(), 1e-4)), np.log10(gap.max()), 14)
    ax.contour(X, Y, gap, levels=levels, colors="0.75", linewidths=0.7)
    ax.plot(*_minimizer(problem), marker="*", color="black", markersize=12, linestyle="none", label="minimum")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)


def _minimizer(problem):
    return (0.0, 0.0) if problem.name == "quadratic" else (1.0, 1.0)


def draw_path(ax, points, rule, label=None):
    ax.plot(points[:, 0], points[:, 1], "-", color=style.color(rule), linewidth=1.0, label=label)
    ax.plot(points[:, 0], points[:, 1], ".", color=style.color(rule), markersize=2.5,
            markevery=max(len(points) // 300, 1))
    ax.plot(*points[0], "o", color=style.color(rule), markersize=5)


def axis_labels(ax, name):
    if name == "quadratic":
        ax.set_xlabel("x₁, shallow direction (curvature 0.01)")
        ax.set_ylabel("x₂, steep direction (curvature 1)")
    else:
        ax.set_xlabel("x₁ (parameter value)")
        ax.set_ylabel("x₂ (parameter value)")


def gap_text(problem, points):
    if not np.all(np.isfinite(points[-1])):
        return "diverged"
    return f"f − f* = {problem.loss(points[-1]) - problem.f_star:.1e}"


def grid_figure(name, config, steps):
    problem = get_problem(name, **config["options"])
    rules = style.rules()
    columns = 3
    rows = -(-len(rules) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(14, 4.2 * rows), squeeze=False)
    for ax, rule in zip(axes.flat, rules):
        hyperparameters = config["rules"].get(rule, {})
        points = path(rule, problem, config["x0"], steps, hyperparameters)
        contours(ax, problem, config["view"])
        draw_path(ax, points, rule)
        ax.set_title(f"{style.name(rule)} ({style.describe(hyperparameters) or 'defaults'})\n"
                     f"after {len(points) - 1} steps: {gap_text(problem, points)}")
        axis_labels(ax, name)
    for ax in axes.flat[len(rules):]:
        ax.set_visible(False)
    label = "the ill-conditioned 2-D quadratic (condition 100)" if name == "quadratic" else "Rosenbrock's function"
    fig.suptitle(f"Paths of the update rules on {label}, {steps} steps from x₀ = {tuple(config['x0'])}")
    fig.tight_layout()
    return fig


def sgd_vs_momentum(steps):
    config = settings.TRAJECTORIES["quadratic"]
    problem = get_problem("quadratic", **config["options"])
    lr, mu = settings.SGD_VS_MOMENTUM["learning_rate"], settings.SGD_VS_MOMENTUM["momentum"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 4.6), gridspec_kw={"width_ratios": [1.6, 1]})
    contours(left, problem, config["view"])
    for rule, hyperparameters in (("sgd", {}), ("sgd_momentum", {"momentum": mu}), ("nesterov", {"momentum": mu})):
        points = path(rule, problem, config["x0"], steps, {"learning_rate": lr, **hyperparameters})
        draw_path(left, points, rule, label=style.name(rule))
        gaps = [problem.loss(p) - problem.f_star for p in points]
        right.semilogy(range(len(gaps)), gaps, color=style.color(rule), label=style.name(rule))
    left.set_title(f"paths, learning rate {lr:g}, momentum {mu:g}")
    axis_labels(left, "quadratic")
    left.legend(loc="upper right")
    right.set_title("loss gap along the way")
    right.set_xlabel("step (updates)")
    right.set_ylabel("f − f* (loss units, log scale)")
    right.legend()
    fig.suptitle("SGD vs momentum on the bowl that is steep vertically and shallow horizontally, measured")
    fig.tight_layout()
    return fig


def build(section, budget, progress):
    task = progress.task(section.name, 3, "SGD vs momentum")
    steps = settings.SGD_VS_MOMENTUM["steps"]
    section.text(
        "The lecture's question: on a bowl that is steep vertically and shallow horizontally, "
        "what path does SGD take? Below, measured: every point is one update of the rule's "
        "CPU kernel with the exact gradient; the large dot is the start and the star the minimum."
    )
    section.figure(
        sgd_vs_momentum(steps),
        "sgd-vs-momentum",
        f"At the same learning rate, SGD settles the steep direction in a few steps and then creeps along the "
        f"shallow one; momentum builds up velocity along the shallow axis, overshoots and oscillates across "
        f"the valley, yet gets near the minimum far sooner; Nesterov's look-ahead damps the oscillation "
        f"({steps} steps).",
    )
    task.advance("quadratic")
    section.figure(
        grid_figure("quadratic", settings.TRAJECTORIES["quadratic"], budget.trajectory_steps["quadratic"]),
        "quadratic",
        "Each rule near its best stable learning rate on the 2-D bowl: SGD at a large rate jitters along the "
        "steep axis, the momentum methods swing across the valley, while AdaGrad, RMSProp and Adam rescale "
        "each coordinate and head almost straight for the minimum (the bowl's axes are the coordinate axes, "
        "which favours them).",
    )
    task.advance("rosenbrock")
    section.figure(
        grid_figure("rosenbrock", settings.TRAJECTORIES["rosenbrock"], budget.trajectory_steps["rosenbrock"]),
        "rosenbrock",
        "On Rosenbrock's curved valley every rule first drops to the valley floor, then crawls along it "
        "towards (1, 1); compare how far along the floor each gets in the same number of steps.",
    )
    task.finish("done")
    section.text(
        "Hyperparameters here were chosen by hand (see `optbench/report/settings.py`), near each "
        "rule's largest stable learning rate on each problem."
    )
