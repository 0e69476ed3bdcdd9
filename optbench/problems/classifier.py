"""What the digits classifiers (softmax, two_layer, mlp) share: named parameter views
into one flat vector, the softmax loss, L2 regularization, mini-batches, Hessians and
accuracy.

For N images X (N x 64) with labels y and class scores s = scores(X) (N x 10):

    data loss  L_data = -1/N sum_i log( exp(s_{i,y_i}) / sum_j exp(s_{i,j}) )
    dL_data/ds = (P - Y) / N,    P = softmax(s) row-wise, Y = one-hot(y)
    reg loss   L_reg = 1/2 reg sum_W sum(W^2)      over the weight matrices, not biases
    dL_reg/dW  = reg W

f(x) = L_data + L_reg on the full training split. A mini-batch loss averages L_data over
the batch and keeps the full L_reg, so its expectation over uniform batches is f(x).

The Hessian of L_reg is reg on the diagonal entries of the weights (0 for the biases).
Every Hessian is computed by one implementation on the images (X, y) it is given: the
full training split (`hessian`, `hessian_vector_product`, `hessian_vectors`) or a
mini-batch (`batch_hessian`, `batch_hessian_vector_product`), the Hessians of
`loss_and_gradient` and `batch_loss_and_gradient`. A subclass with exact products of the
data loss defines `_data_hessian_vectors(params, directions, X, y, products)`, on stacks
of k directions (each view with a leading axis of length k); the others difference
gradients (`problem.differenced_gradients`). The R-operator (Pearlmutter) that the exact
products use: R{q} = d/dr q(x + r v) at r = 0, applied to each line of the backward
pass; for the softmax loss, with P the probabilities,

    R{ds} = (P * R{s} - P * rowsum(P * R{s})) / N,    ds = dL_data/ds = (P - Y) / N.

The parameters are views into the flat vector x (see `params`): W, b reshaped from
consecutive slices, so one optimizer update of x updates every array.

BLAS runs single-threaded inside every evaluation: the matrix products here are small
(at most 1437 x 64 x hidden_size), where threads cost more than they save; on a busy
2-core machine, OpenBLAS's spinning threads made them 200 times slower.
"""

import contextlib

import numpy as np

from optbench import checks
from optbench.perf.threads import single_threaded_blas
from optbench.problems.digits import load_digits
from optbench.problems.optimum import best_known_f_star
from optbench.problems.problem import (
    DIFFERENCED_GRADIENTS,
    Problem,
    assembled_hessian,
    differenced_gradients,
    real_option,
)

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


def softmax_probabilities(scores):
    """P = softmax(scores) row-wise (N x C)."""
    probs = np.exp(scores - scores.max(axis=1, keepdims=True))
    return probs / probs.sum(axis=1, keepdims=True)


def softmax_r_dscores(probs, r_scores):
    """R{ds} for a stack of directions: r_scores (k, N, C) and P (N, C) -> (k, N, C)."""
    weighted = probs * r_scores
    return (weighted - probs * weighted.sum(axis=-1, keepdims=True)) / probs.shape[0]


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
        X, y = self._batch_data(batch_indices)
        with self._on_batch(batch_indices):
            return self._evaluate(x, X, y)

    def batch_hessian(self, x, batch_indices):
        """The dense Hessian (n, n) of the loss of `batch_loss_and_gradient(x, batch_indices)`."""
        x = self._check_x(x)
        X, y = self._batch_data(batch_indices)
        with self._on_batch(batch_indices):
            return self._hessian_on(x, X, y)

    def batch_hessian_vector_product(self, x, v, batch_indices):
        """H v, H the Hessian of the loss of `batch_loss_and_gradient(x, batch_indices)`."""
        x, v = self._check_x(x), self._check_direction(v)
        X, y = self._batch_data(batch_indices)
        with self._on_batch(batch_indices):
            return self._hessian_vectors_on(x, v[:, None], X, y)[:, 0]

    def sample_batch(self, rng, batch_size):
        """`batch_size` distinct training indices drawn uniformly with the Generator `rng`."""
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        batch_size = checks.whole_number("batch_size", batch_size, 1, self.n_train)
        return rng.choice(self.n_train, size=batch_size, replace=False)

    def _stacked_params(self, V):
        """Named views of a stack of k flat vectors, one per row of V (k, n): {"W": (k, 64, 10), ...}."""
        views, start = {}, 0
        for name, shape in self.shapes.items():
            size = int(np.prod(shape))
            views[name] = V[:, start:start + size].reshape((V.shape[0], *shape))
            start += size
        return views

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
        return softmax_probabilities(scores)

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

    def _hessian(self, x):
        return self._hessian_on(x, self.data.X_train, self.data.y_train)

    def _hessian_vectors(self, x, V):
        return self._hessian_vectors_on(x, V, self.data.X_train, self.data.y_train)

    def _hessian_on(self, x, X, y):
        """The dense Hessian of the loss on (X, y), from its products (see `Problem.hessian`)."""
        return assembled_hessian(lambda V: self._hessian_vectors_on(x, V, X, y), self.n,
                                 symmetrize=self.hessian_method == DIFFERENCED_GRADIENTS)

    def _hessian_vectors_on(self, x, V, X, y):
        """H V (n, k) for the loss on (X, y): the subclass's exact data products plus
        reg V on the weights, or differenced gradients of that loss."""
        if self.hessian_method == DIFFERENCED_GRADIENTS:
            return differenced_gradients(lambda z: self._evaluate(z, X, y)[1], x, V)
        HV = np.empty((V.shape[1], self.n))
        directions, products = self._stacked_params(np.ascontiguousarray(V.T)), self._stacked_params(HV)
        with single_threaded_blas():
            self._data_hessian_vectors(self.params(x), directions, X, y, products)
        for name in self.weights:
            products[name] += self.reg * directions[name]
        return np.ascontiguousarray(HV.T)

    def _batch_data(self, batch_indices):
        """(X, y) of the training images `batch_indices`, after checking them."""
        batch_indices = np.asarray(batch_indices)
        if batch_indices.ndim != 1 or batch_indices.size == 0 or batch_indices.dtype.kind not in "iu":
            raise ValueError(
                f"problem {self.name!r}: batch_indices must be a non-empty 1-D integer array, "
                f"got {batch_indices.dtype} array of shape {batch_indices.shape}"
            )
        if batch_indices.min() < 0 or batch_indices.max() >= self.n_train:
            raise ValueError(f"problem {self.name!r}: batch_indices must be in [0, {self.n_train})")
        return self.data.X_train[batch_indices], self.data.y_train[batch_indices]

    def _on_batch(self, batch_indices):
        """A context for evaluations on the mini-batch `batch_indices` (mlp seeds its dropout masks there)."""
        return contextlib.nullcontext()

    def _reg_loss(self, params):
        return 0.5 * self.reg * sum(float(np.sum(params[name] ** 2)) for name in self.weights)

    def _split(self, split):
        if split not in SPLITS:
            raise ValueError(f"problem {self.name!r}: split must be one of {SPLITS}, got {split!r}")
        if split == "train":
            return self.data.X_train, self.data.y_train
        return self.data.X_val, self.data.y_val
