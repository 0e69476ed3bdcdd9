"""The lecture's weight-initialization experiment: each layer's activation statistics.

    optbench init-stats --init xavier --activation tanh

pushes `--samples` x `--width` unit-Gaussian data (the lecture's 1000 x 500) through
`--layers` fully connected layers of `--width` units, without biases,

    H_l = f(H_{l-1} W_l),     W_l = init(fan_in, fan_out),     H_0 = D = randn(N, width)

(with `--batchnorm`, batch norm in train mode, gamma 1 and beta 0, on H_{l-1} W_l before
f) with optbench's blocks on the cpu, in float64 unless `--dtype float32`, and prints the
mean and std over all entries of each layer, in the lecture's format:

    input layer had mean 0.001800 and std 1.001311
    hidden layer 1 had mean 0.001198 and std 0.627953

`--json` prints [{"layer": 0, "mean": ..., "std": ...}, ...] instead, layer 0 the input.
The seed draws the input and every weight matrix (`optbench.training.init_stats`); BLAS
runs on one thread (on a shared machine its threads cost more than they save here).
"""

import json

from optbench import config
from optbench.blocks.init import INITS
from optbench.cli.arguments import fail, non_negative_int, positive_int
from optbench.perf.threads import single_threaded_blas
from optbench.training import init_stats


def add_arguments(parser):
    parser.add_argument("--init", choices=INITS, default="xavier",
                        help="small: 0.01 randn; xavier: randn / sqrt(fan_in); he: randn / sqrt(fan_in / 2)")
    parser.add_argument("--activation", choices=init_stats.activation_names(), default="tanh",
                        help="the nonlinearity after each layer (default: %(default)s)")
    parser.add_argument("--layers", type=positive_int, default=init_stats.LAYERS,
                        help="hidden layers (default: %(default)s)")
    parser.add_argument("--width", type=positive_int, default=init_stats.WIDTH,
                        help="units per layer and input dimensions (default: %(default)s)")
    parser.add_argument("--samples", type=positive_int, default=init_stats.SAMPLES,
                        help="rows of the input batch (default: %(default)s)")
    parser.add_argument("--batchnorm", action="store_true", help="batch norm before each activation")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="draws the input and the weights")
    parser.add_argument("--dtype", choices=config.DTYPES, default="float64",
                        help="of the data, weights and activations (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the statistics as a JSON list")


def run(args):
    try:
        with single_threaded_blas():
            result = init_stats.propagate(args.init, args.activation, layers=args.layers, width=args.width,
                                          samples=args.samples, batchnorm=args.batchnorm, seed=args.seed,
                                          dtype=args.dtype, keep=False)
    except (ValueError, TypeError) as error:
        return fail("init-stats", error)
    if args.json:
        print(json.dumps(result.rows(), indent=1))
    else:
        print("\n".join(result.lines()))
    return 0
