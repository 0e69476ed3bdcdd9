"""Random versus grid search: the lecture's cross-validation picture ("Grid Layout" beside
"Random Layout"), measured with `optbench.search`.

What is measured. `settings.GRID_RANDOM_RULE` on `settings.GRID_RANDOM_PROBLEM` over the
two axes of `settings.GRID_RANDOM_SPACE`: the learning rate, which matters, and the L2
strength `reg`, which in that range barely moves the score. Every trial is one
`optbench.run` of `GRID_RANDOM_EPOCHS` epochs of mini-batches, scored by its validation
accuracy (a diverged run scores 0, see `optbench.search.objective`). For each layout
(grid, random, TPE) `budget.grid_random_repetitions` studies of N =
`budget.grid_random_trials` = k^2 trials each; repetition r runs with seed
GRID_RANDOM_SEED + r, which seeds both the sampler and the run (start point and
mini-batch order). A grid study always holds the same k x k points (log-spaced, ends
included): between its repetitions only the run's seed changes and the order in which
Optuna's GridSampler visits its points (a seeded draw among the unvisited ones), so its
best after n < N trials is the best of a random subset of the grid and after N trials the
best of the whole grid. Random and TPE draw new points in every repetition.

The figures: the best validation accuracy after 1..N trials (in trial-number order),
median and interquartile band over the repetitions, per layout; and the lecture's two
panels from the first repetition's grid and random studies, the sampled points with the
measured score along each axis (the marginal picture: how many distinct learning rates
each layout tried, and what it found at each; the grey line joins the best score at each
distinct value of the axis, the dots are every trial).

The studies live in one `optuna.storages.InMemoryStorage`, gone with the section. Their
trials run on one Dask `LocalCluster` for the whole section (the executor's settings,
`executor.cluster_config`), joined by address, with one single-threaded worker: a worker
process is started (and Numba compiles) once, not per study, and with one trial in
flight TPE sees the same history at every ask, so the section reproduces exactly.
"""

import inspect
from dataclasses import dataclass, field

import numpy as np

from optbench.report import settings, style

TITLE = "Random versus grid search"

plt = style.plt
LAYOUTS = ("grid", "random", "tpe")
COLORS = {"grid": "tab:red", "random": "tab:blue", "tpe": "tab:green"}
NAMES = {"grid": "grid", "random": "random", "tpe": "TPE"}
WORKERS = 1  # see the module doc: one worker keeps TPE, and so the section, reproducible


@dataclass
class Measured:
    """What `measure` found.

    axes        the two `optbench.search.space.Axis` (learning rate first)
    k, trials   values per axis of the grid and trials per study (k^2)
    seeds       the seed of each repetition
    best        {layout: array (repetitions, trials)}: best score after 1..trials trials
    points      {layout: array (repetitions, trials, 2)}: each trial's (lr, reg)
    scores      {layout: array (repetitions, trials)}: each trial's validation accuracy
    diverged    {layout: array (repetitions, trials) of bool}
    grid        the k x k points GridSampler was given ({name: values})
    startup     TPE's random start-up trials (Optuna's default n_startup_trials)
    """

    axes: tuple
    k: int
    trials: int
    seeds: list
    best: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)
    diverged: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    startup: int = 0

    def median(self, layout, n):
        """The median over repetitions of the best score after n trials (1-based)."""
        return float(np.median(self.best[layout][:, n - 1]))

    def quartiles(self, layout, n):
        return tuple(float(q) for q in np.percentile(self.best[layout][:, n - 1], (25, 75)))

    def distinct(self, layout, repetition=0, axis=0):
        """Distinct values of `axis` tried by the repetition's study."""
        return len(np.unique(self.points[layout][repetition, :, axis]))


