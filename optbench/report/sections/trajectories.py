"""Trajectories: the path each rule takes over the contours of the 2-D problems.

The lecture's bowl, "steep vertically but shallow horizontally" (the 2-D quadratic of
`settings.TRAJECTORIES`), and Rosenbrock's valley. Every update is the rule's CPU kernel
on the exact gradient, recorded point by point.

The captions and tables are measured on the paths drawn (`optbench.report.paths`).
"""

import functools

import numpy as np

from optbench.optim import optimizer
from optbench.problems import get_problem
from optbench.report import settings, style
from optbench.report.paths import measure, minimizer, point_text

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


# -- Captions from the measurements ------------------------------------------------------


def _share(fraction):
    """0.67 -> "67% of"; 1.2e-10 -> "1.2e-10 times"."""
    return f"{100 * fraction:.2g}% of" if fraction >= 1e-4 else f"{fraction:.1e} times"


def _grouped(pairs):
    """[(value, name)] sorted by value, names with the same value joined: "A and B (v), C (w)"."""
    groups = {}
    for value, name in sorted(pairs):
        groups.setdefault(value, []).append(name)
    return groups


def race(stats, tol):
    """Who closes the target share of the gap first, in order; who does not."""
    reached = _grouped((s.steps_to_target, style.name(rule)) for rule, s in stats.items()
                       if s.steps_to_target is not None)
    missed = [style.name(rule) for rule, s in stats.items() if s.steps_to_target is None]
    steps = max(s.steps for s in stats.values())
    if reached:
        ordered = [f"{style.listing(names)} (step {k})" for k, names in reached.items()]
        text = f"First to close {style.closed(tol)} of the gap: {ordered[0]}"
        text += (", then " + ", ".join(ordered[1:])) if len(ordered) > 1 else ""
    else:
        text = f"No rule closes {style.closed(tol)} of the gap"
    if missed and reached:
        text += f"; {style.listing(missed)} {'does' if len(missed) == 1 else 'do'} not within {steps} steps"
    elif missed:
        text += f" within {steps} steps"
    return text + "."


def rule_sentence(rule, s, tol):
    """One rule's path on the valley, in words, from its `PathStats`."""
    name = style.name(rule)
    if s.diverged:
        return f"{name} leaves the finite numbers after {s.steps} steps."
    floor = (f"first on the valley floor at step {s.floor_step}" if s.floor_step is not None
             else f"not on the valley floor within {s.steps} steps")
    target = (f"having closed {style.closed(tol)} of the gap at step {s.steps_to_target}"
              if s.steps_to_target is not None else f"without having closed {style.closed(tol)} of the gap")
    return (f"{name} is {floor}; it {style.times(s.crossings, 'crosses the floor')} and "
            f"{style.times(s.overshoots, 'overshoots the minimum along the valley')}; after {s.steps} steps it is "
            f"{_share(s.along_left)} its start distance from the minimum along the valley, at f − f* = "
            f"{s.final_gap:.1e}, {target}.")


def measured(problem, paths, tol=settings.TARGET_TOL):
    """{rule: `PathStats`} of `paths` ({rule: points}), measured once for caption and table."""
    return {rule: measure(problem, points, tol) for rule, points in paths.items()}


def sgd_vs_momentum_caption(stats, learning_rate, momentum, tol=settings.TARGET_TOL):
    """The caption of the SGD-vs-momentum figure, from its paths' `measured` stats."""
    steps = max(s.steps for s in stats.values())
    text = [f"Learning rate {learning_rate:g} for every rule, momentum {momentum:g}, {steps} steps."]
    text += [rule_sentence(rule, s, tol) for rule, s in stats.items()]
    text.append(race(stats, tol))
    if {"sgd_momentum", "nesterov"} <= set(stats):
        heavy, ahead = stats["sgd_momentum"], stats["nesterov"]
        if not (heavy.diverged or ahead.diverged):
            text.append(
                f"{style.name('nesterov')} crosses the floor "
                + style.compared(ahead.crossings, heavy.crossings, "fewer times than", "more times than", "as often as")
                + f" {style.name('sgd_momentum')} ({ahead.crossings} against {heavy.crossings}) and ends "
                f"{style.compared(ahead.final_gap, heavy.final_gap, 'lower', 'higher', 'level')} "
                f"(f − f* {ahead.final_gap:.1e} against {heavy.final_gap:.1e})."
            )
    return " ".join(text)


