"""Every setting of the report, in one place: the problems, the budgets of a quick and a
full run, and the hyperparameters chosen by hand (the rest are searched).

The learning rates of the convergence runs are not in this file: each rule gets the best
of a random search over log10(learning_rate) on each problem (the lecture's "random
layout": for the same budget it tries more distinct values of the one hyperparameter that
matters than a grid does). Other hyperparameters keep the rule's defaults, except
momentum, which is the lecture's 0.9.
"""

from dataclasses import dataclass

from optbench import config
from optbench.conformance.scenarios import SCENARIOS
from optbench.solvers.scaling import SIZES

MOMENTUM = 0.9  # for sgd_momentum and nesterov everywhere in the report
SEARCH_SEED = 0  # the learning rates tried by the random search
SEARCH_LOG10_RANGE = (-5.0, 1.0)  # learning rates 10**U(-5, 1)
# "Steps to target" everywhere in the report: the fewest updates (or function evaluations)
# after which f - f* <= TARGET_TOL (f0 - f*). Passed to `optbench.run` as its `tol`.
TARGET_TOL = 1e-3

# The convergence problems, as get_problem(name, **options).
CONVERGENCE_PROBLEMS = {
    "quadratic": {"n": 100, "condition": 1e3},
    "rosenbrock": {"n": 2},
    "softmax": {},
    "two_layer": {},
}

# Trajectories on the 2-D problems: a start point, a view, and per-rule settings chosen by
# hand, so that each rule's character shows (the section measures what each path does).
TRAJECTORIES = {
    "quadratic": {
        "options": {"n": 2, "condition": 100.0},
        "x0": (-1.0, 0.7),
        "view": ((-1.1, 1.1), (-0.8, 0.8)),
        "rules": {
            "sgd": {"learning_rate": 1.8},
            "sgd_momentum": {"learning_rate": 0.5, "momentum": MOMENTUM},
            "nesterov": {"learning_rate": 0.5, "momentum": MOMENTUM},
            "adagrad": {"learning_rate": 0.3},
            "rmsprop": {"learning_rate": 0.05},
            "adam": {"learning_rate": 0.1},
        },
    },
    "rosenbrock": {
        "options": {"n": 2},
        "x0": (-1.2, 1.0),
        "view": ((-1.6, 1.6), (-0.6, 1.8)),
        "rules": {
            "sgd": {"learning_rate": 1e-3},
            "sgd_momentum": {"learning_rate": 2e-4, "momentum": MOMENTUM},
            "nesterov": {"learning_rate": 2e-4, "momentum": MOMENTUM},
            "adagrad": {"learning_rate": 0.5},
            "rmsprop": {"learning_rate": 1e-2},
            "adam": {"learning_rate": 0.05},
        },
    },
}
# The lecture's "SGD vs Momentum": one learning rate for all three on the 2-D bowl.
SGD_VS_MOMENTUM = {"learning_rate": 0.5, "momentum": MOMENTUM, "steps": 80}
# A swing of a path across the valley floor, or past the minimum along the valley, is
# counted only when it reaches beyond this fraction of the coordinate's distance at the
# start, so that jitter at the scale of rounding near the minimum is not counted.
TRAJECTORY_SWING = 1e-3

# Learning-rate schedules: mini-batch SGD with momentum on softmax regression, started at
# a learning rate meant to be high enough that a constant rate stalls on the mini-batch
# noise (the report measures whether it does). The exponential and 1/t schedules end near
# SCHEDULE_LEARNING_RATE / SCHEDULE_DECAY; the step schedule multiplies the rate by
# SCHEDULE_STEP_DROP SCHEDULE_STEP_DROPS times over the run. A second constant rate is
# SCHEDULE_LEARNING_RATE / SCHEDULE_LOW_FACTOR.
SCHEDULE_PROBLEM = "softmax"
SCHEDULE_RULE = "sgd_momentum"
SCHEDULE_LEARNING_RATE = 0.1
SCHEDULE_LOW_FACTOR = 10.0
SCHEDULE_DECAY = 100.0
SCHEDULE_STEP_DROP = 0.5
SCHEDULE_STEP_DROPS = 8  # drops over the run for the step schedule
SCHEDULE_BATCH_SIZE = 16

