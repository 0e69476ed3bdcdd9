"""The lecture's two-layer net, `init_two_layer_model(64, hidden_size, 10)`, on digits.

    h = max(0, X W1 + b1)                    W1: 64 x H, b1: H
    s = h W2 + b2                            W2: H x 10, b2: 10
    f = -1/N sum_i log softmax(s_i)_{y_i} + 1/2 reg (sum(W1^2) + sum(W2^2))

Backpropagation, with ds = (P - Y) / N:

    dW2 = h^T ds + reg W2,        db2 = sum_i ds_i
    dh  = ds W2^T,                dz  = dh * [X W1 + b1 > 0]
    dW1 = X^T dz + reg W1,        db1 = sum_i dz_i

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

from optbench.problems.classifier import Classifier, softmax_loss
from optbench.problems.digits import N_CLASSES, N_FEATURES
from optbench.problems.problem import integer_option, real_option, seed_generator


class TwoLayer(Classifier):
    name = "two_layer"
    weights = ("W1", "W2")
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
