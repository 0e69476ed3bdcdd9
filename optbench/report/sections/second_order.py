"""Second-order methods: Newton's method and BFGS against scipy on every deterministic
problem, their convergence beside L-BFGS, and the lecture's Q2, "why is this impractical
for training Deep Neural Nets?", answered by measuring the cost of one iteration of
each against the number of parameters n and extrapolating its fit to network sizes.

`optbench.solvers.versus_scipy.compare` on settings.SECOND_ORDER_PROBLEMS (Newton beside
trust-exact with the same Hessian, BFGS beside scipy's BFGS, L-BFGS beside L-BFGS-B),
each within budget.second_order_maxiter iterations; `optbench.solvers.scaling.climb` on
settings.SECOND_ORDER_SCALING_PROBLEM over budget.second_order_sizes.
"""

import math

import numpy as np

from optbench.perf.threads import single_threaded_blas
from optbench.problems import get_problem
from optbench.report import settings, style
from optbench.report.sections.lbfgs import warm_up_scipy
from optbench.report.style import plt
from optbench.solvers import scaling
from optbench.solvers.versus_scipy import METHODS, SCIPY_METHODS, compare

TITLE = "Second-order methods: Newton, BFGS and L-BFGS"

NAMES = {"newton": "Newton", "bfgs": "BFGS", "lbfgs": "L-BFGS (m = 10)"}
COLORS = {"newton": "tab:purple", "bfgs": "tab:green", "lbfgs": "black"}


def build(section, budget, progress):
    problems = [get_problem(name, **options) for name, options in settings.SECOND_ORDER_PROBLEMS]
    task = progress.task(section.name, len(problems) * len(METHODS) + len(METHODS))
    warm_up_scipy()
    section.text(
        "The lecture's Newton update θ* = θ0 − H⁻¹∇J(θ0) has no learning rate, and asks (Q2) why it is "
        "impractical for deep nets; quasi-Newton BFGS replaces the O(n³) inverse by O(n²) updates of an "
        "inverse-Hessian estimate, L-BFGS stores none. Here optbench's three solvers run on every "
        "deterministic problem beside scipy.optimize.minimize: Newton (Cholesky of the exact Hessian, shifted "
        "where it is not positive definite, strong Wolfe line search from the full step) beside trust-exact "
        "with the same Hessian, BFGS beside scipy's BFGS, L-BFGS beside L-BFGS-B; from x0(seed=0), gtol "
        f"{settings.SECOND_ORDER_GTOL:g} on both sides. Then their cost per iteration against n."
    )
    runs = {}
    for problem in problems:
        for method in METHODS:
            task.advance(f"{style.problem_label(problem)} {method}")
            path = []  # iterates only: their losses are evaluated after the timed solves
            with single_threaded_blas():
                row = compare(problem, method, gtol=settings.SECOND_ORDER_GTOL,
                              maxiter=budget.second_order_maxiter[method],
                              callback=lambda side, x: path.append(x) if side == "ours" else None)
                losses = np.array([problem.loss(x) for x in (problem.x0(0), *path)])
            runs[problem.name, repr(problem), method] = (problem, row, losses)
    comparison(section, runs)
    convergence(section, runs)
    ladders = {}
    for method in METHODS:
        task.advance(f"scaling {method}")
        with single_threaded_blas():
            ladders[method] = scaling.climb(
                method, lambda n: get_problem(settings.SECOND_ORDER_SCALING_PROBLEM, n=n),
                sizes=budget.second_order_sizes, seconds_limit=budget.second_order_seconds,
                memory=budget.second_order_memory)
    cost(section, ladders, budget)
    task.finish("done")


