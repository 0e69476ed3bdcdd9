"""The lecture's two-layer net, `init_two_layer_model(64, hidden_size, 10)`, on digits.

    h = max(0, X W1 + b1)                    W1: 64 x H, b1: H
    s = h W2 + b2                            W2: H x 10, b2: 10
    f = -1/N sum_i log softmax(s_i)_{y_i} + 1/2 reg (sum(W1^2) + sum(W2^2))

Backpropagation, with ds = (P - Y) / N:

    dW2 = h^T ds + reg W2,        db2 = sum_i ds_i
    dh  = ds W2^T,                dz  = dh * [X W1 + b1 > 0]
    dW1 = X^T dz + reg W1,        db1 = sum_i dz_i

Hessian-vector products are exact, by the R-operator (Pearlmutter; see `classifier.py`)
applied to each line above, for the direction V = (VW1, vb1, VW2, vb2), with the mask
m = [X W1 + b1 > 0]:

    R{z}  = X VW1 + vb1,                  R{h} = R{z} * m
    R{s}  = R{h} W2 + h VW2 + vb2,        R{ds} = (P * R{s} - P * rowsum(P * R{s})) / N
    HvW2  = R{h}^T ds + h^T R{ds} + reg VW2,          Hvb2 = colsum(R{ds})
    R{dh} = R{ds} W2^T + ds VW2^T,        R{dz} = R{dh} * m
    HvW1  = X^T R{dz} + reg VW1,                      Hvb1 = colsum(R{dz})

ReLU's second derivative is taken as 0 (R{m} = 0): this is the Hessian of the smooth
piece of the loss that x lies in, which is the loss's Hessian wherever no unit sits
exactly at a kink. The dense Hessian is assembled from these products, 64 unit vectors
at a time (`problem.assembled_hessian`), not symmetrized: its symmetry, to rounding,
is a check of the products.

x = concatenate(W1.ravel(), b1, W2.ravel(), b2) and `params(x)` gives the four arrays as
views of x, so one optimizer kernel call on x updates them all. Start point: Xavier
initialization W = randn(fan_in, fan_out) / sqrt(fan_in) (seeded), biases 0; or, with
`weight_scale`, W = weight_scale * randn(fan_in, fan_out), the small weights of the
lecture's babysitting run, whose scores are all near 0 and whose loss starts at ln 10.

The loss is non-convex and, at the ReLU kinks, not smooth: its `f_star` is the best
value L-BFGS-B reaches from x0(seed=0) in 3000 iterations, "best known", not a certified
minimum. For the defaults it is still creeping down there: 0.04334 after 2000
iterations, 0.04331 after 10000.
"""

import numpy as np

from optbench.problems.classifier import (
    Classifier,
    softmax_loss,
    softmax_probabilities,
    softmax_r_dscores,
)
from optbench.problems.digits import N_CLASSES, N_FEATURES
from optbench.problems.problem import EXACT_PRODUCTS, integer_option, real_option, seed_generator


class TwoLayer(Classifier):
    name = "two_layer"
    weights = ("W1", "W2")
    hessian_method = EXACT_PRODUCTS
    f_star_maxiter = 3000

    def __init__(self, hidden_size=50, reg=1e-3, weight_scale=None):
        hidden_size = integer_option(self.name, "hidden_size", hidden_size, 1)
        if weight_scale is not None:
            weight_scale = real_option(self.name, "weight_scale", weight_scale, 0.0, 10.0)
        self.weight_scale = weight_scale
        self.shapes = {
            "W1": (N_FEATURES, hidden_size),
            "b1": (hidden_size,),
            "W2": (hidden_size, N_CLASSES),
            "b2": (N_CLASSES,),
        }
        super().__init__(reg)
        self.options = {"hidden_size": hidden_size, "reg": self.reg, "weight_scale": weight_scale}

    def x0(self, seed=0):
        rng = seed_generator(seed)
        x = np.zeros(self.n)
        params = self.params(x)
        for name in self.weights:
            fan_in, fan_out = self.shapes[name]
            scale = 1 / np.sqrt(fan_in) if self.weight_scale is None else self.weight_scale
            params[name][...] = scale * rng.standard_normal((fan_in, fan_out))
        return x

    def _scores(self, params, X):
        hidden = np.maximum(0.0, X @ params["W1"] + params["b1"])
        return hidden @ params["W2"] + params["b2"]

    def _data_loss_and_gradient(self, params, X, y, grads):
        hidden = np.maximum(0.0, X @ params["W1"] + params["b1"])
        data_loss, dscores = softmax_loss(hidden @ params["W2"] + params["b2"], y)
        grads["W2"][...] = hidden.T @ dscores
        grads["b2"][...] = dscores.sum(axis=0)
        dz = (dscores @ params["W2"].T) * (hidden > 0.0)
        grads["W1"][...] = X.T @ dz
        grads["b1"][...] = dz.sum(axis=0)
        return data_loss

    def _data_hessian_vectors(self, params, directions, X, y, products):
        W2 = params["W2"]
        VW2 = directions["W2"]
        z = X @ params["W1"] + params["b1"]
        mask = z > 0.0
        hidden = np.maximum(0.0, z)
        scores = hidden @ W2 + params["b2"]
        _, dscores = softmax_loss(scores, y)
        r_hidden = (X @ directions["W1"] + directions["b1"][:, None, :]) * mask
        r_scores = r_hidden @ W2 + hidden @ VW2 + directions["b2"][:, None, :]
        r_dscores = softmax_r_dscores(softmax_probabilities(scores), r_scores)
        products["W2"][...] = r_hidden.transpose(0, 2, 1) @ dscores + hidden.T @ r_dscores
        products["b2"][...] = r_dscores.sum(axis=1)
        r_dz = (r_dscores @ W2.T + dscores @ VW2.transpose(0, 2, 1)) * mask
        products["W1"][...] = X.T @ r_dz
        products["b1"][...] = r_dz.sum(axis=1)
