"""`run(rule, problem, ...)`: train with one update rule on one problem, keep the record.

The lecture's main loop, one optimizer kernel call per step on the flat vector x:

    while step < num_steps:
        batch = problem.sample_batch(rng, batch_size)      # the whole set if batch_size is None
        loss, dx = problem.batch_loss_and_gradient(x, batch)
        opt.update(x, dx, state)                           # x += -learning_rate * dx, ...
        average.update(x_test, x)                          # x_test = 0.995 x_test + 0.005 x

Length: `steps` updates, or for the digits problems `epochs`, an epoch being
n_train // batch_size updates (CS231n's trainer with sampled batches: each batch is
drawn afresh, so an epoch sees n_train images on average, not each image once); with
the full batch an update is an epoch. After every epoch the full training cost and the
train and val accuracy are logged (and printed when verbose, see `babysitting`).

The record keeps, for x_i the parameters after i updates:

    loss[i], grad_norm[i]   at x_i: the full-batch loss f(x_i), or on a mini-batch run
                            the loss of the batch drawn at step i (noisy; the exact
                            full training cost is in `epochs`)
    seconds[i]              wall time of the batch draws, gradients and updates up
                            to step i, cumulated; logging and checks are not timed
    steps_to_target         fewest updates k with f(x_k) - f* <= tol (f0 - f*), read
                            from exact values only: every step on a full-batch run,
                            epoch ends on a mini-batch run; None if never
    final_gap               f(x_final) - f*

A run stops early, with a message in the record and no exception, when a loss becomes
nan/inf or f - f* grows past 10 times f0 - f* (`babysitting.exploded`). Every input is
checked before the first step: a bad one raises ValueError/TypeError and runs nothing.
"""

import dataclasses
import inspect
import math
import time
from collections import deque

import numpy as np

from optbench import checks, config
from optbench.optim import optimizer, parameter_average
from optbench.problems import get_problem, problem_names
from optbench.training.babysitting import (
    GROWTH_LIMIT,
    TOO_HIGH,
    diagnose,
    epoch_line,
    exploded,
    step_line,
)

HOST_BACKENDS = ("reference", "cpu")
PROBLEM_ATTRIBUTES = ("name", "n", "x0", "loss_and_gradient", "f_star")
DATA_ATTRIBUTES = ("n_train", "sample_batch", "batch_loss_and_gradient", "accuracy")
VERBOSE_LINES = 10


@dataclasses.dataclass
class Record:
    """Everything a run measured (see the module docstring)."""

    rule: str
    problem: str
    settings: dict
    loss: np.ndarray
    grad_norm: np.ndarray
    seconds: np.ndarray
    epochs: list
    steps: int
    f0: float
    f_final: float
    f_star: float
    steps_to_target: int | None
    seconds_to_target: float | None
    final_gap: float
    diverged: bool
    message: str
    diagnosis: str
    x: np.ndarray
    x_test: np.ndarray | None
    checkpoints: list

    def to_dict(self, parameters=False):
        """JSON-able: arrays become lists, nan/inf become None; the parameter vectors
        (x, x_test, checkpoints) only with `parameters=True`."""
        skip = () if parameters else ("x", "x_test", "checkpoints")
        return {
            f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name not in skip
        }

    def iterate_losses(self):
        """f(x_0), ..., f(x_T), T = steps: the loss at every iterate, the final one included."""
        return np.append(self.loss[: self.steps], self.f_final)

    def summary(self):
        """A few lines: length, loss, gap, target, outcome and diagnosis."""
        tol = self.settings["tol"]
        start_gap = self.f0 - self.f_star
        relative = f" ({100 * self.final_gap / start_gap:.3g}% of the start gap)" if start_gap > 0 else ""
        if self.steps_to_target is None:
            target = "not reached"
        else:
            target = f"{self.steps_to_target} steps, {self.seconds_to_target:.3g} s"
        seconds = self.seconds[-1] if len(self.seconds) else 0.0
        return "\n".join([
            f"{self.rule} on {self.problem}: {self.message}",
            f"loss {self.f0:.6g} -> {self.f_final:.6g}, f* {self.f_star:.6g}, "
            f"final gap {self.final_gap:.3g}{relative}; "
            f"{seconds:.3g} s in gradients and updates",
            f"steps to f - f* <= {tol:g} (f0 - f*): {target}",
            f"diagnosis: {self.diagnosis}",
        ])