# Babysitting: the two-layer net with mini-batch SGD at three learning rates.
BABYSITTING_RULE = "sgd"
BABYSITTING_BATCH_SIZE = 64
BABYSITTING_LEARNING_RATES = {"too low": 1e-6, "good": 0.5, "too high": 3.0}
# Initialization and batch normalization: the lecture's experiment (init_stats: 1000 x 500
# unit-Gaussian data through 10 layers of 500) for these (init, activation, batchnorm)
# settings, and the mlp problem trained by INIT_RULE on mini-batches, without L2
# regularization (the loss is the data loss, so the weights' scale enters only through
# the net), over learning rates 10**linspace(*INIT_LOG10_RATES) with mlp's default init
# (He for ReLU), and over scales 10**linspace(*INIT_LOG10_SCALES) times Xavier's weights
# at INIT_SCALE_LEARNING_RATE. A run "trains" when it does not diverge and its final
# validation accuracy is at least INIT_TRAINS_ACCURACY.
INIT_HISTOGRAMS = (("small", "tanh", False), ("xavier", "tanh", False), ("xavier", "relu", False),
                   ("he", "relu", False), ("small", "tanh", True))
INIT_MLP = {"hidden_layers": 4, "width": 50, "activation": "relu", "reg": 0.0}
INIT_RULE = "sgd"
INIT_BATCH_SIZE = 64
INIT_LOG10_RATES = (-3.0, 1.5)
INIT_LOG10_SCALES = (-2.0, 1.0)
INIT_SCALE_LEARNING_RATE = 0.1
INIT_TRAINS_ACCURACY = 0.9
# Verification uses a fixed seed, so that a rerun of the report reproduces the table.
VERIFY_SEED = 0

# L-BFGS against scipy: (name, options) of the problems compared, full batch, both
# keeping LBFGS_MEMORY curvature pairs (scipy's maxcor).
LBFGS_MEMORY = 10
LBFGS_PROBLEMS = (
    ("quadratic", {"n": 100, "condition": 1e3}),
    ("rosenbrock", {"n": 2}),
    ("rosenbrock", {"n": 100}),
    ("softmax", {}),
    ("two_layer", {}),
)
LBFGS_SAME_VALUE = 1e-6  # relative gap below which both found the same value
# Second-order methods (sections/second_order.py): Newton, BFGS and L-BFGS beside scipy on
# every deterministic problem (two_layer and mlp narrow, so that dense Hessians and scipy's
# O(n^3) BFGS update fit the budget; mlp with tanh, a smooth net, beside two_layer's ReLU
# kinks), all at scipy's default gtol. A run "reaches" the target when
# f - f* <= SECOND_ORDER_TARGET max(|f*|, 1): above gtol^2 / (2 lambda_min) = 5e-8, the
# gap left at max_i |g_i| = gtol on the worst-conditioned problem here (lambda_min = 1e-3:
# the bowl's 1 / condition, softmax's reg), so a method that converges reaches it.
# f - f* below SECOND_ORDER_ROUNDING is rounding (about 100 ulps of f* = O(1)), not drawn
# and not used to estimate the order.
SECOND_ORDER_PROBLEMS = (
    ("quadratic", {"n": 100, "condition": 1e3}),
    ("rosenbrock", {"n": 2}),
    ("rosenbrock", {"n": 10}),
    ("softmax", {}),
    ("two_layer", {"hidden_size": 10}),
    ("mlp", {"width": 5, "activation": "tanh"}),
)
SECOND_ORDER_GTOL = 1e-5
SECOND_ORDER_TARGET = 1e-6
SECOND_ORDER_ROUNDING = 1e-13
SECOND_ORDER_SCALING_PROBLEM = "rosenbrock"
# L-BFGS on mini-batches against full batch and Adam: softmax regression, batches of 32,
# Adam's learning rate the best of these at the end of the budget.
MINIBATCH_SIZE = 32
MINIBATCH_ADAM_RATES = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)

# Random versus grid search (sections/search.py): `optbench.search` of GRID_RANDOM_RULE on
# GRID_RANDOM_PROBLEM over GRID_RANDOM_SPACE, each trial GRID_RANDOM_EPOCHS epochs of
# mini-batches of GRID_RANDOM_BATCH_SIZE, scored by validation accuracy. The learning rate
# matters (from 1e-4 the run barely learns in 3 epochs, near 1 it does best, at 1e2 it
# diverges); L2 strength in this range barely moves the validation accuracy (the section
# measures both). Repetition r uses seed GRID_RANDOM_SEED + r.
GRID_RANDOM_PROBLEM = "softmax"
# The committed asv results of the project's history (benchmarks/history.py), read by the
# History section and by `optbench report --compare`, relative to the folder the report runs in.
ASV_RESULTS = "results/asv"

