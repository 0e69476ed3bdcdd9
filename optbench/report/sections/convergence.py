"""Convergence: the loss gap f − f* against steps and against wall time, every rule on
every problem, with L-BFGS (optbench's and scipy's L-BFGS-B) as references.

Every run is `optbench.run`: full-batch updates from x0(seed=0) in float64 with the CPU
kernels, so that one step costs one gradient evaluation, as one function evaluation of
L-BFGS does. Learning rates come from a stratified random search: the range
10**SEARCH_LOG10_RANGE is cut into `search_samples` equal slices of log10(lr) and one
value is drawn uniformly in each; each rule runs with every value and keeps the one whose
loss gap has the lowest geometric mean over the second half of the run (an exploding
run scores +inf).

Steps to target, f − f* <= settings.TARGET_TOL (f0 − f*): for a run, the record's
`steps_to_target` (computed by `optbench.run` with that `tol`); for an L-BFGS reference,
`Trace.steps_to_target`.
"""

import math
import time
import warnings

import numpy as np
import scipy.optimize

from optbench.optim import get_rule
from optbench.perf.threads import single_threaded_blas
from optbench.problems import get_problem
from optbench.problems.optimum import TIGHT_LBFGSB
from optbench.report import settings, style
from optbench.training import run

TITLE = "Convergence: loss gap against steps and wall time"

plt = style.plt
LBFGS = "L-BFGS (optbench)"
SCIPY = "L-BFGS-B (scipy)"


def search_rates(samples, seed=settings.SEARCH_SEED):
    """One log-uniform draw in each of `samples` equal slices of the search range."""
    low, high = settings.SEARCH_LOG10_RANGE
    edges = np.linspace(low, high, samples + 1)
    return 10.0 ** np.random.default_rng(seed).uniform(edges[:-1], edges[1:])


def hyperparameters(rule, learning_rate):
    chosen = {"learning_rate": float(learning_rate)}
    if "momentum" in get_rule(rule).defaults:
        chosen["momentum"] = settings.MOMENTUM
    return chosen


