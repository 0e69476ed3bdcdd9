"""Which asv figures follow the project's history, which the regression gate holds, and
the gate's factor.

The whole asv suite takes an hour a commit; the history (`benchmarks/history.py`) and the
gate (`benchmarks/gate.py`) run a selection of it, as asv `--bench` patterns over the
benchmarks' parameterized names. Every selected figure is oriented as asv reads them,
bigger is worse.

HISTORY, on every commit since the benchmarks exist:
    each kernel's time over its same-pattern bound and its ns per parameter at 1e7
    float32 (`throughput.py`), updates to 99% of the gap on the problems where a run
    takes a second (`convergence.py`), L-BFGS's and scipy's function evaluations on
    those and softmax, and the cpu kernels' failed verification checks and worst error
    (`verification.py`).
ABSOLUTE, in the noise study only: asv's own time per update at 1e7 float32.
GATED, before a merge: the steadiest of those, as `benchmarks/noise.py` measured them
    here (results/asv/noise.json: the time over the bound has a fraction of the
    absolute times' cv, and the counts never moved): the time over the bound, the
    counts, the failed checks.
"""

import json
import os

CHEAP_PROBLEMS = "(quadratic|rosenbrock)"  # a second or less per rule; softmax takes 5 s per rule, the nets 12-20 s
SOLVED_PROBLEMS = "(quadratic|rosenbrock|softmax)"  # L-BFGS: under a second each

HISTORY = (
    r"throughput\.TrackThroughput\.track_",
    rf"convergence\.TrackStepsToTarget\.track_steps_to_target\('\w+', '{CHEAP_PROBLEMS}'\)",
    rf"convergence\.TrackLBFGS\.track_nfev\('{SOLVED_PROBLEMS}', ",
    r"verification\.TrackVerification\.track_",
)

ABSOLUTE = r"update\.TimeUpdate\.time_update\('\w+', 'cpu', '\w+', 10000000, 'float32'\)"

GATED = (
    r"throughput\.TrackThroughput\.track_time_over_bound",
    HISTORY[1],
    HISTORY[2],
    r"verification\.TrackVerification\.track_failed_checks",
)

NOISE = "results/asv/noise.json"  # benchmarks/noise.py: the spread of each figure, and the factor


def gate_factor(path=None):
    """The factor `benchmarks/noise.py` chose from the runs it measured on this machine."""
    path = path or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), NOISE)
    try:
        with open(path) as f:
            return json.load(f)["factor"]
    except FileNotFoundError:
        raise SystemExit(f"{NOISE} is missing: run python benchmarks/noise.py on this machine first") from None


def bench_arguments(patterns):
    """asv's arguments selecting `patterns`: --bench P for each."""
    return [argument for pattern in patterns for argument in ("--bench", pattern)]
