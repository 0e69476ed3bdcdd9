"""Convergence: the loss gap f − f* against steps and against wall time, every rule on
every problem, with L-BFGS (optbench's and scipy's L-BFGS-B) as references.

Every run is `optbench.run`: full-batch updates from x0(seed=0) in float64 with the CPU
kernels, so that one step costs one gradient evaluation, as one function evaluation of
L-BFGS does. Learning rates come from `optbench.search`: for each rule and problem a
random-layout study of `search_samples` trials over learning_rate = log(10**LOW, 10**HIGH),
(LOW, HIGH) = SEARCH_LOG10_RANGE, sampler seed SEARCH_SEED (so every rule is tried at the
same rates), scored "tail_gap": the log10 of the geometric mean of the loss gap over the
second half of the run (a diverged run scores worst). Momentum is fixed at MOMENTUM for
the rules that have it. The trials run on one local Dask cluster for the section
(`SEARCH_WORKERS` single-threaded workers; a random layout draws the same rates for any
number). Once every search is done, each best trial is run again on a worker of that cluster, one
task at a time with nothing beside it, for the curves and their wall times; it must
reproduce the trial's score bit for bit. The L-BFGS references run there too: every
curve is timed in a process whose BLAS and Numba started with one thread. (This
process's BLAS, limited to one thread after it started, rounds differently in the last
bits.)

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
from optbench.problems import get_problem
from optbench.problems.optimum import TIGHT_LBFGSB
from optbench.report import settings, style
from optbench.training import run

TITLE = "Convergence: loss gap against steps and wall time"

plt = style.plt
LBFGS = "L-BFGS (optbench)"
SCIPY = "L-BFGS-B (scipy)"


SEARCH_WORKERS = 2


def fixed(rule):
    """The hyperparameters held fixed in the search: momentum, for the rules that have it."""
    return {"momentum": settings.MOMENTUM} if "momentum" in get_rule(rule).defaults else {}


def search_space():
    low, high = settings.SEARCH_LOG10_RANGE
    return [f"learning_rate=log({10.0 ** low:g},{10.0 ** high:g})"]


def curve(record):
    """(steps, seconds, losses) at x_0 .. x_final."""
    losses = record.iterate_losses()
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


def search(rule, name, options, steps, f_ref, samples, storage, cluster, task):
    """[(lr, score, diverged)] of the rule's study, by trial number, and the best trial."""
    import optbench.search
    from optbench.search.study import complete_trials

    study = optbench.search(
        name, rule, search_space(), "random", samples, steps=steps, options=options, seed=settings.SEARCH_SEED,
        fixed=fixed(rule), score="tail_gap", f_star=f_ref, storage=storage, study=f"{name}-{rule}",
        scheduler=cluster.scheduler_address,
        on_result=lambda number, value, attrs: task.advance(f"{name}: {rule} trial {number}"),
    )
    trials = complete_trials(study, samples)
    tried = [(t.params["learning_rate"], t.value, bool(t.user_attrs["diverged"])) for t in trials]
    return tried, study.best_trial


def timed_run(rule, name, options, steps, f_ref, lr):
    """The record of `rule` on problem `name` at learning rate `lr`: the search's run again,
    on a worker of the section's cluster, as the trial ran (BLAS and Numba on one thread)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return run(rule, get_problem(name, **options), steps=steps, f_star=f_ref, tol=settings.TARGET_TOL,
                   learning_rate=lr, **fixed(rule))


def reproduced(rule, name, trial, record):
    """`record` must score as `trial` did, bit for bit: it is the run of that trial."""
    from optbench.search.objective import tail_gap

    same = record.diverged == trial.user_attrs["diverged"] and (record.diverged or tail_gap(record) == trial.value)
    if not same:
        raise RuntimeError(f"{rule} on {name} at lr {trial.params['learning_rate']:.6g}: the run again scores "
                           f"{'diverged' if record.diverged else tail_gap(record)!r}, the trial "
                           f"{'diverged' if trial.user_attrs['diverged'] else trial.value!r}")
    return record


def timed_references(name, options, evaluations):
    """`reference_runs` on a worker, the traces without their function (not sent back)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        traces = reference_runs(get_problem(name, **options), evaluations)
    for trace in traces.values():
        trace.fun = None
    return traces


