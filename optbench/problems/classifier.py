"""What the digits classifiers (softmax, two_layer) share: named parameter views into
one flat vector, the softmax loss, L2 regularization, mini-batches and accuracy.

For N images X (N x 64) with labels y and class scores s = scores(X) (N x 10):

    data loss  L_data = -1/N sum_i log( exp(s_{i,y_i}) / sum_j exp(s_{i,j}) )
    dL_data/ds = (P - Y) / N,    P = softmax(s) row-wise, Y = one-hot(y)
    reg loss   L_reg = 1/2 reg sum_W sum(W^2)      over the weight matrices, not biases
    dL_reg/dW  = reg W

f(x) = L_data + L_reg on the full training split. A mini-batch loss averages L_data over
the batch and keeps the full L_reg, so its expectation over uniform batches is f(x).

The parameters are views into the flat vector x (see `params`): W, b reshaped from
consecutive slices, so one optimizer update of x updates every array.

BLAS runs single-threaded inside every evaluation: the matrix products here are small
(at most 1437 x 64 x hidden_size), where threads cost more than they save; on a busy
2-core machine, OpenBLAS's spinning threads made them 200 times slower.
"""

import numpy as np

from optbench import checks
from optbench.perf.threads import single_threaded_blas
from optbench.problems.digits import load_digits
from optbench.problems.optimum import best_known_f_star
from optbench.problems.problem import Problem, real_option

SPLITS = ("train", "val")


def softmax_loss(scores, y):
    """(L_data, dL_data/dscores) for class scores (N x C) and integer labels y (N,)."""
    rows = np.arange(len(y))
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    dscores /= len(y)
    return -float(log_probs[rows, y].mean()), dscores


class Classifier(Problem):
    """Subclasses set `shapes` (name -> shape, in flat-vector order), `weights` (the
    regularized names) and define `_scores(params, X)` and
    `_data_loss_and_gradient(params, X, y, grads)` (fills the gradient views `grads`)."""

    f_star_maxiter = 100_000

    def __init__(self, reg):
        self.reg = real_option(self.name, "reg", reg, 0.0, 1e3)
        self.data = load_digits()
        self.n_train = len(self.data.y_train)
        self.n = sum(int(np.prod(shape)) for shape in self.shapes.values())

    def params(self, x):
        """Named views into the flat vector x: {"W": x[a:b].reshape(...), ...}."""
        views, start = {}, 0
        for name, shape in self.shapes.items():
            size = int(np.prod(shape))
            views[name] = x[start:start + size].reshape(shape)
            start += size
        return views

    @property
    def f_star(self):
        """Best value found by L-BFGS-B from x0(seed=0): the minimum for the convex
        softmax, a local minimum ("best known") for the non-convex two_layer."""
        with single_threaded_blas():
            return best_known_f_star(self)

    def _loss_and_gradient(self, x):
        return self._evaluate(x, self.data.X_train, self.data.y_train)

    def batch_loss_and_gradient(self, x, batch_indices):
        """(f, g) with L_data averaged over the training images `batch_indices` only."""
        x = self._check_x(x)
        batch_indices = np.asarray(batch_indices)
        if batch_indices.ndim != 1 or batch_indices.size == 0 or batch_indices.dtype.kind not in "iu":
            raise ValueError(
                f"problem {self.name!r}: batch_indices must be a non-empty 1-D integer array, "
                f"got {batch_indices.dtype} array of shape {batch_indices.shape}"
            )
        if batch_indices.min() < 0 or batch_indices.max() >= self.n_train:
            raise ValueError(f"problem {self.name!r}: batch_indices must be in [0, {self.n_train})")
        return self._evaluate(x, self.data.X_train[batch_indices], self.data.y_train[batch_indices])

    def sample_batch(self, rng, batch_size):
        """`batch_size` distinct training indices drawn uniformly with the Generator `rng`."""
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        batch_size = checks.whole_number("batch_size", batch_size, 1, self.n_train)
        return rng.choice(self.n_train, size=batch_size, replace=False)

    def loss(self, x):
        """f(x) by the forward pass alone."""
        parts = self.loss_parts(x)
        return parts["data"] + parts["reg"]

    def loss_parts(self, x, split="train"):
        """{"data": L_data on `split`, "reg": L_reg}; on "train" they sum to f(x)."""
        X, y = self._split(split)
        params = self.params(self._check_x(x))
        with single_threaded_blas():
            data_loss, _ = softmax_loss(self._scores(params, X), y)
        return {"data": data_loss, "reg": self._reg_loss(params)}

    def predict_proba(self, x, split="val"):
        """Class probabilities softmax(scores) (N x 10) on `split`; average these over
        models for an ensemble."""
        X, _ = self._split(split)
        with single_threaded_blas():
            scores = self._scores(self.params(self._check_x(x)), X)
        probs = np.exp(scores - scores.max(axis=1, keepdims=True))
        return probs / probs.sum(axis=1, keepdims=True)

    def labels(self, split="val"):
        return self._split(split)[1]

    def accuracy(self, x, split="val"):
        """Fraction of `split` whose highest-scoring class is the label."""
        return float(np.mean(self.predict_proba(x, split).argmax(axis=1) == self.labels(split)))

    def _evaluate(self, x, X, y):
        g = np.empty_like(x)
        params, grads = self.params(x), self.params(g)
        with single_threaded_blas():
            data_loss = self._data_loss_and_gradient(params, X, y, grads)
        for name in self.weights:
            grads[name] += self.reg * params[name]
        return data_loss + self._reg_loss(params), g

    def _reg_loss(self, params):
        return 0.5 * self.reg * sum(float(np.sum(params[name] ** 2)) for name in self.weights)

    def _split(self, split):
        if split not in SPLITS:
            raise ValueError(f"problem {self.name!r}: split must be one of {SPLITS}, got {split!r}")
        if split == "train":
            return self.data.X_train, self.data.y_train
        return self.data.X_val, self.data.y_val