def run(rule, problem, steps=None, epochs=None, batch_size=None, backend="cpu", seed=0,
        dtype="float64", tol=1e-3, verbose=False, x0=None, average=None, checkpoints=0,
        f_star=None, **hyperparameters):
    """Train `problem` from x0 with `rule` and return its `Record`.

    rule            a rule name (`optbench.rule_names()`) or `Rule`
    problem         a name (default options) or a problem object, e.g.
                    `get_problem("two_layer", reg=1e-6)`
    steps, epochs   exactly one: updates, or epochs of a digits problem
    batch_size      None for the full batch; a digits problem may sample mini-batches
    backend         "cpu" (Numba) or "reference" (NumPy); the problems compute on the host
    seed            draws x0 (when not given) and the mini-batches
    dtype           of x and the optimizer state; the problems evaluate in float64
    tol             the target: f - f* <= tol (f0 - f*)
    verbose         print the babysitting lines and the summary
    x0              start point instead of problem.x0(seed); copied, never modified
    average         a decay (the lecture's 0.995) to keep x_test, the running average
    checkpoints     keep x at the end of each of the last `checkpoints` epochs
    f_star          instead of problem.f_star: a known value, or a lower bound (the
                    best known f* of a digits problem costs an L-BFGS-B run, seconds,
                    the first time for each option set, then comes from a cache)
    hyperparameters of the rule: learning_rate (a number or `optbench.schedule`), ...
    """
    problem = _as_problem(problem)
    if backend not in HOST_BACKENDS:
        raise ValueError(
            f"backend {backend!r} cannot train here: the problems compute gradients with NumPy "
            f"on the host; choose one of {list(HOST_BACKENDS)}"
        )
    opt = optimizer(rule, backend, **hyperparameters)
    num_steps, iterations_per_epoch = run_length(problem, steps, epochs, batch_size)
    seed = checks.whole_number("seed", seed, low=0)
    tol = checks.real("tol", tol, 0.0, 1.0, include_low=False, include_high=False)
    checkpoints = checks.whole_number("checkpoints", checkpoints, low=0)
    if checkpoints and iterations_per_epoch is None:
        raise ValueError(f"problem {problem.name!r} has no epochs, so no checkpoints: use checkpoints=0")
    averager = None if average is None else parameter_average(backend, average)
    x = _start_point(problem, x0, seed, dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        f0, _ = _gradient(problem, x, None)
    if not math.isfinite(f0):
        raise ValueError(f"problem {problem.name!r}: the loss at the start point is {f0}; it must be finite")
    f_star = problem.f_star if f_star is None else checks.finite("f_star", f_star)

    settings = {
        "learning_rate": _learning_rate_setting(opt.learning_rate),
        **opt.hyperparameters,
        "num_steps": num_steps,
        "iterations_per_epoch": iterations_per_epoch,
        "batch_size": batch_size,
        "seed": seed,
        "backend": backend,
        "dtype": x.dtype.name,
        "tol": tol,
        "average": average,
    }
    with np.errstate(over="ignore", invalid="ignore"):
        log = _train(problem, opt, x, averager, num_steps, iterations_per_epoch, batch_size,
                     seed, f0, f_star, checkpoints, verbose)
        f_final, g_final = _gradient(problem, x, None)
    stopped_at, reason = log["stop"]
    if reason is None and exploded(f_final, f0, f_star):
        stopped_at, reason = num_steps, f"after the last step the loss is {f_final}"
    steps_done = num_steps if stopped_at is None else stopped_at
    exact = _exact_losses(log, batch_size, steps_done, f0, f_final)
    steps_to_target = next((k for k, f in exact if f - f_star <= tol * (f0 - f_star)), None)
    seconds = np.array(log["seconds"])
    diagnosis = diagnose(f0, f_final, f_star, diverged=reason is not None)
    if reason is not None:
        message = f"stopped at step {stopped_at}: {reason} — {TOO_HIGH}"
    else:
        message = f"finished {num_steps} steps" + (
            f" ({num_steps // iterations_per_epoch} epochs)" if iterations_per_epoch else ""
        )
    record = Record(
        rule=opt.rule.name,
        problem=repr(problem),
        settings=settings,
        loss=np.array(log["loss"]),
        grad_norm=np.array(log["grad_norm"]),
        seconds=seconds,
        epochs=log["epochs"],
        steps=steps_done,
        f0=f0,
        f_final=f_final,
        f_star=f_star,
        steps_to_target=steps_to_target,
        seconds_to_target=None if steps_to_target is None else _seconds_for(seconds, steps_to_target),
        final_gap=f_final - f_star,
        diverged=reason is not None,
        message=message,
        diagnosis=diagnosis,
        x=x,
        x_test=log["x_test"],
        checkpoints=list(log["checkpoints"]),
    )
    if verbose:
        if iterations_per_epoch is None:
            print(step_line(steps_done, num_steps, f_final, float(np.linalg.norm(g_final)),
                            opt.learning_rate(max(steps_done - 1, 0))))
        elif record.epochs:
            best = max(e["val_acc"] for e in record.epochs)
            print(f"finished optimization. best validation accuracy: {best:f}")
        print(record.summary())
    return record


def _train(problem, opt, x, averager, num_steps, iterations_per_epoch, batch_size, seed,
           f0, f_star, checkpoints, verbose):
    """The loop; fills x in place and returns the logs."""
    state = opt.init(x)
    x_test = averager.init(x) if averager is not None else None
    # The first kernel call compiles or loads the kernel: make it on scratch copies, so
    # that `seconds` measure updates, not compilation.
    opt.update(x.copy(), np.zeros_like(x), opt.init(x))
    if averager is not None:
        averager.update(averager.init(x), x)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    log = {"loss": [], "grad_norm": [], "seconds": [], "epochs": [], "stop": (None, None),
           "x_test": x_test, "checkpoints": deque(maxlen=checkpoints)}
    print_every = max(num_steps // VERBOSE_LINES, 1)
    num_epochs = num_steps // iterations_per_epoch if iterations_per_epoch else None
    elapsed = 0.0
    for step in range(num_steps):
        begin = time.perf_counter()
        batch = None if batch_size is None else problem.sample_batch(rng, batch_size)
        loss, dx = _gradient(problem, x, batch)
        elapsed += time.perf_counter() - begin
        # not np.linalg.norm: its BLAS dot wakes OpenBLAS's threads, which spin on a busy machine
        grad_norm = math.sqrt(float(np.sum(np.square(dx))))
        log["loss"].append(loss)
        log["grad_norm"].append(grad_norm)
        log["seconds"].append(elapsed)
        if exploded(loss, f0, f_star) or not math.isfinite(grad_norm):
            log["stop"] = (step, _stop_reason(loss, grad_norm, f0, f_star))
            return log
        if verbose and num_epochs is None and step and step % print_every == 0:
            print(step_line(step, num_steps, loss, grad_norm, opt.learning_rate(step - 1)))

        begin = time.perf_counter()
        opt.update(x, dx, state)
        if x_test is not None:
            averager.update(x_test, x)
        elapsed += time.perf_counter() - begin
        log["seconds"][-1] = elapsed

        if num_epochs is not None and (step + 1) % iterations_per_epoch == 0:
            epoch = _evaluate_epoch(problem, x, (step + 1) // iterations_per_epoch, step + 1,
                                    opt.learning_rate(step))
            log["epochs"].append(epoch)
            log["checkpoints"].append(x.copy())
            if verbose:
                print(epoch_line(epoch["epoch"], num_epochs, epoch["cost"], epoch["train_acc"],
                                 epoch["val_acc"], epoch["lr"]))
            if exploded(epoch["cost"], f0, f_star):
                log["stop"] = (step + 1, _stop_reason(epoch["cost"], 0.0, f0, f_star))
                return log
    return log


def _learning_rate_setting(schedule):
    """A number for a constant rate, the schedule's fields otherwise."""
    if schedule.kind == "constant":
        return schedule.learning_rate
    return dataclasses.asdict(schedule)


def _gradient(problem, x, batch):
    # The problems compute in float64: a float32 x is evaluated widened to float64 and
    # the gradient is rounded back to float32.
    x64 = x if x.dtype == np.float64 else x.astype(np.float64)
    if batch is None:
        loss, dx = problem.loss_and_gradient(x64)
    else:
        loss, dx = problem.batch_loss_and_gradient(x64, batch)
    return float(loss), dx.astype(x.dtype, copy=False)


def _evaluate_epoch(problem, x, epoch, step, learning_rate):
    """CS231n's end-of-epoch check: full training cost, train and val accuracy."""
    x64 = x.astype(np.float64, copy=False)
    return {
        "epoch": epoch,
        "step": step,
        "cost": float(problem.loss(x64)),
        "train_acc": problem.accuracy(x64, "train"),
        "val_acc": problem.accuracy(x64, "val"),
        "lr": learning_rate,
    }


def _stop_reason(loss, grad_norm, f0, f_star):
    if not math.isfinite(loss):
        return f"loss is {loss}"
    if not math.isfinite(grad_norm):
        return f"gradient norm is {grad_norm}"
    return f"loss {loss:.6g} grew past f* + {GROWTH_LIMIT:g} |f0 - f*| (f0 = {f0:.6g}, f* = {f_star:.6g})"


def _exact_losses(log, batch_size, steps_done, f0, f_final):
    """(updates done, full-batch loss) pairs, in order, ending with the final x."""
    if batch_size is None:
        pairs = list(enumerate(log["loss"][:steps_done]))
    else:
        pairs = [(0, f0)] + [(e["step"], e["cost"]) for e in log["epochs"] if e["step"] <= steps_done]
    return pairs + [(steps_done, f_final)]


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple, deque)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _seconds_for(seconds, k):
    """Wall time of the first k updates (with their gradients)."""
    return 0.0 if k == 0 else float(seconds[k - 1])


def _as_problem(problem):
    if isinstance(problem, str):
        return get_problem(problem)
    missing = [name for name in PROBLEM_ATTRIBUTES if not _has(problem, name)]
    if missing:
        raise TypeError(
            f"problem must be a name, one of {list(problem_names())}, or a problem object; "
            f"{type(problem).__name__} {problem!r} lacks {missing}"
        )
    return problem


def _has(obj, name):
    # getattr_static: `f_star` may be a property that runs L-BFGS; do not evaluate it here.
    missing = object()
    return inspect.getattr_static(obj, name, missing) is not missing


def is_data(problem):
    """Whether `problem` has a training set (and so epochs, mini-batches and accuracies)."""
    return all(_has(problem, name) for name in DATA_ATTRIBUTES)


def _data_problem_names():
    return [name for name in problem_names() if is_data(get_problem(name))]


def run_length(problem, steps, epochs, batch_size):
    """(num_steps, iterations_per_epoch) of a run, iterations_per_epoch None without a
    data set; a ValueError or TypeError for a length `run` refuses."""
    if (steps is None) == (epochs is None):
        raise ValueError(f"give exactly one of steps or epochs, got steps={steps!r}, epochs={epochs!r}")
    data = is_data(problem)
    if not data and (epochs is not None or batch_size is not None):
        given = "epochs" if epochs is not None else "batch_size"
        raise ValueError(
            f"problem {problem.name!r} has no training set, so no {given}: give steps and leave "
            f"batch_size None (problems with a training set: {_data_problem_names()})"
        )
    if batch_size is not None:
        batch_size = checks.whole_number("batch_size", batch_size, low=1)
        if batch_size > problem.n_train:
            raise ValueError(
                f"batch_size must be at most the {problem.n_train} training images of problem "
                f"{problem.name!r}, got {batch_size}"
            )
    iterations_per_epoch = None
    if data:
        iterations_per_epoch = 1 if batch_size is None else max(problem.n_train // batch_size, 1)
    if steps is not None:
        return checks.whole_number("steps", steps, low=1), iterations_per_epoch
    return checks.whole_number("epochs", epochs, low=1) * iterations_per_epoch, iterations_per_epoch


def _start_point(problem, x0, seed, dtype):
    """A fresh, finite, contiguous copy of x0 (or problem.x0(seed)) in `dtype`."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be one of {config.DTYPES}, got {dtype!r}") from None
    if dtype.name not in config.DTYPES:
        raise TypeError(f"dtype must be one of {config.DTYPES}, got {dtype.name!r}")
    start = np.asarray(problem.x0(seed) if x0 is None else x0)
    if start.dtype.kind not in "iuf":
        raise TypeError(f"x0 must hold real numbers, got dtype {start.dtype}")
    if start.shape != (problem.n,):
        raise ValueError(f"x0 has shape {start.shape}; problem {problem.name!r} takes a vector of shape ({problem.n},)")
    with np.errstate(over="ignore"):  # a value beyond float32's range is reported below
        x = np.array(start, dtype=dtype)
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:
        raise ValueError(f"x0 has {bad} nan/inf entries (in {dtype.name}); the start point must be finite")
    return x
