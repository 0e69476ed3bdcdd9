"""Every block's backward against centred differences of its forward pass."""

import dataclasses
import pytest

from optbench.blocks.registry import block_names, get_block
from optbench.verification.block_gradient import THRESHOLD, block_gradient_check


@pytest.mark.parametrize("name", block_names())
@pytest.mark.parametrize("backend", ["cpu", "reference"])
def test_every_backward_passes_the_gradient_check(name, backend):
    checks = block_gradient_check(name, backend, seed=3)
    assert set(checks) == set(get_block(name).gradients)
    for gradient, check in checks.items():
        assert check.max_relative_error < THRESHOLD, (name, backend, gradient, check.max_relative_error)


def test_a_wrong_derivative_fails_the_check(monkeypatch):
    from optbench.blocks import tanh

    def backward(dout, out, one):  # tanh' taken as 1 - out
        return dout * (one - out)

    wrong = dataclasses.replace(tanh.ACTIVATION, backward_step=backward)
    monkeypatch.setattr(tanh, "ACTIVATION", wrong)
    check = block_gradient_check("tanh", "cpu", seed=3)["dx"]
    assert check.max_relative_error > 1e-2