GRID_RANDOM_RULE = "sgd"
GRID_RANDOM_SPACE = ("learning_rate=log(1e-4,1e2)", "reg=log(1e-6,1e-2)")
GRID_RANDOM_EPOCHS = 3
GRID_RANDOM_BATCH_SIZE = 64
GRID_RANDOM_SEED = 0


@dataclass(frozen=True)
class Budget:
    """How much work each section does: `QUICK` or `FULL`, from `BUDGETS` below."""

    name: str
    convergence_steps: dict
    search_samples: int
    trajectory_steps: dict
    schedule_epochs: int
    babysitting_epochs: int
    evaluation_seeds: int
    evaluation_epochs: int
    evaluation_options: dict
    verification_steps: int
    lbfgs_maxiter: int
    second_order_maxiter: dict
    second_order_sizes: tuple
    second_order_seconds: float
    second_order_memory: object
    minibatch_evaluations: int
    throughput_sizes: tuple
    throughput_dtypes: tuple
    throughput_rounds: int
    throughput_min_time: float
    conformance_scenarios: tuple
    conformance_dtypes: tuple
    initialization_seeds: int
    initialization_epochs: int
    initialization_rates: int
    initialization_scales: int
    grid_random_trials: int
    grid_random_repetitions: int


# Every budget setting as (quick, full), side by side.
BUDGETS = {
    # problem -> updates per convergence run
    "convergence_steps": ({"quadratic": 300, "rosenbrock": 1000, "softmax": 100, "two_layer": 60},
                          {"quadratic": 2000, "rosenbrock": 5000, "softmax": 500, "two_layer": 300}),
    "search_samples": (4, 10),  # learning rates tried per rule per problem
    "trajectory_steps": ({"quadratic": 60, "rosenbrock": 1000}, {"quadratic": 100, "rosenbrock": 3000}),
    "schedule_epochs": (5, 15),
    "babysitting_epochs": (3, 10),
    "evaluation_seeds": (2, 4),
    "evaluation_epochs": (3, 20),
    "evaluation_options": ({"num_models": 3}, {}),  # more options of compare_evaluation_tricks
    "verification_steps": (20, 100),
    "lbfgs_maxiter": (200, 15000),
    "second_order_maxiter": ({"newton": 50, "bfgs": 500, "lbfgs": 500}, {"newton": 200, "bfgs": 2000, "lbfgs": 2000}),
    "second_order_sizes": ((100, 300, 1000, 3000), SIZES),  # the cost ladder's n
    "second_order_seconds": (2.0, 60.0),  # the longest iteration the ladder measures
    "second_order_memory": (2**30, None),  # bytes the ladder may use; None: half the machine's
    "minibatch_evaluations": (60, 300),  # gradient evaluations of mini-batch L-BFGS and Adam
    "throughput_sizes": ((10**5,), (10**4, 10**6)),
    "throughput_dtypes": (config.DTYPES[:1], config.DTYPES),
    "throughput_rounds": (2, 3),
    "throughput_min_time": (0.005, 0.02),  # seconds per timing sample at least
    "conformance_scenarios": (("constant", "rate_change", "near_epsilon", "first_step"), tuple(SCENARIOS)),
    "conformance_dtypes": (config.DTYPES, config.DTYPES),
    "initialization_seeds": (3, 20),  # runs of the lecture's experiment for the spread over seeds
    "initialization_epochs": (2, 8),  # epochs of each mlp run
    "initialization_rates": (4, 10),  # learning rates in INIT_LOG10_RATES
    "initialization_scales": (3, 7),  # weight scales in INIT_LOG10_SCALES
    # random versus grid search: trials per study (k^2, the grid's k per axis), studies per layout
    "grid_random_trials": (9, 25),
    "grid_random_repetitions": (10, 20),
}
QUICK = Budget("quick", **{setting: quick for setting, (quick, _) in BUDGETS.items()})
FULL = Budget("full", **{setting: full for setting, (_, full) in BUDGETS.items()})