def comparison(section, runs):
    rows, differ = [], []
    for (_, _, method), (problem, row, _) in runs.items():
        same = row["relative_gap"] <= settings.LBFGS_SAME_VALUE
        unconverged = [side for side in ("ours", "scipy") if not row[f"success_{side}"]]
        verdict = ("same value" if same else
                   f"differs, {' and '.join(unconverged)} not converged" if unconverged else "differs")
        if not same:
            differ.append(f"{NAMES[method]} on {style.problem_label(problem)}"
                          + (" (not converged within the budget)" if unconverged else ""))
        ratio = row["nfev_ours"] / row["nfev_scipy"]
        rows.append((
            style.problem_label(problem), row["n"], NAMES[method], SCIPY_METHODS[method],
            f"{row['f_ours']:.10g}", f"{row['f_scipy']:.10g}", f"{row['relative_gap']:.1e}",
            f"{row['nfev_ours']} / {row['nfev_scipy']} ({ratio:.2f})", f"{row['nit_ours']} / {row['nit_scipy']}",
            f"{row['seconds_ours']:.3g} / {row['seconds_scipy']:.3g}",
            verdict,
            row["message_ours"] + (f" ({row['modified_ours']} Hessians shifted)" if row["modified_ours"] else ""),
        ))
    bfgs = [row["nfev_ours"] / row["nfev_scipy"] for (_, _, m), (_, row, _) in runs.items() if m == "bfgs"]
    section.text(
        f"\"same value\": |f_ours − f_scipy| ≤ {settings.LBFGS_SAME_VALUE:g} max(|f_scipy|, 1). "
        + ("Every pair reaches the same value. " if not differ else
           f"Not the same value: {style.listing(differ)}; on a non-convex problem two methods may stop at "
           "different local minima, and the last column says why ours stopped. ")
        + f"BFGS's function evaluations are {min(bfgs):.2f} to {max(bfgs):.2f} times scipy's "
        "(scipy's line search is MINPACK's More–Thuente, ours N&W's Algorithm 3.5 on the same conditions)."
    )
    section.table(
        ("problem", "n", "optbench", "scipy", "f (optbench)", "f (scipy)", "relative gap",
         "nfev (ours / scipy, ratio)", "nit (ours / scipy)", "seconds (ours / scipy)", "", "stopped because (ours)"),
        rows,
        caption="Times are wall-clock seconds of one solve each, in the same process, BLAS on one thread, on a "
                "shared machine.",
    )
    target_table(section, runs)


def iterations_to_target(losses, f_star, target=None):
    """The first iteration k with f_k − f* <= target max(|f*|, 1), or None."""
    target = settings.SECOND_ORDER_TARGET if target is None else target
    reached = np.flatnonzero(losses - f_star <= target * max(abs(f_star), 1.0))
    return int(reached[0]) if reached.size else None


def target_table(section, runs):
    problems = {}
    for (_, key, method), (problem, _, losses) in runs.items():
        problems.setdefault(key, (problem, {}))[1][method] = iterations_to_target(losses, problem.f_star)
    rows = [(style.problem_label(problem), *(("not reached" if k is None else k) for k in (
        reached[m] for m in METHODS))) for problem, reached in problems.values()]
    section.text(
        f"Iterations until f − f* ≤ {settings.SECOND_ORDER_TARGET:g} max(|f*|, 1) (f* closed form, or the best "
        "value L-BFGS-B finds for the digits problems: a non-convex net's local minima differ, so a method may "
        "stop at another one and never reach it)."
    )
    section.table(("problem", *(NAMES[m] for m in METHODS)), rows)


def convergence_order(errors):
    """Estimates q_k = log(e_{k+1} / e_k) / log(e_k / e_{k-1}) of the order of convergence
    from errors e_k > ROUNDING: 1 for linear, 2 for quadratic."""
    e = np.asarray([error for error in errors if error > settings.SECOND_ORDER_ROUNDING])
    if e.size < 3:
        return np.array([])
    logs = np.log(e)
    return (logs[2:] - logs[1:-1]) / (logs[1:-1] - logs[:-2])


