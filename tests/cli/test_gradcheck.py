"""`optbench gradcheck PROBLEM [--hessian]`: worst relative error, exit 1 above 1e-6."""

import re

import numpy as np
import pytest

from optbench.cli import main
from optbench.problems.rosenbrock import Rosenbrock
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


# --hessian: the Hessian against differences of the gradient, and its symmetry

HESSIAN_CASES = {
    "quadratic": ([], "closed form"),
    "quadratic-rotated": (["-o", "n=20"], "closed form"),
    "rosenbrock": (["-o", "n=5"], "closed form"),
    "softmax": ([], "closed form"),
    "two_layer": (["-o", "hidden_size=5"], "exact Hessian-vector products (R-operator)"),
    "mlp": (["-o", "width=5"], "differenced gradients"),
}


@pytest.mark.parametrize("case", HESSIAN_CASES)
def test_every_problem_hessian_passes(capsys, case):
    options, method = HESSIAN_CASES[case]
    assert main(["gradcheck", case.split("-")[0], "--hessian", *options]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Hessian check of get_problem(") and f"Hessian by {method};" in out
    assert "worst relative error" in out and "at row " in out and ", column " in out
    assert "symmetry error max |H - H^T| / max |H| = " in out
    assert out.rstrip().endswith("pass: at or below 1e-06, symmetric")
    # a differenced Hessian (mlp's) is held to its own error below DIFFERENCED_ERROR max |H| / 1e-6
    assert ("(the error of a differenced Hessian)" in out) == (method == "differenced gradients")


def test_hessian_rows_and_columns_are_named_and_counted(capsys):
    assert main(["gradcheck", "two_layer", "-o", "hidden_size=3", "--hessian", "--count", "7"]) == 0
    out = capsys.readouterr().out
    assert "7 of 235 columns" in out and "loss on 10 training images" in out
    assert re.search(r"at row (W1|b1|W2|b2)\[[0-9, ]+\], column (W1|b1|W2|b2)\[[0-9, ]+\]", out)
    assert "(the error of a differenced Hessian)" not in out


def test_a_wrong_hessian_fails(capsys, monkeypatch):
    # The regularization left out of the closed form: the blank pixels' rows come out 0.
    right = Softmax._hessian_on

    def without_reg(self, x, X, y):
        dense = right(self, x, X, y)
        dense[np.arange(640), np.arange(640)] -= self.reg
        return dense

    monkeypatch.setattr(Softmax, "_hessian_on", without_reg)
    assert main(["gradcheck", "softmax", "--hessian"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: above 1e-06" in out and "not symmetric" not in out


def test_an_asymmetric_hessian_fails(capsys, monkeypatch):
    right = Rosenbrock._hessian

    def asymmetric(self, x):
        dense = right(self, x)
        dense[0, 1] *= 1.001
        return dense

    monkeypatch.setattr(Rosenbrock, "_hessian", asymmetric)
    assert main(["gradcheck", "rosenbrock", "--hessian"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: above 1e-06, not symmetric (" in out


@pytest.mark.parametrize("arguments, message", [
    (["beale", "--hessian"], "unknown problem 'beale'"),
    (["quadratic", "--hessian", "--count", "3"], r"in [1, 2]"),
    (["softmax", "--hessian", "-o", "reg=-1"], "option reg"),
    (["softmax", "--hessian", "--batch-size", "2000"], "batch_size"),
])
def test_hessian_bad_input(capsys, arguments, message):
    assert main(["gradcheck", *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench gradcheck: error: ") and message in err and err.count("\n") == 1


def test_hessian_help_describes_the_check(capsys):
    with pytest.raises(SystemExit):
        main(["gradcheck", "--help"])
    out = capsys.readouterr().out
    assert "--hessian" in out and "(g(x + h e_j) - g(x - h e_j)) / (2 h)" in out
