"""L-BFGS against scipy's L-BFGS-B on the full-batch problems: value reached,
function evaluations, iterations and time, side by side; then L-BFGS on mini-batches.

`optbench.solvers.compare_with_scipy` with m = settings.LBFGS_MEMORY and its default
tolerances, the same for both; in a
quick report both stop at `budget.lbfgs_maxiter` iterations. The mini-batch figure sets
`optbench.solvers.minibatch.minibatch_lbfgs` beside full-batch L-BFGS and Adam on the same
mini-batches, measured by the full-batch loss.
"""

import inspect

import numpy as np
import scipy.optimize

from optbench.optim import optimizer
from optbench.perf.threads import single_threaded_blas
from optbench.problems import get_problem
from optbench.report import settings, style
from optbench.report.style import plt
from optbench.solvers import compare_with_scipy
from optbench.solvers.minibatch import minibatch_lbfgs

TITLE = "L-BFGS against scipy's L-BFGS-B"


def warm_up_scipy():
    """One tiny solve first, so that neither solver's time includes scipy's first-call setup."""
    scipy.optimize.minimize(lambda x: (float(x @ x), 2 * x), np.ones(2), jac=True, method="L-BFGS-B")


def build(section, budget, progress):
    problems = settings.LBFGS_PROBLEMS
    task = progress.task(section.name, len(problems) + 1)
    warm_up_scipy()
    rows, differ = [], []
    for name, options in problems:
        task.advance(name)
        problem = get_problem(name, **options)
        with single_threaded_blas():
            r = compare_with_scipy(problem, m=settings.LBFGS_MEMORY, maxiter=budget.lbfgs_maxiter)
        same = r["relative_gap"] <= settings.LBFGS_SAME_VALUE
        rows.append((
            style.problem_label(problem), r["n"], f"{r['f_ours']:.10g}", f"{r['f_scipy']:.10g}",
            f"{r['relative_gap']:.1e}", f"{r['nfev_ours']} / {r['nfev_scipy']}", f"{r['nit_ours']} / {r['nit_scipy']}",
            f"{r['seconds_ours']:.3g} / {r['seconds_scipy']:.3g}",
            "same value" if same else "differs", r["message_ours"],
        ))
        if not same:
            differ.append(style.problem_label(problem))
    tolerances = {name: p.default for name, p in inspect.signature(compare_with_scipy).parameters.items()
                  if name in ("gtol", "ftol")}
    section.text(
        "The lecture: \"if you can afford to do full batch updates then try out L-BFGS\". optbench's L-BFGS "
        "(two-loop recursion, strong Wolfe line search) and scipy's L-BFGS-B without bounds, both with "
        f"m = {settings.LBFGS_MEMORY} pairs and the same tolerances (gtol {tolerances['gtol']:g}, ftol "
        f"{tolerances['ftol']:.3g}), from x0(seed=0), up to {budget.lbfgs_maxiter} iterations. "
        f"\"same value\": |f_ours − f_scipy| ≤ {settings.LBFGS_SAME_VALUE:g} max(|f_scipy|, 1). "
        + ("They reach the same value on every problem here. " if not differ else
           f"They differ on {style.listing(differ)}: the last column says why ours stopped, and on a non-convex "
           "problem the two may also stop at different local minima. ")
        + "BLAS runs on one thread."
    )
    section.table(
        ("problem", "n", "f (optbench)", "f (scipy)", "relative gap", "nfev (ours / scipy)",
         "nit (ours / scipy)", "seconds (ours / scipy)", "", "stopped because (ours)"),
        rows,
        caption="Times are wall-clock seconds of one solve each, in the same process, on a shared machine.",
    )
    task.advance("mini-batch L-BFGS")
    section.text(
        "The lecture also warns that L-BFGS \"does not transfer very well to mini-batch setting\". Here it "
        "runs unchanged, but every evaluation it asks for, line-search trials included, is on a fresh "
        "mini-batch; a failed line search restarts it with an empty history."
    )
    with single_threaded_blas():
        minibatch(section, budget.minibatch_evaluations)
    task.finish("done")