def convergence(section, runs):
    shown = list(dict.fromkeys((name, key) for name, key, _ in runs))
    columns = min(3, len(shown))
    rows = math.ceil(len(shown) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(5.2 * columns, 4.0 * rows), squeeze=False)
    for ax in axes.flat[len(shown):]:
        ax.remove()
    orders, below = {}, []
    for ax, (name, key) in zip(axes.flat, shown):
        problem = runs[name, key, METHODS[0]][0]
        for method in METHODS:
            losses = runs[name, key, method][2]
            gap = losses - problem.f_star
            ax.plot(np.arange(len(gap)), np.where(gap > settings.SECOND_ORDER_ROUNDING, gap, np.nan),
                    color=COLORS[method], label=NAMES[method], marker="." if method == "newton" else None)
            if gap.min() < -settings.SECOND_ORDER_ROUNDING * max(abs(problem.f_star), 1.0):
                below.append(f"{NAMES[method]} on {style.problem_label(problem)}")
        _, row, newton_losses = runs[name, key, "newton"]
        orders[style.problem_label(problem)] = (convergence_order(newton_losses - newton_limit(newton_losses, problem)),
                                                row["success_ours"])
        ax.set_yscale("log")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlim(left=0)
        ax.set_xlabel("iteration (log scale beyond 10)")
        ax.set_ylabel("f − f* (loss units, log scale)")
        ax.set_title(style.problem_label(problem), fontsize=9)
    axes.flat[0].legend()
    fig.suptitle("Convergence of optbench's Newton, BFGS and L-BFGS from x0(seed=0)")
    fig.tight_layout()
    section.figure(fig, "convergence", convergence_caption(orders, below))


def newton_limit(losses, problem):
    """The value Newton's f_k converge to: f* where the last f_K is within the target of
    it (the minimum f* describes), else f_K itself (another stationary point)."""
    f_star, last = problem.f_star, losses[-1]
    return f_star if abs(last - f_star) <= settings.SECOND_ORDER_TARGET * max(abs(f_star), 1.0) else last


def convergence_caption(orders, below=()):
    """The caption from each problem's (estimated orders of Newton's convergence, whether
    Newton converged), and the runs that end `below` the problem's f*. The error is
    e_k = f_k − f_lim, to the value Newton converges to (`newton_limit`): for an error d
    in x, e ~ d^2 keeps the order. Quadratic: Newton converged and one of its last LAST_ORDERS estimates is
    near 2."""
    parts, quadratic = [], []
    for label, (order, converged) in orders.items():
        if order.size == 0:
            parts.append(f"{label}: fewer than three iterates above rounding, no order to estimate")
            continue
        last = order[-LAST_ORDERS:]
        parts.append(f"{label}: last estimates {', '.join(f'{q:.2f}' for q in last)}"
                     + ("" if converged else " (not converged)"))
        if converged and last.max() >= QUADRATIC:
            quadratic.append(label)
    verdict = (f"Newton's final iterations converge quadratically (an order of {QUADRATIC:g} or above) on "
               f"{style.listing(quadratic)}." if quadratic else
               "Newton shows no quadratic phase on these problems within the budget.")
    return (f"{verdict} Estimated order q = log(e_(k+1)/e_k) / log(e_k/e_(k−1)) of Newton's e_k = f_k − f_lim, the "
            f"distance to the value it converges to (f* where it ends within {settings.SECOND_ORDER_TARGET:g} of it, "
            f"else its last f), over the iterates with e_k above {settings.SECOND_ORDER_ROUNDING:g}: "
            + "; ".join(parts) + ". Points with f − f* below rounding are not drawn"
            + (f"; {style.listing(below)} {'end' if len(below) > 1 else 'ends'} below f*, the best value L-BFGS-B "
               f"found (at another local minimum), and {'their' if len(below) > 1 else 'its'} points below f* are not "
               "drawn either." if below else "."))


LAST_ORDERS = 3
QUADRATIC = 1.8  # an order estimate this close to 2: the last steps of a quadratic phase end in rounding


