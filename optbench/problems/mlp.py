"""A fully connected net of any depth on digits, built from the lecture's blocks.

For L = `hidden_layers` hidden layers of `width` H units, with h_0 = X (N x 64):

    z_l = h_{l-1} W_l + b_l                      W_1: 64 x H, W_l: H x H (l > 1), b_l: H
    z_l <- gamma_l (z_l - mu_l) / sqrt(var_l + eps) + beta_l          with `batchnorm`
    h_l = f(z_l)                                 f: the `activation`
    h_l <- h_l * mask_l,  mask_l = [u < p] / p   with `dropout` p < 1 (inverted dropout)
    s   = h_L W_{L+1} + b_{L+1}                  W_{L+1}: H x 10, b_{L+1}: 10
    f   = -1/N sum_i log softmax(s_i)_{y_i} + 1/2 reg sum_{l=1..L+1} sum(W_l^2)

that is affine -> [batchnorm] -> activation -> [dropout] for each hidden layer, then
affine -> softmax, with the forward and backward passes of `optbench.blocks` (backend
"cpu", float64). Backpropagation runs the blocks' backward passes in reverse order, with
ds = (P - Y) / N and, for each affine layer, dW_l = h_{l-1}^T dz_l + reg W_l,
db_l = sum_i dz_l,i, dh_{l-1} = dz_l W_l^T. The biases, gamma and beta are not
regularized.

x = concatenate(W1.ravel(), b1, [gamma1, beta1,] ..., W{L+1}.ravel(), b{L+1}): `params(x)`
gives them as views of x, so one optimizer kernel call updates them all. Start point:
every W by `optbench.blocks.init.weight_init` with `init`, drawn in layer order from one
seeded generator; biases and beta 0, gamma 1.

Defaults: 2 hidden layers of 50, ReLU, He initialization, reg 1e-3, no batch norm, no
dropout; 10 epochs of Adam (learning rate 1e-2, batches of 100) take them to 98%
validation accuracy, and so with batch norm and dropout 0.8. `init=None` picks He for the
ReLU family (relu, leaky_relu, elu) and Xavier for sigmoid and tanh, the initializations
derived for them. With hidden_layers=1, relu, xavier and nothing else this is
`two_layer`, to the bit.

Training against evaluation:

- The training objective (`loss_and_gradient`, `batch_loss_and_gradient`, `loss`,
  `loss_parts` on "train") runs batch norm in train mode (the batch's own mean and
  variance) and dropout in train mode. Each such evaluation also updates the running
  averages of batch norm (momentum 0.9), which live in this object (`bn_params`, one dict
  per hidden layer, starting at mean 0 and variance 1).
- Evaluation (`predict_proba`, `accuracy`, `loss_parts` on "val") runs batch norm in test
  mode, on those running averages, and no dropout. So with batch norm the evaluation
  depends on the evaluations made before it; `reset_running_averages()` starts afresh,
  and `f_star` leaves them as they were.
- Dropout masks are a fixed function of the images evaluated: layer l's mask is seeded
  with word l of `numpy.random.SeedSequence(indices).generate_state(L, uint64)`, the
  training indices in batch order (0, 1, ..., N-1 for the full batch). So
  `loss_and_gradient` is a fixed function of x (L-BFGS and the gradient check need that)
  and equals `batch_loss_and_gradient(x, arange(N))`; a fresh mini-batch, drawn by
  `sample_batch` with the run's generator, brings fresh masks, and evaluating one batch
  twice (a gradient check on a batch) sees the same masks.

The Hessian is the base class's: centred differences of the analytic gradient
(`problem.differenced_gradients`), on the full set (`hessian`, `hessian_vector_product`,
`hessian_vectors`) or on a mini-batch (`batch_hessian`, `batch_hessian_vector_product`,
with that batch's dropout masks). The gradients it evaluates are train-mode evaluations,
but the Hessian methods leave batch norm's running averages as they were.

The loss is non-convex: `f_star` is the best value L-BFGS-B reaches from x0(seed=0) in
3000 iterations ("best known", as for two_layer), computed on first use and cached: for
the defaults 0.0379, in about half a minute. With batch norm the data loss does not change
when a hidden layer's W_l and b_l are scaled together, so their L2 term can be shrunk
towards 0 for free while the unregularized gamma carries the scale: f* falls near 0
(0.0008 with the other defaults).
"""