def measure(budget, progress=None):
    """Run every study of the section (see the module doc) and return `Measured`."""
    import optuna

    import optbench.search as search
    from optbench.search import executor
    from optbench.search.space import grid_search_space, parse_space, values_per_axis
    from optbench.search.study import complete_trials

    rule, problem = settings.GRID_RANDOM_RULE, settings.GRID_RANDOM_PROBLEM
    axes = parse_space(settings.GRID_RANDOM_SPACE, rule, problem)
    n = budget.grid_random_trials
    k = values_per_axis(n, len(axes))
    seeds = [settings.GRID_RANDOM_SEED + r for r in range(budget.grid_random_repetitions)]
    startup = inspect.signature(optuna.samplers.TPESampler).parameters["n_startup_trials"].default
    measured = Measured(axes, k, n, seeds, grid=grid_search_space(axes, n), startup=startup)
    storage = optuna.storages.InMemoryStorage()
    task = progress.task("search", len(LAYOUTS) * len(seeds)) if progress is not None else None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with executor.local_cluster(WORKERS) as cluster:
        for layout in LAYOUTS:
            best, points, scores, diverged = [], [], [], []
            for seed in seeds:
                if task is not None:
                    task.advance(f"{layout}, seed {seed}")
                study = search(problem, rule, list(axes), layout, n, epochs=settings.GRID_RANDOM_EPOCHS,
                               batch_size=settings.GRID_RANDOM_BATCH_SIZE, seed=seed, storage=storage,
                               study=f"{layout}-{seed}", scheduler=cluster.scheduler_address)
                trials = complete_trials(study, n)
                values = np.array([t.value for t in trials])
                scores.append(values)
                best.append(np.maximum.accumulate(values))
                points.append([[t.params[axis.name] for axis in axes] for t in trials])
                diverged.append([bool(t.user_attrs.get("diverged")) for t in trials])
            measured.best[layout] = np.array(best)
            measured.points[layout] = np.array(points, dtype=float)
            measured.scores[layout] = np.array(scores)
            measured.diverged[layout] = np.array(diverged)
    return measured


def sensitivity(measured):
    """From the first grid study (a full k x k table): (lr_span, reg_span), in accuracy.

    lr_span: over the grid's regs, the largest range of the score across learning rates
    (the learning rate's effect); reg_span: over the grid's learning rates at which no
    run diverged, the largest range of the score across regs (the L2 strength's effect).
    """
    table = grid_table(measured)
    diverged = grid_table(measured, measured.diverged["grid"][0].astype(float)) > 0
    lr_span = float(np.max(table.max(axis=0) - table.min(axis=0)))
    rows = [i for i in range(measured.k) if not diverged[i].any()]
    reg_span = float(np.max([table[i].max() - table[i].min() for i in rows])) if rows else float("nan")
    return lr_span, reg_span


def grid_table(measured, values=None):
    """The first grid study's scores (or `values`, one per trial) as a k x k array
    [learning-rate index, reg index]."""
    values = measured.scores["grid"][0] if values is None else values
    grids = [np.array(measured.grid[axis.name]) for axis in measured.axes]
    table = np.full((measured.k, measured.k), np.nan)
    for (lr, reg), value in zip(measured.points["grid"][0], values):
        table[np.argmin(abs(grids[0] - lr)), np.argmin(abs(grids[1] - reg))] = value
    return table