def human_seconds(seconds):
    """3.2e7 -> "1.0 years"."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.2g} s"


def human_bytes(count):
    """2.5e12 -> "2.5 TB"."""
    for unit, size in (("EB", 1e18), ("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count:.3g} B"


def cost(section, ladders, budget):
    fig, (by_time, by_memory) = plt.subplots(1, 2, figsize=(12, 4.4))
    for method, ladder in ladders.items():
        n = np.array(ladder.sizes, dtype=float)
        for ax, values, fit in ((by_time, ladder.seconds, ladder.time_fit),
                                (by_memory, ladder.peak_bytes, ladder.memory_fit)):
            p, c = fit
            ax.plot(n, values, "o", color=COLORS[method], label=f"{NAMES[method]}, fit ∝ n^{p:.2f}")
            fitted = n[-scaling.FIT_POINTS:]
            ax.plot(fitted, c * fitted**p, "-", color=COLORS[method], alpha=0.6)
    for ax in (by_time, by_memory):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("parameters n (log scale)")
        ax.legend()
    by_time.set_ylabel("seconds per iteration (log scale)")
    by_time.set_title("time of one iteration")
    by_memory.set_ylabel("peak bytes allocated (log scale)")
    by_memory.set_title("memory")
    fig.suptitle(f"Cost against n on {settings.SECOND_ORDER_SCALING_PROBLEM} (chained), "
                 f"median of {scaling.ITERATIONS} iterations")
    fig.tight_layout()
    section.figure(fig, "cost", cost_caption(ladders))
    rows = []
    for method, ladder in ladders.items():
        (p, _), (q, _) = ladder.time_fit, ladder.memory_fit
        paper = [ladder.extrapolate(n) for n in scaling.ON_PAPER]
        rows.append((NAMES[method], f"{ladder.sizes[0]:.0e} to {ladder.sizes[-1]:.0e}", f"{p:.2f}", f"{q:.2f}",
                     *(f"{human_seconds(s)}, {human_bytes(b)}" for s, b in paper), ladder.stopped))
    section.text(
        f"Each method climbs n = {style.listing(f'{n:.0e}' for n in budget.second_order_sizes)} until an "
        f"iteration takes over {budget.second_order_seconds:g} s or the next size is predicted to need more "
        f"than that, or more memory than {human_bytes(budget.second_order_memory or scaling.MEMORY_FRACTION * scaling.machine_memory())}. "
        f"The exponents are least-squares fits of log cost against log n over the {scaling.FIT_POINTS} largest "
        "sizes measured; the last columns evaluate the fits at a small network's 1e6 and a large network's "
        "1e8 parameters, on paper."
    )
    section.table(("method", "n measured", "time exponent", "memory exponent",
                   *(f"one iteration at n = {n:.0e} (time, memory)" for n in scaling.ON_PAPER), "ladder stopped"),
                  rows)


def cost_caption(ladders):
    """The scaling figure's caption, from the fitted exponents and their extrapolation."""
    parts = []
    for method, ladder in ladders.items():
        (p, _), (q, _) = ladder.time_fit, ladder.memory_fit
        seconds, count = ladder.extrapolate(scaling.ON_PAPER[-1])
        parts.append(f"{NAMES[method]} time ∝ n^{p:.2f}, memory ∝ n^{q:.2f}, so at n = {scaling.ON_PAPER[-1]:.0e} "
                     f"one iteration would take {human_seconds(seconds)} and {human_bytes(count)}")
    newton, lbfgs = ladders["newton"].extrapolate(scaling.ON_PAPER[-1]), ladders["lbfgs"].extrapolate(
        scaling.ON_PAPER[-1])
    return ("Fitted over each method's largest sizes: " + "; ".join(parts) + ". That is Q2's answer measured: "
            f"Newton's iteration would cost {_ratio(newton[0], lbfgs[0])} the time and "
            f"{_ratio(newton[1], lbfgs[1])} the memory of L-BFGS's.")


def _ratio(a, b):
    return f"{a / b:.2g} times" if math.isfinite(a / b) else "far more than"