import contextlib

import numpy as np

from optbench import checks
from optbench.blocks.batchnorm import batchnorm_backward, batchnorm_forward
from optbench.blocks.dropout import dropout_backward, dropout_forward
from optbench.blocks.elu import elu_backward, elu_forward
from optbench.blocks.init import INITS, weight_init
from optbench.blocks.leaky_relu import leaky_relu_backward, leaky_relu_forward
from optbench.blocks.relu import relu_backward, relu_forward
from optbench.blocks.sigmoid import sigmoid_backward, sigmoid_forward
from optbench.blocks.tanh import tanh_backward, tanh_forward
from optbench.perf.threads import single_threaded_blas
from optbench.problems.classifier import Classifier, softmax_loss
from optbench.problems.digits import N_CLASSES, N_FEATURES
from optbench.problems.problem import integer_option, seed_generator

ACTIVATIONS = {
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "elu": (elu_forward, elu_backward),
}
# The initialization derived for each activation: variance 2 / fan_in where half the
# inputs are cut (the ReLU family), 1 / fan_in for the units linear around 0.
DEFAULT_INIT = {"sigmoid": "xavier", "tanh": "xavier", "relu": "he", "leaky_relu": "he", "elu": "he"}
BN_EPS = 1e-5
BN_MOMENTUM = 0.9


