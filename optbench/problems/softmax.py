"""Softmax regression on digits with L2 regularization (convex).

    scores s = X W + b                       W: 64 x 10, b: 10
    f(W, b) = -1/N sum_i log softmax(s_i)_{y_i} + 1/2 reg sum(W^2)
    df/dW = X^T (P - Y) / N + reg W,    df/db = sum_i (P - Y)_i / N

x = concatenate(W.ravel(), b): `params(x)` gives the views {"W", "b"}. Start point:
W = 0.001 * randn(64, 10) (seeded), b = 0, where the loss is close to ln 10.
"""

import numpy as np

from optbench.problems.classifier import Classifier, softmax_loss
from optbench.problems.digits import N_CLASSES, N_FEATURES
from optbench.problems.problem import seed_generator


class Softmax(Classifier):
    name = "softmax"
    shapes = {"W": (N_FEATURES, N_CLASSES), "b": (N_CLASSES,)}
    weights = ("W",)

    def __init__(self, reg=1e-3):
        super().__init__(reg)
        self.options = {"reg": self.reg}

    def x0(self, seed=0):
        rng = seed_generator(seed)
        x = np.zeros(self.n)
        self.params(x)["W"][...] = 0.001 * rng.standard_normal(self.shapes["W"])
        return x

    def _scores(self, params, X):
        return X @ params["W"] + params["b"]

    def _data_loss_and_gradient(self, params, X, y, grads):
        data_loss, dscores = softmax_loss(self._scores(params, X), y)
        grads["W"][...] = X.T @ dscores
        grads["b"][...] = dscores.sum(axis=0)
        return data_loss