def build(section, budget, progress):
    import distributed
    import optuna

    from optbench.search.executor import local_cluster

    rules = style.rules()
    samples = budget.search_samples
    tol = settings.TARGET_TOL
    total = len(settings.CONVERGENCE_PROBLEMS) * (len(rules) * (samples + 1) + 1)
    task = progress.task(section.name, total)
    low, high = settings.SEARCH_LOG10_RANGE
    section.text(
        "Full-batch updates (exact gradients) in float64 with the CPU kernels from each problem's "
        "x0(seed=0), through `optbench.run`; one step is one gradient evaluation, as is one function "
        "evaluation of L-BFGS, so the curves compare work done. Learning rates: the best of a random search "
        f"with `optbench.search` (the lecture's random layout): {samples} trials per rule and problem, "
        f"learning_rate log-uniform in 10^{low:g} .. 10^{high:g}, sampler seed {settings.SEARCH_SEED}, so that "
        "every rule is tried at the same rates. A trial scores the geometric mean of f − f* over the second "
        "half of its run (`--score tail_gap`), which rewards a low loss and penalizes one that keeps jumping "
        "back up; an exploding run scores worst. The runs shown are the best trials, run again alone on a "
        f"worker for their wall times. Momentum {settings.MOMENTUM:g} (fixed in the search); other "
        "hyperparameters are the rules' defaults. Every run and reference here is timed on a single-threaded "
        "Dask worker (BLAS and Numba on one thread), one at a time."
    )
    problems = {name: get_problem(name, **options) for name, options in settings.CONVERGENCE_PROBLEMS.items()}
    found = {}  # {name: {rule: (tried, best trial)}}
    storage = optuna.storages.InMemoryStorage()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with local_cluster(SEARCH_WORKERS) as cluster:
        for name, options in settings.CONVERGENCE_PROBLEMS.items():
            f_ref = float(problems[name].f_star)
            found[name] = {rule: search(rule, name, options, budget.convergence_steps[name], f_ref, samples, storage,
                                        cluster, task) for rule in rules}
        rows, searches = [], {}
        with distributed.Client(cluster, set_as_default=False) as client:
            for name, problem in problems.items():
                options, steps = settings.CONVERGENCE_PROBLEMS[name], budget.convergence_steps[name]
                f_ref = float(problem.f_star)
                runs = {}
                for rule, (_, best) in found[name].items():  # one task at a time: nothing runs beside it
                    task.advance(f"{name}: {rule}, the best rate again")
                    lr = best.params["learning_rate"]
                    record = client.submit(timed_run, rule, name, options, steps, f_ref, lr, pure=False).result()
                    runs[rule] = (lr, reproduced(rule, name, best, record))
                try:
                    references = client.submit(timed_references, name, options, steps, pure=False).result()
                except Exception as error:
                    references = {}
                    section.note(f"no L-BFGS reference lines on {name}: {type(error).__name__}: {error}")
                task.advance(f"{name}: L-BFGS")
                searches[name] = (steps, {rule: tried for rule, (tried, _) in found[name].items()})
                section.figure(figure(problem, steps, runs, references, f_ref), name,
                               caption(problem, steps, runs, references, f_ref, tol))
                rows += table_rows(problem, runs, references, f_ref, tol)
    section.figure(search_figure(searches), "search",
                   "How sensitive each rule is to its learning rate: each point is one search trial; the lowest "
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
    """searches: {problem: (steps per run, {rule: [(lr, score, diverged)]})}."""
    names = list(searches)
    columns = 2
    rows = -(-len(names) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(13, 4 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        steps, tried_by_rule = searches[name]
        kept = [v for tried in tried_by_rule.values() for _, v, diverged in tried if not diverged]
        ceiling = 10.0 ** (max(kept, default=0.0) + 1)
        for rule, tried in tried_by_rule.items():
            tried = sorted(tried)
            lrs = np.array([lr for lr, _, _ in tried])
            values = np.array([v for _, v, _ in tried])
            ok = ~np.array([diverged for _, _, diverged in tried], dtype=bool)
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