class MLP(Classifier):
    name = "mlp"
    f_star_maxiter = 3000

    def __init__(self, hidden_layers=2, width=50, activation="relu", init=None, batchnorm=False, dropout=1.0,
                 reg=1e-3):
        self.hidden_layers = integer_option(self.name, "hidden_layers", hidden_layers, 1)
        self.width = integer_option(self.name, "width", width, 1)
        self.activation = _choice(self.name, "activation", activation, tuple(ACTIVATIONS))
        self.init = DEFAULT_INIT[self.activation] if init is None else _choice(self.name, "init", init, INITS)
        self.batchnorm = checks.flag(f"problem {self.name!r}: option batchnorm", batchnorm)
        self.dropout = checks.real(f"problem {self.name!r}: option dropout", dropout, 0.0, 1.0, include_low=False)
        self.shapes, fan_in = {}, N_FEATURES
        for layer in range(1, self.hidden_layers + 1):
            self.shapes |= {f"W{layer}": (fan_in, self.width), f"b{layer}": (self.width,)}
            if self.batchnorm:
                self.shapes |= {f"gamma{layer}": (self.width,), f"beta{layer}": (self.width,)}
            fan_in = self.width
        last = self.hidden_layers + 1
        self.shapes |= {f"W{last}": (self.width, N_CLASSES), f"b{last}": (N_CLASSES,)}
        self.weights = tuple(f"W{layer}" for layer in range(1, last + 1))
        super().__init__(reg)
        self.options = {"hidden_layers": self.hidden_layers, "width": self.width, "activation": self.activation,
                        "init": self.init, "batchnorm": self.batchnorm, "dropout": self.dropout, "reg": self.reg}
        self.reset_running_averages()
        self._batch = None
        self._full_batch_seeds = _mask_seeds(np.arange(self.n_train), self.hidden_layers)

    def x0(self, seed=0):
        rng = seed_generator(seed)
        x = np.zeros(self.n)
        params = self.params(x)
        for name in self.weights:
            params[name][...] = weight_init(*self.shapes[name], init=self.init, rng=rng)
        if self.batchnorm:
            for layer in range(1, self.hidden_layers + 1):
                params[f"gamma{layer}"][...] = 1.0
        return x

    def reset_running_averages(self):
        """Batch norm's running averages back to mean 0, variance 1 (the identity in test mode)."""
        self.bn_params = [{"mode": "train", "eps": BN_EPS, "momentum": BN_MOMENTUM,
                           "running_mean": np.zeros(self.width), "running_var": np.ones(self.width)}
                          for _ in range(self.hidden_layers if self.batchnorm else 0)]

    @property
    def f_star(self):
        """Classifier's best known f*; batch norm's running averages are left as they were
        (L-BFGS-B's evaluations would leave those of its own iterates)."""
        with self._running_averages_kept():
            return super().f_star

    @contextlib.contextmanager
    def _running_averages_kept(self):
        """Batch norm's running averages as they were on entry, whatever is evaluated inside."""
        saved = [{key: bn_param[key].copy() for key in ("running_mean", "running_var")} for bn_param in self.bn_params]
        try:
            yield
        finally:
            for bn_param, averages in zip(self.bn_params, saved):
                bn_param.update(averages)

    @contextlib.contextmanager
    def _on_batch(self, batch_indices):
        """Evaluations inside see the mini-batch's dropout masks, seeded by `batch_indices`."""
        self._batch = batch_indices
        try:
            yield
        finally:
            self._batch = None

    def _hessian_vectors_on(self, x, V, X, y):
        with self._running_averages_kept():
            return super()._hessian_vectors_on(x, V, X, y)

    def loss_parts(self, x, split="train"):
        """{"data", "reg"}: on "train" the training objective's (train mode, summing to
        f(x)), on "val" the evaluation's (test mode)."""
        if split != "train":
            return super().loss_parts(x, split)
        X, y = self._split(split)
        params = self.params(self._check_x(x))
        with single_threaded_blas():
            scores, _, _ = self._forward(params, X, "train", self._full_batch_seeds)
            data_loss, _ = softmax_loss(scores, y)
        return {"data": data_loss, "reg": self._reg_loss(params)}

    def _scores(self, params, X):
        return self._forward(params, X, "test", None)[0]

    def _data_loss_and_gradient(self, params, X, y, grads):
        seeds = self._full_batch_seeds
        if self._batch is not None and self.dropout < 1.0:
            seeds = _mask_seeds(self._batch, self.hidden_layers)
        scores, hidden, caches = self._forward(params, X, "train", seeds)
        data_loss, dscores = softmax_loss(scores, y)
        last = self.hidden_layers + 1
        grads[f"W{last}"][...] = hidden.T @ dscores
        grads[f"b{last}"][...] = dscores.sum(axis=0)
        dh = dscores @ params[f"W{last}"].T
        backward = ACTIVATIONS[self.activation][1]
        for layer in range(self.hidden_layers, 0, -1):
            cache = caches[layer - 1]
            if "dropout" in cache:
                dh = dropout_backward(np.ascontiguousarray(dh), cache["dropout"])
            dz = backward(np.ascontiguousarray(dh), cache["activation"])
            if "batchnorm" in cache:
                dz, grads[f"gamma{layer}"][...], grads[f"beta{layer}"][...] = batchnorm_backward(
                    np.ascontiguousarray(dz), cache["batchnorm"])
            grads[f"W{layer}"][...] = cache["input"].T @ dz
            grads[f"b{layer}"][...] = dz.sum(axis=0)
            if layer > 1:
                dh = dz @ params[f"W{layer}"].T
        return data_loss

    def _forward(self, params, X, mode, seeds):
        """(scores, h_L, caches): the forward pass in `mode` ("train" or "test"), with each
        hidden layer's input and its blocks' caches; `seeds` are the dropout masks' seeds."""
        forward = ACTIVATIONS[self.activation][0]
        h, caches = X, []
        for layer in range(1, self.hidden_layers + 1):
            cache = {"input": h}
            z = h @ params[f"W{layer}"] + params[f"b{layer}"]
            if self.batchnorm:
                bn_param = self.bn_params[layer - 1]
                bn_param["mode"] = mode
                z, cache["batchnorm"] = batchnorm_forward(
                    np.ascontiguousarray(z), np.ascontiguousarray(params[f"gamma{layer}"]),
                    np.ascontiguousarray(params[f"beta{layer}"]), bn_param)
            h, cache["activation"] = forward(np.ascontiguousarray(z))
            if self.dropout < 1.0 and mode == "train":
                h, cache["dropout"] = dropout_forward(
                    h, {"p": self.dropout, "mode": "train", "seed": int(seeds[layer - 1])})
            caches.append(cache)
        last = self.hidden_layers + 1
        return h @ params[f"W{last}"] + params[f"b{last}"], h, caches


def _mask_seeds(indices, count):
    """One dropout seed in [0, 2^64) per hidden layer, from the images' training indices."""
    return np.random.SeedSequence(np.asarray(indices)).generate_state(count, np.uint64)


def _choice(problem, name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"problem {problem!r}: option {name} must be one of {', '.join(choices)}; got {value!r}")
    return value
