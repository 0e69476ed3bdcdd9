"""Naive mini-batch L-BFGS, to measure the lecture's point that L-BFGS "does not
transfer very well to mini-batch setting".

`lbfgs` runs unchanged, but every evaluation of (f, g) it asks for, line-search trials
included, uses a freshly sampled mini-batch (`problem.batch_loss_and_gradient`). Its
curvature pairs y = g_{k+1} - g_k then mix gradient noise from two batches, and its line
search compares losses of different batches. When a line search fails, the run restarts
from the current iterate with an empty history, until the evaluation budget is spent.

The result is the full-batch training loss f(x) at every iterate against the number of
mini-batch evaluations and of training examples used so far, so that it can be set
beside full-batch L-BFGS (batch_size = n_train) and first-order methods at equal
gradient evaluations or equal examples.
"""

import numpy as np

from optbench import checks
from optbench.solvers.lbfgs import lbfgs


def minibatch_lbfgs(problem, batch_size, steps, seed=0, m=10):
    """L-BFGS on fresh mini-batches of `batch_size` for `steps` gradient evaluations,
    from problem.x0(seed), batches drawn with `seed`.

    Returns {"evaluations", "examples", "loss"}: arrays with one entry for x0 and one
    per iterate (evaluations used when it was reached, evaluations * batch_size, and
    the full-batch f there), and "restarts": how many line-search failures restarted it.
    """
    steps = checks.whole_number("steps", steps, low=1)
    rng = np.random.default_rng(seed)
    problem.sample_batch(rng, batch_size)  # validates batch_size before any work
    used = 0

    def fun(x):
        nonlocal used
        used += 1
        return problem.batch_loss_and_gradient(x, problem.sample_batch(rng, batch_size))

    x = problem.x0(seed)
    evaluations, loss = [0], [problem.loss(x)]

    def record(xk):
        evaluations.append(used)
        loss.append(problem.loss(xk))

    restarts = -1
    while used < steps:
        restarts += 1
        # gtol = ftol = 0: only the budget or a failed line search ends a run
        x = lbfgs(fun, x, m=m, gtol=0.0, ftol=0.0, maxiter=steps, maxfun=steps - used, callback=record).x
    evaluations = np.array(evaluations)
    return {
        "evaluations": evaluations,
        "examples": evaluations * batch_size,
        "loss": np.array(loss),
        "restarts": restarts,
    }