def score(record, bound):
    """log10 of the geometric mean of f − bound over the second half of the run."""
    if record.diverged or not math.isfinite(record.f_final):
        return math.inf
    losses = curve(record)[2]
    tail = losses[len(losses) // 2:] - bound
    return float(np.mean(np.log10(np.maximum(tail, 1e-300))))


def curve(record):
    """(steps, seconds, losses) at x_0 .. x_final."""
    losses = np.append(record.loss[: record.steps], record.f_final)
    seconds = np.append(0.0, record.seconds[: record.steps])
    return np.arange(len(losses)), seconds[: len(losses)], losses


class Trace:
    """Wraps fun(x) -> (f, g), recording f and the wall time at every evaluation."""

    def __init__(self, fun):
        self.fun, self.values, self.seconds = fun, [], []
        self.start = time.perf_counter()

    def __call__(self, x):
        f, g = self.fun(x)
        self.values.append(float(f))
        self.seconds.append(time.perf_counter() - self.start)
        return f, g

    def best_so_far(self):
        """(evaluations, seconds, lowest f so far): what the solver has found by then."""
        values = np.minimum.accumulate(np.array(self.values))
        return np.arange(1, len(values) + 1), np.array(self.seconds), values

    def steps_to_target(self, f_ref, tol):
        """Fewest function evaluations after which the best f so far has f − f_ref <= tol
        (f(x0) − f_ref), f(x0) being the first evaluation; None if never."""
        if not self.values:
            return None
        evaluations, _, values = self.best_so_far()
        reached = np.flatnonzero(values - f_ref <= tol * (self.values[0] - f_ref))
        return int(evaluations[reached[0]]) if reached.size else None


def reference_runs(problem, evaluations):
    """{solver: Trace} for both L-BFGS implementations at the tolerances of f*
    (`optimum.TIGHT_LBFGSB`), capped at `evaluations`."""
    from optbench.solvers import lbfgs

    traces = {}
    scipy_trace = Trace(problem.loss_and_gradient)
    scipy.optimize.minimize(
        scipy_trace, problem.x0(0), jac=True, method="L-BFGS-B",
        options=TIGHT_LBFGSB | {"maxfun": evaluations, "maxiter": evaluations},
    )
    traces[SCIPY] = scipy_trace
    ours = Trace(problem.loss_and_gradient)
    lbfgs(ours, problem.x0(0), m=TIGHT_LBFGSB["maxcor"], maxiter=evaluations, maxfun=evaluations,
          gtol=TIGHT_LBFGSB["gtol"], ftol=TIGHT_LBFGSB["ftol"])
    traces[LBFGS] = ours
    return traces


def search(rule, problem, steps, rates, bound, task):
    """[(lr, score, record)] for every rate, each run for `steps` updates."""
    tried = []
    for lr in rates:
        task.advance(f"{problem.name}: {rule} lr {lr:.2g}")
        record = run(rule, problem, steps=steps, f_star=bound, tol=settings.TARGET_TOL,
                     **hyperparameters(rule, lr))
        tried.append((lr, score(record, bound), record))
    return tried


def build(section, budget, progress):
    rules = style.rules()
    rates = search_rates(budget.search_samples)
    tol = settings.TARGET_TOL
    total = len(settings.CONVERGENCE_PROBLEMS) * (len(rules) * len(rates) + 1)
    task = progress.task(section.name, total)
    section.text(
        "Full-batch updates (exact gradients) in float64 with the CPU kernels from each problem's "
        "x0(seed=0), through `optbench.run`; one step is one gradient evaluation, as is one function "
        "evaluation of L-BFGS, so the curves compare work done. Learning rates: the best of a "
        f"stratified random search: {budget.search_samples} values, one log-uniform draw in each of "
        f"{budget.search_samples} equal slices of 10^{settings.SEARCH_LOG10_RANGE[0]:g} .. "
        f"10^{settings.SEARCH_LOG10_RANGE[1]:g}, the same values for every rule (the lecture's random layout). "
        "A rate scores the geometric mean of f − f* over the second half of its run, which rewards a "
        "low loss and penalizes one that keeps jumping back up; an exploding run scores +inf. The runs shown are the best search runs. "
        f"Momentum {settings.MOMENTUM:g}; other hyperparameters are the rules' defaults. BLAS runs on one thread."
    )
    rows, searches = [], {}
    with warnings.catch_warnings(), np.errstate(all="ignore"), single_threaded_blas():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, options in settings.CONVERGENCE_PROBLEMS.items():
            problem = get_problem(name, **options)
            steps = budget.convergence_steps[name]
            f_ref = float(problem.f_star)
            runs, searched = {}, {}
            for rule in rules:
                tried = search(rule, problem, steps, rates, f_ref, task)
                searched[rule] = [(lr, value) for lr, value, _ in tried]
                lr, _, record = min(tried, key=lambda entry: entry[1])
                runs[rule] = (lr, record)
            try:
                references = reference_runs(problem, steps)
            except Exception as error:
                references = {}
                section.note(f"no L-BFGS reference lines on {name}: {type(error).__name__}: {error}")
            task.advance(f"{name}: L-BFGS")
            searches[name] = (steps, searched)
            section.figure(figure(problem, steps, runs, references, f_ref), name,
                           caption(problem, steps, runs, references, f_ref, tol))
            rows += table_rows(problem, runs, references, f_ref, tol)
    section.figure(search_figure(searches), "search",
                   "How sensitive each rule is to its learning rate: each point is one search run; the lowest "
                   "point of each curve is the rate used above, × marks a run that exploded.")
    section.table(
        ("problem", "method", "learning rate", "final f − f*", f"steps to {style.closed(tol)} of the gap",
         "µs per step"),
        rows,
        caption=f"Steps to target: fewest updates (or function evaluations) after which "
                f"f − f* ≤ {tol:g} (f(x0) − f*); '-' if never within the budget. Time per step: gradient and "
                "update together.",
    )
    task.finish("done")


def caption(problem, steps, runs, references, f_ref, tol):
    """Who ends lowest and highest, who reaches the target first (from the records'
    `steps_to_target`), and how fast L-BFGS gets there; `runs` is {rule: (lr, record)}."""
    check_tol(runs, tol)
    description = style.problem_description(problem)
    text = f"{description[:1].upper()}{description[1:]}: after {steps} steps "
    exploded = [rule for rule, (_, record) in runs.items() if record.diverged]
    finals = {rule: curve(record)[2][-1] - f_ref for rule, (_, record) in runs.items() if rule not in exploded}
    if finals:
        best, worst = min(finals, key=finals.get), max(finals, key=finals.get)
        text += (f"{style.name(best)} is lowest (f − f* = {finals[best]:.1e}) and {style.name(worst)} highest "
                 f"({finals[worst]:.1e})")
    else:
        text += "every rule has exploded"
    if exploded and finals:
        text += f"; {style.listing(style.name(r) for r in exploded)} exploded"
    reached = {rule: record.steps_to_target for rule, (_, record) in runs.items() if record.steps_to_target is not None}
    share = style.closed(tol)
    if reached:
        first = min(reached.values())
        fastest = [style.name(rule) for rule, k in reached.items() if k == first]
        text += f"; first to close {share} of the gap: {style.listing(fastest)} ({first} steps)"
        missed = [style.name(rule) for rule in runs if rule not in reached]
        if missed:
            text += f", not within the budget: {style.listing(missed)}"
    elif runs:
        text += f"; no rule closes {share} of the gap within the budget"
    if LBFGS in references:
        evaluations = references[LBFGS].steps_to_target(f_ref, tol)
        text += (f"; L-BFGS closes {share} of the gap in {evaluations} function evaluations"
                 if evaluations is not None else f"; L-BFGS does not close {share} of the gap within the budget")
    return text + "."


def figure(problem, steps, runs, references, f_ref):
    fig, (by_step, by_time) = plt.subplots(1, 2, figsize=(13, 4.6))
    start_gap = None
    for rule, (lr, record) in runs.items():
        k, seconds, losses = curve(record)
        gaps = np.where(losses - f_ref > 0, losses - f_ref, np.nan)
        start_gap = start_gap or losses[0] - f_ref
        label = f"{style.name(rule)} (lr {lr:.2g})" + (" — exploded" if record.diverged else "")
        by_step.plot(k, gaps, color=style.color(rule), linewidth=1.2, label=label)
        by_time.plot(seconds[1:], gaps[1:], color=style.color(rule), linewidth=1.2)
    for solver, trace in references.items():
        evaluations, seconds, values = trace.best_so_far()
        gaps = np.where(values - f_ref > 0, values - f_ref, np.nan)
        color = style.REFERENCE_COLORS[solver]
        line = "--" if solver == LBFGS else ":"
        by_step.plot(evaluations, gaps, line, color=color, linewidth=1.6,
                     label=f"{solver}, {len(values)} evaluations")
        by_time.plot(seconds, gaps, line, color=color, linewidth=1.6)
    for ax in (by_step, by_time):
        ax.set_yscale("log")
        ax.set_ylabel("f − f* (loss units, log scale)")
        if start_gap and start_gap > 0:
            bottom, top = ax.get_ylim()
            ax.set_ylim(max(bottom, 1e-13 * start_gap), top)
    by_step.set_xlim(0, steps)
    by_step.set_xlabel("step (gradient evaluations)")
    by_step.set_title("against steps")
    by_time.set_xscale("log")
    by_time.set_xlabel("wall time (s, log scale; gradients and updates)")
    by_time.set_title("against wall time")
    fig.legend(*by_step.get_legend_handles_labels(), loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.suptitle(f"Convergence on {style.problem_label(problem)}: {problem.n} parameters, full batch, float64")
    fig.tight_layout()
    return fig


def search_figure(searches):
    """searches: {problem: (steps per run, {rule: [(lr, score)]})}."""
    names = list(searches)
    columns = 2
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(13, 4 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        steps, tried_by_rule = searches[name]
        finite = [v for tried in tried_by_rule.values() for _, v in tried if math.isfinite(v)]
        ceiling = 10.0 ** (max(finite, default=0.0) + 1)
        for rule, tried in tried_by_rule.items():
            lrs = np.array([lr for lr, _ in tried])
            values = np.array([v for _, v in tried])
            ok = np.isfinite(values)
            ax.plot(lrs[ok], 10.0 ** np.maximum(values[ok], -300), "o-", color=style.color(rule), markersize=4,
                    linewidth=1, label=style.name(rule))
            ax.plot(lrs[~ok], np.full((~ok).sum(), ceiling), "x", color=style.color(rule), markersize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(*(10.0 ** np.array(settings.SEARCH_LOG10_RANGE)))
        ax.set_title(f"{name}: {steps} steps per run")
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("f − f*, geometric mean over\nthe second half (log scale)")
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    axes.flat[0].legend(ncol=2)
    fig.suptitle("Learning-rate search: the score of every learning rate tried, per rule and problem")
    fig.tight_layout()
    return fig


def check_tol(runs, tol):
    """The records' steps to target must be for the target the report states."""
    for rule, (_, record) in runs.items():
        if record.settings.get("tol", tol) != tol:
            raise ValueError(f"the {rule} run was made with tol {record.settings['tol']:g}, not {tol:g}")


def table_rows(problem, runs, references, f_ref, tol):
    """One row per run (steps to target from its record) and per L-BFGS trace."""
    check_tol(runs, tol)
    rows = []
    for rule, (lr, record) in runs.items():
        gap = curve(record)[2][-1] - f_ref
        per_step = record.seconds[record.steps - 1] / record.steps * 1e6 if record.steps else math.nan
        rows.append((problem.name, style.name(rule), f"{lr:.3g}", f"{gap:.2e}",
                     "-" if record.steps_to_target is None else str(record.steps_to_target), f"{per_step:.0f}"))
    for solver, trace in references.items():
        _, seconds, values = trace.best_so_far()
        evaluations = trace.steps_to_target(f_ref, tol)
        rows.append((problem.name, solver, "-", f"{values[-1] - f_ref:.2e}",
                     "-" if evaluations is None else str(evaluations), f"{seconds[-1] / len(values) * 1e6:.0f}"))
    return rows
