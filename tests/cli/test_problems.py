"""`optbench problems`: one row per problem with n and f*."""

from optbench.cli import main
from optbench.problems.classifier import Classifier


def test_closed_form_problems(capsys):
    assert main(["problems", "quadratic", "rosenbrock"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["problem", "n", "f*", "f*"]
    assert lines[2].split()[:5] == ["quadratic", "2", "0", "closed", "form"]
    assert lines[3].split()[:5] == ["rosenbrock", "2", "0", "closed", "form"]


def test_every_problem_is_listed(capsys, monkeypatch):
    # The digits problems' best known f* is an L-BFGS-B run (seconds): stand in a value.
    monkeypatch.setattr(Classifier, "f_star", property(lambda self: 0.125))
    assert main(["problems"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert list(rows) == ["quadratic", "rosenbrock", "softmax", "two_layer", "mlp"]
    assert "0.125  best known (L-BFGS)" in rows["two_layer"]
    assert rows["two_layer"].split()[1] == "3760"


def test_unknown_problem(capsys):
    assert main(["problems", "beale"]) == 2
    err = capsys.readouterr().err
    assert "unknown problem(s) ['beale']" in err and "quadratic" in err