def build(section, budget, progress):
    measured = measure(budget, progress)
    lr_axis, reg_axis = measured.axes
    n, k, reps = measured.trials, measured.k, len(measured.seeds)
    lr_span, reg_span = sensitivity(measured)
    section.text(
        f"The lecture's cross-validation advice, measured: search the hyperparameters on the validation set, "
        f"and prefer a random layout to a grid, because when one hyperparameter matters far more than the other a "
        f"grid of N = k\u00b2 trials tries only k distinct values of the one that matters. Here "
        f"{style.name(settings.GRID_RANDOM_RULE)} trains softmax regression on the digits, "
        f"{settings.GRID_RANDOM_EPOCHS} epochs of mini-batches of {settings.GRID_RANDOM_BATCH_SIZE} per trial, scored "
        f"by validation accuracy, over {lr_axis} and {reg_axis} with `optbench.search`. On the {k} \u00d7 {k} grid the "
        f"learning rate moves the validation accuracy by up to {100 * lr_span:.1f} points at a fixed L2 strength, "
        f"the L2 strength by at most {100 * reg_span:.1f} points at a fixed learning rate (among the grid's learning "
        f"rates at which no run diverged): one hyperparameter matters, the other barely does."
    )
    section.text(
        f"Each layout ran {reps} studies of {n} trials, seeds {measured.seeds[0]}..{measured.seeds[-1]} (the seed "
        f"draws the sampler's points and the run's start point and mini-batches). The grid's {n} points are the same "
        f"in every repetition; only the run's seed and the order in which Optuna's GridSampler visits them (a seeded "
        f"draw among the unvisited points) change, so before trial {n} the grid has tried a random part of itself. "
        f"TPE draws its first {min(measured.startup, n)} trials at random (Optuna's n_startup_trials = "
        f"{measured.startup})"
        + (": with this budget every TPE trial is a start-up trial, and its points are exactly those of the "
           "random search of the same seed." if tpe_is_random(measured) else
           ", then models the results it has seen to choose the next.")
    )
    section.figure(best_figure(measured), "best-so-far", best_caption(measured))
    section.figure(layout_figure(measured), "layouts", layout_caption(measured))
    section.table(
        ("layout", f"median best after {k} trials (%)", f"median best after {n} trials (%)",
         f"interquartile range after {n} (%)", "distinct learning rates (first study)", "diverged trials"),
        [(NAMES[layout], f"{100 * measured.median(layout, k):.1f}", f"{100 * measured.median(layout, n):.1f}",
          " .. ".join(f"{100 * q:.1f}" for q in measured.quartiles(layout, n)),
          measured.distinct(layout), int(measured.diverged[layout].sum()))
         for layout in LAYOUTS],
        caption=f"Best validation accuracy found, over {reps} repetitions of each layout; diverged trials are "
                f"counted over all {reps} \u00d7 {n} trials of the layout and scored 0.",
    )


