"""The lecture's weight-initialization experiment: unit-Gaussian data pushed through a
deep net at initialization, and the mean and std of every layer's activations.

The lecture's script (`D = randn(1000, 500)`, `hidden_layer_sizes = [500] * 10`), with
optbench's blocks: for X_0 = D and each layer l = 1..L,

    W_l = init(fan_in, fan_out)              `optbench.blocks.init.weight_init`
    Z_l = X_{l-1} W_l                        no bias
    Z_l <- (Z_l - mean(Z_l)) / sqrt(var(Z_l) + eps)     with `batchnorm`: per column, over
                                             the batch (train mode, gamma 1, beta 0,
                                             `optbench.blocks.batchnorm`, its eps 1e-5)
    X_l = f(Z_l)                             an elementwise activation block, cpu kernels

and the statistics are those of all N x width entries of X_l (layer 0 is the input):

    mean_l = mean(X_l),   std_l = sqrt(mean((X_l - mean_l)^2))     (numpy's, ddof 0)

Everything is float64 by default, as the lecture's NumPy script computes (float32 is a
choice). One `numpy.random.Generator`, seeded with `seed`, draws D and then each W_l in
layer order, so a seed fixes the whole run.

Why the three inits behave as they do: for unit-variance inputs, a unit's input z has
variance fan_in Var(W) times the mean square of the previous layer. With small weights
(0.01 z, Var W = 1e-4, fan_in 500) that factor is 0.05: tanh, linear near 0, passes it
on and the std falls about 0.05^(1/2) = 0.22 times per layer, to 0 in a few layers.
Xavier (Var W = 1/fan_in) keeps the factor at 1 for linear units; tanh's slope below 1
away from 0 still shrinks the std slowly (the lecture's table: 0.63 after one layer,
0.23 after ten). ReLU zeroes the negative half of its inputs, so with Xavier the mean
square of the activations halves at each layer; He's Var W = 2/fan_in keeps it at 1
(the std stays near 0.8, the mean near 0.5: ReLU's outputs are not centred).

`spread(...)` repeats the experiment over seeds: the mean and the standard deviation of
each layer's mean and std, the sampling noise against which one run (the lecture's
printed table) is compared.
"""

import importlib
from dataclasses import dataclass, field

import numpy as np

from optbench import checks, config
from optbench.blocks.activation import Activation
from optbench.blocks.batchnorm import EPS, batchnorm_forward
from optbench.blocks.init import INITS, weight_init
from optbench.blocks.registry import block_names

# The lecture's script.
SAMPLES = 1000
WIDTH = 500
LAYERS = 10


def activation_names():
    """Every elementwise activation block (`Activation`), in the registry's order."""
    return tuple(name for name in block_names()
                 if isinstance(getattr(importlib.import_module(f"optbench.blocks.{name}"), "ACTIVATION", None),
                               Activation))


@dataclass
class Propagation:
    """One run of the experiment: its settings, mean_l and std_l for l = 0..layers, and
    (with `keep`) the activations X_0..X_layers themselves."""

    init: str
    activation: str
    layers: int
    width: int
    samples: int
    batchnorm: bool
    seed: int
    dtype: str
    means: np.ndarray
    stds: np.ndarray
    activations: list = field(default_factory=list, repr=False)

    def rows(self):
        """[{"layer": 0, "mean": ..., "std": ...}, ...]: layer 0 is the input."""
        return [{"layer": layer, "mean": float(mean), "std": float(std)}
                for layer, (mean, std) in enumerate(zip(self.means, self.stds))]

    def lines(self):
        """The lecture's printout, in its format ("%f"):

            input layer had mean 0.001800 and std 1.001311
            hidden layer 1 had mean 0.001198 and std 0.627953
        """
        return [lecture_line(row["layer"], row["mean"], row["std"]) for row in self.rows()]


def lecture_line(layer, mean, std):
    """'input layer had mean %f and std %f' for layer 0, 'hidden layer %d had ...' after."""
    name = "input layer" if layer == 0 else f"hidden layer {layer}"
    return f"{name} had mean {mean:f} and std {std:f}"


