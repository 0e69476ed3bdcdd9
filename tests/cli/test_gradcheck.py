"""`optbench gradcheck PROBLEM`: worst relative error, exit 1 above 1e-6."""

import pytest

from optbench.cli import main
from optbench.problems.softmax import Softmax


@pytest.mark.parametrize("problem", ["quadratic", "rosenbrock", "softmax", "two_layer"])
def test_every_problem_passes(capsys, problem):
    assert main(["gradcheck", problem]) == 0
    out = capsys.readouterr().out
    assert "worst relative error" in out and "pass: at or below 1e-06" in out


def test_a_wrong_gradient_fails(capsys, monkeypatch):
    # The regularization gradient at half its value: dL/dW = ... + reg W / 2.
    right = Softmax.batch_loss_and_gradient

    def wrong(self, x, batch_indices):
        f, g = right(self, x, batch_indices)
        self.params(g)["W"][...] -= 0.5 * self.reg * self.params(x)["W"]
        return f, g

    monkeypatch.setattr(Softmax, "batch_loss_and_gradient", wrong)
    assert main(["gradcheck", "softmax"]) == 1
    assert "FAIL: above 1e-06" in capsys.readouterr().out


def test_full_set_kinks_fail_as_the_docstring_says(capsys):
    assert main(["gradcheck", "two_layer", "--batch-size", "1437", "--count", "300"]) == 1
    capsys.readouterr()


def test_unknown_problem(capsys):
    assert main(["gradcheck", "beale"]) == 2
    err = capsys.readouterr().err
    assert "unknown problem 'beale'" in err and "quadratic" in err


@pytest.mark.parametrize("value", ["0", "-1e-5", "nan"])
def test_a_bad_step_is_refused_before_anything_is_computed(value, capsys, recwarn):
    with pytest.raises(SystemExit) as exit_info:
        main(["gradcheck", "quadratic", "--h", value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench gradcheck: error: argument --h") and err.count("\n") == 1
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