def adam_on_minibatches(problem, evaluations, learning_rate, seed=0):
    """Full-batch loss after each of `evaluations` Adam updates on fresh mini-batches."""
    rng = np.random.default_rng(seed)
    opt = optimizer("adam", backend="cpu", learning_rate=learning_rate)
    x = problem.x0(seed)
    state = opt.init(x)
    loss = [problem.loss(x)]
    for _ in range(evaluations):
        _, dx = problem.batch_loss_and_gradient(x, problem.sample_batch(rng, settings.MINIBATCH_SIZE))
        opt.update(x, dx, state)
        loss.append(problem.loss(x))
    return np.array(loss)


def minibatch(section, evaluations):
    """The lecture's "does not transfer very well to mini-batch setting", measured."""
    problem = get_problem("softmax")
    f_star, batch = problem.f_star, settings.MINIBATCH_SIZE
    noisy = minibatch_lbfgs(problem, batch, evaluations)
    full = minibatch_lbfgs(problem, problem.n_train, evaluations)
    adam = {lr: adam_on_minibatches(problem, evaluations, lr) for lr in settings.MINIBATCH_ADAM_RATES}
    lr = min(adam, key=lambda rate: adam[rate][-1])
    curves = {
        f"L-BFGS, mini-batches of {batch} ({noisy['restarts']} restarts)": (noisy["evaluations"], noisy["loss"], batch),
        "L-BFGS, full batch": (full["evaluations"], full["loss"], problem.n_train),
        f"Adam, mini-batches of {batch} (lr {lr:g})": (np.arange(evaluations + 1), adam[lr], batch),
    }
    fig, (by_evaluation, by_example) = plt.subplots(1, 2, figsize=(12, 4.2))
    for (label, (k, loss, size)), color in zip(curves.items(), ("tab:red", "black", "tab:brown")):
        gap = np.where(loss - f_star > 0, loss - f_star, np.nan)
        by_evaluation.plot(k, gap, color=color, label=label)
        by_example.plot(k * size, gap, color=color)
    for ax in (by_evaluation, by_example):
        ax.set_yscale("log")
        ax.set_ylabel("full-batch f − f* (loss units, log scale)")
    by_evaluation.set_xlabel("gradient evaluations")
    by_evaluation.set_title("against gradient evaluations")
    by_example.set_xscale("log")
    by_example.set_xlabel("training examples used (log scale)")
    by_example.set_title("against examples seen")
    by_evaluation.legend()
    fig.suptitle(f"L-BFGS on mini-batches: {style.problem_description(problem)}, {evaluations} gradient evaluations")
    fig.tight_layout()
    noisy_gap, full_gap, adam_gap = (loss[-1] - f_star for _, loss, _ in curves.values())
    section.figure(fig, "minibatch", minibatch_caption(evaluations, batch, noisy_gap, full_gap, adam_gap))


def minibatch_caption(evaluations, batch, noisy, full, adam):
    """The mini-batch figure's caption from the final gaps f − f* of mini-batch L-BFGS,
    full-batch L-BFGS and Adam on mini-batches."""
    text = (f"After {evaluations} gradient evaluations L-BFGS on mini-batches of {batch} is at f − f* = "
            f"{gap_text(noisy)}, Adam on the same batch size at {gap_text(adam)}, full-batch L-BFGS at "
            f"{gap_text(full)}")
    worse = [name for name, gap in (("Adam", adam), ("full-batch L-BFGS", full)) if _level(noisy) > _level(gap)]
    if len(worse) == 2:
        return text + (": on mini-batches L-BFGS ends above both, as the lecture warns (its curvature pairs and "
                       "line-search trials come from different batches).")
    if worse:
        return text + f": on mini-batches L-BFGS ends above {worse[0]} only."
    return text + ": here L-BFGS on mini-batches ends no higher than either, against the lecture's warning."


ROUNDING = 1e-12  # f − f* below this is rounding, not distance


def _level(gap):
    return gap if gap > ROUNDING else 0.0


def gap_text(gap):
    """f − f* for a caption; below ROUNDING it is rounding, not distance."""
    return f"{gap:.2g}" if gap > ROUNDING else "f* to rounding"