def grid_caption(problem, stats, tol=settings.TARGET_TOL):
    """The caption of a figure of every rule's path, from the paths' `measured` stats."""
    steps = max(s.steps for s in stats.values())
    ok = {rule: s for rule, s in stats.items() if not s.diverged}
    names = {rule: style.name(rule) for rule in stats}
    text = [f"After {steps} steps at the hyperparameters in the panel titles."]
    diverged = [names[rule] for rule, s in stats.items() if s.diverged]
    if diverged:
        text.append(f"{style.listing(diverged)} {'leaves' if len(diverged) == 1 else 'leave'} the finite numbers.")
    if ok:
        on = {rule: s.floor_step for rule, s in ok.items() if s.floor_step is not None}
        off = [names[rule] for rule in ok if rule not in on]
        if on:
            every = len(on) == len(stats)
            who = "Every rule" if every else style.listing(names[rule] for rule in on)
            verb = "reaches" if every or len(on) == 1 else "reach"
            floor = f"{who} {verb} the valley floor within {max(on.values())} steps"
            floor += f"; {style.listing(off)} {'does' if len(off) == 1 else 'do'} not." if off else "."
        else:
            floor = f"No rule reaches the valley floor within {steps} steps."
        text.append(floor)
        text.append(race(stats, tol))
        near = min(ok, key=lambda rule: ok[rule].distance)
        far = max(ok, key=lambda rule: ok[rule].distance)
        text.append(
            f"Closest to the minimum {point_text(minimizer(problem))} at the end: {names[near]} (distance "
            f"{ok[near].distance:.1e}, f − f* = {ok[near].final_gap:.1e}); farthest: {names[far]} (distance "
            f"{ok[far].distance:.1e}, f − f* = {ok[far].final_gap:.1e})."
        )
        by_winding = sorted(ok.items(), key=lambda entry: entry[1].winding)
        windings = ", ".join(f"{names[rule]} {s.winding:.2f}" for rule, s in by_winding)
        text.append(f"Path length over the straight line from start to end, straightest first: {windings}.")
        most = max(ok, key=lambda rule: ok[rule].crossings)
        none = [names[rule] for rule, s in ok.items() if s.crossings == 0]
        if ok[most].crossings:
            text.append(f"Most swings across the valley floor: {names[most]} ({ok[most].crossings})"
                        + (f"; none: {style.listing(none)}." if none else "."))
        else:
            text.append("No rule swings across the valley floor.")
    if problem.name == "quadratic" and problem.rotation is None:
        text.append("The bowl is not rotated: its principal axes are the coordinate axes, each of which "
                    "per-coordinate step sizes (AdaGrad, RMSProp, Adam) rescale separately.")
    return " ".join(text)


def table_rows(stats, configured):
    rows = []
    for rule, s in stats.items():
        rows.append((
            style.name(rule), style.describe(configured.get(rule, {})) or "defaults",
            "diverged" if s.diverged else f"{s.final_gap:.1e}", "-" if s.diverged else f"{s.distance:.1e}",
            "-" if s.steps_to_target is None else str(s.steps_to_target),
            "-" if s.floor_step is None else str(s.floor_step), str(s.crossings), str(s.overshoots),
            f"{s.winding:.2f}",
        ))
    return rows


# -- Figures -----------------------------------------------------------------------------


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
    ax.plot(*minimizer(problem), marker="*", color="black", markersize=12, linestyle="none",
            label=f"minimum {point_text(minimizer(problem))}")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)