def propagate(init="xavier", activation="tanh", layers=LAYERS, width=WIDTH, samples=SAMPLES, batchnorm=False,
              seed=0, dtype="float64", keep=True):
    """Run the experiment once (module docstring) and return its `Propagation`.

    init        one of `optbench.blocks.init.INITS` ("small", "xavier", "he")
    activation  one of `activation_names()`, with its default parameters
    layers      hidden layers L >= 1, each `width` >= 1 units wide
    samples     rows N >= 1 of the unit-Gaussian input (the lecture: 1000); with batch
                norm at least 2, so that a column has a variance
    batchnorm   normalize Z_l over the batch before the activation
    seed        >= 0, draws the input and every W_l
    dtype       "float64" or "float32": of the input, the weights and the activations
    keep        keep every layer's activations (for histograms); False keeps only the
                statistics, and the memory of two layers
    Bad settings raise ValueError or TypeError before anything is computed.
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {list(INITS)}")
    names = activation_names()
    if activation not in names:
        raise ValueError(f"unknown activation {activation!r}; choose one of {list(names)}")
    layers = checks.whole_number("layers", layers, low=1)
    width = checks.whole_number("width", width, low=1)
    samples = checks.whole_number("samples", samples, low=2 if batchnorm else 1)
    batchnorm = checks.flag("batchnorm", batchnorm)
    seed = checks.whole_number("seed", seed, low=0)
    dtype = _dtype(dtype)
    forward = getattr(importlib.import_module(f"optbench.blocks.{activation}"), f"{activation}_forward")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, width)).astype(dtype, copy=False)
    means, stds, kept = [np.mean(X)], [np.std(X)], [X] if keep else []
    gamma, beta = np.ones(width, dtype=dtype), np.zeros(width, dtype=dtype)
    for _ in range(layers):
        Z = X @ weight_init(X.shape[1], width, init, rng=rng, dtype=dtype)
        if batchnorm:
            Z, _ = batchnorm_forward(Z, gamma, beta, {"mode": "train", "eps": EPS.default})
        X, _ = forward(Z)
        means.append(np.mean(X))
        stds.append(np.std(X))
        if keep:
            kept.append(X)
    return Propagation(init, activation, layers, width, samples, batchnorm, seed, dtype,
                       np.array(means, dtype=np.float64), np.array(stds, dtype=np.float64), kept)


@dataclass
class Spread:
    """The experiment over `seeds`: per layer l = 0..layers, the mean over seeds of mean_l
    and std_l, and their standard deviations over seeds (ddof 1, the sampling noise of
    one run). `stds[k, l]` is std_l of the k-th seed."""

    seeds: tuple
    means: np.ndarray
    stds: np.ndarray

    @property
    def std_mean(self):
        return self.stds.mean(axis=0)

    @property
    def std_spread(self):
        return self.stds.std(axis=0, ddof=1)

    @property
    def mean_mean(self):
        return self.means.mean(axis=0)

    @property
    def mean_spread(self):
        return self.means.std(axis=0, ddof=1)

    def z_scores(self, stds):
        """(stds_l - mean over seeds) / spread over seeds: how many standard deviations of
        the sampling noise a table of stds (one per layer) lies from the seeds' mean."""
        return (np.asarray(stds, dtype=np.float64) - self.std_mean) / self.std_spread


def spread(seeds=range(20), **settings):
    """`propagate(seed=s, keep=False, **settings)` for each seed s: a `Spread`. At least
    two seeds, so that there is a spread."""
    seeds = tuple(checks.whole_number("seed", s, low=0) for s in seeds)
    if len(seeds) < 2:
        raise ValueError(f"spread needs at least two seeds, got {len(seeds)}")
    runs = [propagate(seed=s, keep=False, **settings) for s in seeds]
    return Spread(seeds, np.array([r.means for r in runs]), np.array([r.stds for r in runs]))


def _dtype(dtype):
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in config.DTYPES:
        raise TypeError(f"dtype must be one of {list(config.DTYPES)}, got {dtype!r}")
    return name