def best_caption(measured):
    """The sentences under the best-so-far figure, from `measured`."""
    n, k = measured.trials, measured.k
    grid, rand, tpe = (100 * measured.median(layout, n) for layout in LAYOUTS)
    sentences = [
        f"After {n} trials random search's median best is {rand:.1f}% against the grid's {grid:.1f}% "
        f"and TPE's {tpe:.1f}% (median over {len(measured.seeds)} repetitions; band: 25th to 75th percentile)."
    ]
    for m in sorted({k, max(1, n // 2)} - {n}):
        sentences.append(f"After {m} trials: random {100 * measured.median('random', m):.1f}%, grid "
                         f"{100 * measured.median('grid', m):.1f}%, TPE {100 * measured.median('tpe', m):.1f}%.")
    sentences.append(f"In its first study the grid tried {measured.distinct('grid')} distinct learning rates in "
                     f"{n} trials, random search {measured.distinct('random')}.")
    return " ".join(sentences)


def layout_caption(measured):
    """The sentences under the two-panel layout figure, from `measured`."""
    parts = []
    for layout in ("grid", "random"):
        values = measured.scores[layout][0]
        best = int(np.argmax(values))
        lr, reg = measured.points[layout][0, best]
        parts.append(f"{NAMES[layout]}: {measured.distinct(layout)} distinct learning rates, best "
                     f"{100 * values[best]:.1f}% at lr {lr:.3g}, reg {reg:.2g}")
    return (f"The first repetition's grid and random studies ({measured.trials} trials each, seed "
            f"{measured.seeds[0]}); {'; '.join(parts)}.")


def best_figure(measured):
    """Best score so far against trials, per layout: the whole range (left) and the top
    (right, from the lowest median among the layouts after k trials)."""
    n, k = measured.trials, measured.k
    fig, panels = plt.subplots(1, 2, figsize=(12, 4.5))
    trials = np.arange(1, n + 1)
    same = tpe_is_random(measured)
    for ax in panels:
        for layout in LAYOUTS:
            best = 100 * measured.best[layout]
            low, median, high = np.percentile(best, (25, 50, 75), axis=0)
            label = f"{NAMES[layout]}: median"
            if layout == "tpe" and same:
                label += " (the same points as random)"
            ax.plot(trials, median, "s--" if layout == "tpe" else "o-", markersize=3, color=COLORS[layout],
                    label=label)
            ax.fill_between(trials, low, high, color=COLORS[layout], alpha=0.15, linewidth=0)
        ax.axvline(n, color="0.5", linewidth=0.8, linestyle=":")
        ax.set_xlabel("trials (in trial-number order)")
        ax.set_ylabel("best validation accuracy so far (%)")
    top = max(100 * measured.best[layout].max() for layout in LAYOUTS)
    floor = min(100 * measured.median(layout, k) for layout in LAYOUTS)
    panels[0].set_ylim(0, 100)
    panels[0].set_title("the whole range (band: interquartile range)")
    panels[1].set_ylim(floor - 1, top + 0.5)
    panels[1].set_title(f"the top, from trial {k} on")
    panels[1].set_xlim(k - 0.5, n + 0.5)
    panels[0].legend(loc="lower right")
    fig.suptitle(f"Best of N trials, {len(measured.seeds)} repetitions per layout; the grid is complete at N = {n}")
    fig.tight_layout()
    return fig


def tpe_is_random(measured):
    """Whether TPE drew exactly the random layout's points (all trials within its
    random start-up, which uses the same seeded random stream)."""
    return bool(np.array_equal(measured.points["tpe"], measured.points["random"]))


def layout_figure(measured):
    """Two panels, grid and random, each the sampled points in the (lr, reg) plane with
    the score along the learning rate above and along reg to the right."""
    lr_axis, reg_axis = measured.axes
    fig = plt.figure(figsize=(12, 5.6))
    outer = fig.add_gridspec(1, 2, wspace=0.35)
    scored = np.concatenate([measured.scores[layout][0] for layout in ("grid", "random")])
    vmin, vmax = 100 * float(np.min(scored)), 100 * float(np.max(scored))
    for column, layout in enumerate(("grid", "random")):
        inner = outer[column].subgridspec(2, 2, width_ratios=(4, 1.4), height_ratios=(1.4, 4), wspace=0.08,
                                          hspace=0.08)
        plane = fig.add_subplot(inner[1, 0])
        top = fig.add_subplot(inner[0, 0], sharex=plane)
        side = fig.add_subplot(inner[1, 1], sharey=plane)
        points, values = measured.points[layout][0], 100 * measured.scores[layout][0]
        dots = plane.scatter(points[:, 0], points[:, 1], c=values, cmap="viridis", vmin=vmin, vmax=vmax, s=40,
                             edgecolors="k", linewidths=0.4)
        plane.set_xscale("log")
        plane.set_yscale("log")
        plane.set_xlim(lr_axis.low / 2, lr_axis.high * 2)
        plane.set_ylim(reg_axis.low / 2, reg_axis.high * 2)
        plane.set_xlabel("learning rate (log scale): matters")
        plane.set_ylabel("reg, L2 strength (log scale): barely matters")
        top.plot(*best_per_value(points[:, 0], values), "-", color="0.6", linewidth=0.8)
        top.scatter(points[:, 0], values, c=values, cmap="viridis", vmin=vmin, vmax=vmax, s=14)
        top.set_ylabel("val acc (%)")
        top.set_xlabel("learning rate")
        top.xaxis.label.set_visible(False)
        top.tick_params(labelbottom=False)
        top.set_title(f"{NAMES[layout].capitalize()} layout: {measured.distinct(layout)} distinct learning rates")
        side.plot(*best_per_value(points[:, 1], values)[::-1], "-", color="0.6", linewidth=0.8)
        side.scatter(values, points[:, 1], c=values, cmap="viridis", vmin=vmin, vmax=vmax, s=14)
        side.set_xlabel("val acc (%)")
        side.set_ylabel("reg")
        side.yaxis.label.set_visible(False)
        side.tick_params(labelleft=False)
    colorbar = fig.colorbar(dots, ax=fig.axes, shrink=0.6, pad=0.02)
    colorbar.set_label("validation accuracy (%)")
    fig.suptitle(f"The lecture's grid and random layouts, measured: {measured.trials} trials each, "
                 f"{style.name(settings.GRID_RANDOM_RULE)} on softmax regression (digits)")
    return fig


def best_per_value(along, values):
    """(distinct values of `along`, sorted; the best of `values` at each): the marginal
    curve drawn along an axis (grey line; the dots are every trial)."""
    distinct = np.unique(along)
    return distinct, np.array([values[along == value].max() for value in distinct])
