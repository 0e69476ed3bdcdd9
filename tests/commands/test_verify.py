"""`optbench verify`: the matrix, JSON, and the exit code."""

import json

import pytest

from optbench.cli import main


def test_matrix_lists_every_rule_and_the_average(capsys):
    assert main(["verify", "--backend", "cpu", "--steps", "20"]) == 0
    out = capsys.readouterr().out
    for word in ("adam", "nesterov", "running_average", "float32", "float64", "worst ulps", "pass"):
        assert word in out
    assert "FAIL" not in out


def test_json_for_machines(capsys):
    assert main(["verify", "--json", "--rule", "adam", "--backend", "cpu", "--dtype", "float64", "--seed", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    (row,) = report["rows"]
    assert (row["rule"], row["dtype"], row["seed"], row["verdict"]) == ("adam", "float64", 3, "pass")


def test_a_failing_row_exits_non_zero(monkeypatch, capsys):
    import mutants
    from optbench import registry

    monkeypatch.setitem(registry._rules(), "nesterov", mutants.MUTANTS["nesterov: computed as plain momentum"])
    assert main(["verify", "--rule", "nesterov", "--backend", "cpu", "--dtype", "float64"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_unknown_option_is_an_error():
    with pytest.raises(SystemExit):
        main(["verify", "--rule", "adamw"])
