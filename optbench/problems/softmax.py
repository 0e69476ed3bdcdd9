"""Softmax regression on digits with L2 regularization (convex).

    scores s = X W + b                       W: 64 x 10, b: 10
    f(W, b) = -1/N sum_i log softmax(s_i)_{y_i} + 1/2 reg sum(W^2)
    df/dW = X^T (P - Y) / N + reg W,    df/db = sum_i (P - Y)_i / N

x = concatenate(W.ravel(), b): `params(x)` gives the views {"W", "b"}. Start point:
W = 0.001 * randn(64, 10) (seeded), b = 0, where the loss is close to ln 10.

The Hessian, in closed form. The flat layout is that of the augmented W~ = [W; b]
(65 x 10, row-major) acting on the augmented images a_i = (X_i, 1), s = A W~, so with
P = softmax(s):

    H[(f,c),(g,d)] = 1/N sum_i a_if a_ig (P_ic delta_cd - P_ic P_id) + reg delta_fg delta_cd [f < 64]

(positive semidefinite: each image adds a_i a_i^T (x) (diag(p_i) - p_i p_i^T)). Its
products by the R-operator, for the direction (V_W, v_b):

    R{s} = X V_W + v_b,    R{ds} = (P * R{s} - P * rowsum(P * R{s})) / N
    Hv_W = X^T R{ds} + reg V_W,    Hv_b = colsum(R{ds})
"""

import numpy as np

from optbench.perf.threads import single_threaded_blas
from optbench.problems.classifier import (
    Classifier,
    softmax_loss,
    softmax_probabilities,
    softmax_r_dscores,
)
from optbench.problems.digits import N_CLASSES, N_FEATURES
from optbench.problems.problem import CLOSED_FORM, seed_generator


class Softmax(Classifier):
    name = "softmax"
    shapes = {"W": (N_FEATURES, N_CLASSES), "b": (N_CLASSES,)}
    weights = ("W",)
    hessian_method = CLOSED_FORM

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

    def _data_hessian_vectors(self, params, directions, X, y, products):
        probs = softmax_probabilities(self._scores(params, X))
        r_dscores = softmax_r_dscores(probs, X @ directions["W"] + directions["b"][:, None, :])
        products["W"][...] = X.T @ r_dscores
        products["b"][...] = r_dscores.sum(axis=1)

    def _hessian_on(self, x, X, y):
        params = self.params(x)
        N, classes = len(y), N_CLASSES
        augmented = np.hstack([X, np.ones((N, 1))])
        with single_threaded_blas():
            probs = softmax_probabilities(self._scores(params, X))
            # the delta_cd term: class c's block is A^T diag(P_:c) A
            diagonal_blocks = np.einsum("if,ic,ig->cfg", augmented, probs, augmented, optimize=True)
            # the P_ic P_id term: B^T B with B[i, (f, c)] = a_if P_ic
            products = (augmented[:, :, None] * probs[:, None, :]).reshape(N, -1)
            H = -(products.T @ products)
        H4 = H.reshape(N_FEATURES + 1, classes, N_FEATURES + 1, classes)
        c = np.arange(classes)
        H4[:, c, :, c] += diagonal_blocks
        H /= N
        weights = np.arange(N_FEATURES * classes)
        H[weights, weights] += self.reg
        return H