def draw_path(ax, points, rule, label=None):
    ax.plot(points[:, 0], points[:, 1], "-", color=style.color(rule), linewidth=1.0, label=label)
    ax.plot(points[:, 0], points[:, 1], ".", color=style.color(rule), markersize=2.5,
            markevery=max(len(points) // 300, 1))
    ax.plot(*points[0], "o", color=style.color(rule), markersize=5)


def axis_labels(ax, problem):
    """x₁ and x₂; on an unrotated quadratic also each axis's curvature and whether it is
    the shallow or the steep direction."""
    if problem.name == "quadratic" and problem.rotation is None:
        h = np.asarray(problem.curvatures)
        for i, set_label in enumerate((ax.set_xlabel, ax.set_ylabel)):
            kind = "shallow" if h[i] == h.min() < h.max() else "steep" if h[i] == h.max() > h.min() else ""
            set_label(f"x{'₁₂'[i]}, {kind + ' direction ' if kind else ''}(curvature {h[i]:g})")
    else:
        ax.set_xlabel("x₁ (parameter value)")
        ax.set_ylabel("x₂ (parameter value)")


def problem_title(problem):
    if problem.name == "quadratic":
        return f"the {problem.n}-D quadratic (condition {problem.options['condition']:g})"
    return "Rosenbrock's function" if problem.name == "rosenbrock" else style.problem_description(problem)


def gap_text(problem, points):
    if not np.all(np.isfinite(points[-1])):
        return "diverged"
    return f"f − f* = {problem.loss(points[-1]) - problem.f_star:.1e}"


def grid_paths(problem, config, steps):
    """{rule: points} for every rule at its configured hyperparameters."""
    return {rule: path(rule, problem, config["x0"], steps, config["rules"].get(rule, {})) for rule in style.rules()}


def grid_figure(problem, config, paths, steps):
    columns = 3
    rows = -(-len(paths) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(14, 4.2 * rows), squeeze=False)
    for ax, (rule, points) in zip(axes.flat, paths.items()):
        hyperparameters = config["rules"].get(rule, {})
        contours(ax, problem, config["view"])
        draw_path(ax, points, rule)
        ax.set_title(f"{style.name(rule)} ({style.describe(hyperparameters) or 'defaults'})\n"
                     f"after {len(points) - 1} steps: {gap_text(problem, points)}")
        axis_labels(ax, problem)
    for ax in axes.flat[len(paths):]:
        ax.set_visible(False)
    fig.suptitle(f"Paths of the update rules on {problem_title(problem)}, {steps} steps "
                 f"from x₀ = {tuple(config['x0'])}")
    fig.tight_layout()
    return fig


def momentum_paths(problem, config, steps, learning_rate, momentum):
    """{rule: points} of SGD, SGD+momentum and Nesterov at one learning rate."""
    extra = {"sgd": {}, "sgd_momentum": {"momentum": momentum}, "nesterov": {"momentum": momentum}}
    return {rule: path(rule, problem, config["x0"], steps, {"learning_rate": learning_rate, **more})
            for rule, more in extra.items()}


def directions_text(problem):
    """ "curvature 1 vertically, 0.01 horizontally" for the unrotated 2-D quadratic."""
    h = problem.curvatures
    return f"curvature {h[1]:g} vertically (x₂), {h[0]:g} horizontally (x₁)"


def sgd_vs_momentum(problem, config, paths, learning_rate, momentum):
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 4.6), gridspec_kw={"width_ratios": [1.6, 1]})
    contours(left, problem, config["view"])
    for rule, points in paths.items():
        draw_path(left, points, rule, label=style.name(rule))
        gaps = [problem.loss(p) - problem.f_star for p in points]
        right.semilogy(range(len(gaps)), gaps, color=style.color(rule), label=style.name(rule))
    left.set_title(f"paths, learning rate {learning_rate:g}, momentum {momentum:g}")
    axis_labels(left, problem)
    left.legend(loc="upper right")
    right.set_title("loss gap along the way")
    right.set_xlabel("step (updates)")
    right.set_ylabel("f − f* (loss units, log scale)")
    right.legend()
    fig.suptitle(f"SGD vs momentum on {problem_title(problem)}: {directions_text(problem)}")
    fig.tight_layout()
    return fig


def build(section, budget, progress):
    task = progress.task(section.name, 3, "SGD vs momentum")
    config = settings.TRAJECTORIES["quadratic"]
    bowl = get_problem("quadratic", **config["options"])
    tol, swing = settings.TARGET_TOL, settings.TRAJECTORY_SWING
    section.text(
        "The lecture's question: on a bowl that is steep vertically and shallow horizontally, what path does "
        f"SGD take? Below, measured on {problem_title(bowl)}, {directions_text(bowl)}: every point is one update "
        "of the rule's CPU kernel with the exact gradient; the large dot is the start and the star the minimum. "
        "The captions and tables are measured on the paths drawn. The valley floor is the line through the "
        "minimum along the shallow direction on the bowl and the parabola x₂ = x₁² on Rosenbrock's function; a "
        "path is on the floor once the part of f − f* across the valley is no larger than the part along it. "
        f"A swing across the floor, or past the minimum along the valley, counts when the coordinate changes sign "
        f"beyond {swing:g} of its size at the start. The target is f − f* ≤ {tol:g} (f(x₀) − f*), "
        f"{style.closed(tol)} of the gap closed."
    )
    lr, mu = settings.SGD_VS_MOMENTUM["learning_rate"], settings.SGD_VS_MOMENTUM["momentum"]
    paths = momentum_paths(bowl, config, settings.SGD_VS_MOMENTUM["steps"], lr, mu)
    section.figure(sgd_vs_momentum(bowl, config, paths, lr, mu), "sgd-vs-momentum",
                   sgd_vs_momentum_caption(measured(bowl, paths, tol), lr, mu, tol))
    for name in ("quadratic", "rosenbrock"):
        task.advance(name)
        config = settings.TRAJECTORIES[name]
        problem = get_problem(name, **config["options"])
        steps = budget.trajectory_steps[name]
        paths = grid_paths(problem, config, steps)
        stats = measured(problem, paths, tol)
        section.figure(grid_figure(problem, config, paths, steps), name, grid_caption(problem, stats, tol))
        section.table(
            ("rule", "hyperparameters", "final f − f*", "distance to the minimum",
             f"steps to {style.closed(tol)} of the gap", "first step on the floor", "swings across the floor",
             "overshoots along the valley", "path length / straight line"),
            table_rows(stats, config["rules"]),
            caption=f"The paths above on {problem_title(problem)}, measured; '-': not within {steps} steps. "
                    "Path length / straight line: the length of the path over the distance from its start to its end "
                    "(1: straight).",
        )
    task.finish("done")
    section.text("Hyperparameters here were chosen by hand (see `optbench/report/settings.py`).")
