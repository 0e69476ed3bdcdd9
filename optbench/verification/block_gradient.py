"""The backward pass of every block against centred differences of its forward pass.

For a block with inputs a_0, a_1, ... (x, gamma, beta; x, w, b) and a fixed upstream
gradient dout, the scalar

    L(a) = sum(forward(a).out * dout)

has dL/da_k = the k-th result of backward(dout), so the analytic gradients are checked
by `gradient.gradient_check` on L, input by input, in float64. Each element is
perturbed on its own scale: the check runs in z = a / s with s_i = |a_i| + mean|a|
(dL/dz_i = s_i dL/da_i), so that a step h in z is a relative step in a whatever the
decade of a_i, as the blocks' samples spread inputs over decades (batch norm's features,
for one). With h = 1e-6 the truncation error of the centred difference is O(h^2) relative
(1e-12), and the rounding noise NOISE_ULPS eps |L| / h sits under the floor of
`gradient.noise_floor`; THRESHOLD = 1e-6 leaves a factor of 1e6 above the first and
catches any wrong derivative, which is off by O(1).

The forward pass runs on a private copy of the inputs at every evaluation, so running
statistics do not drift between them, and dropout keeps its seed: L is a fixed function.
"""

import copy

import numpy as np

from optbench.blocks.registry import get_block
from optbench.verification.gradient import gradient_check, noise_floor

H = 1e-6
THRESHOLD = 1e-6


def block_gradient_check(block, backend="cpu", shape=None, seed=0, count=60, h=H):
    """{gradient name: `GradientCheck`} of `block`'s backward on `backend` ("cpu" or
    "reference"), on the block's float64 sample of `shape` (default: a small one)."""
    block = get_block(block)
    rng = np.random.default_rng(seed)
    shape = block.shape(48) if shape is None else tuple(shape)
    inputs, parameters = block.sample(rng, shape, np.float64)
    keywords = {"backend": backend}
    out, _ = block.forward(*copy.deepcopy(inputs), **parameters, **keywords)
    dout = rng.standard_normal(out.shape)
    _, cache = block.forward(*copy.deepcopy(inputs), **parameters, **keywords)
    analytic = block.backward(dout, cache, **keywords)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)
    checks = {}
    for position, (name, gradient) in enumerate(zip(block.gradients, analytic)):
        a = inputs[position]
        scale = np.abs(a).ravel() + np.abs(a).mean()

        def loss(z, position=position, a=a, scale=scale):
            varied = list(copy.deepcopy(inputs))
            varied[position] = np.ascontiguousarray((z * scale).reshape(a.shape))
            value = float(np.sum(block.forward(*varied, **parameters, **keywords)[0] * dout))
            return value, np.asarray(gradient).ravel() * scale

        z = a.ravel() / scale
        value = loss(z)[0]
        checks[name] = gradient_check(loss, z, h=h, indices=min(count, z.size), seed=seed,
                                      floor=noise_floor(value, h, THRESHOLD))
    return checks
