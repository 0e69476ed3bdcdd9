"""`optbench verify`: the matrix, JSON, and the exit code."""

import dataclasses
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
    fast, exact = report["rows"]
    assert (fast["rule"], fast["form"], fast["dtype"], fast["seed"], fast["verdict"]) == ("adam", "fast", "float64", 3, "pass")
    assert (exact["form"], exact["worst_ulps"], exact["tolerance_ulps"], exact["verdict"]) == ("exact", 0, 0, "pass")


def test_a_failing_row_exits_non_zero(monkeypatch, capsys):
    from optbench.optim import registry
    from wrong_kernels import wrong_kernel

    monkeypatch.setitem(registry._rules(), "nesterov", wrong_kernel("nesterov", "nesterov_as_momentum"))
    assert main(["verify", "--rule", "nesterov", "--backend", "cpu", "--dtype", "float64"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_unknown_option_is_an_error():
    with pytest.raises(SystemExit):
        main(["verify", "--rule", "adamw"])


def test_a_backend_asked_for_that_cannot_run_is_an_error(monkeypatch, capsys):
    import optbench.cli.verify as command

    monkeypatch.setattr(command, "unavailable", lambda backend: "no CUDA device" if backend == "cuda" else None)
    assert main(["verify", "--backend", "cuda", "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert err == "optbench verify: error: backend cuda cannot run here: no CUDA device\n"


def test_by_default_a_backend_that_cannot_run_is_listed_as_skipped(monkeypatch, capsys):
    import optbench.conformance.verify as verification

    monkeypatch.setattr(verification, "unavailable", lambda backend: "no CUDA device" if backend == "cuda" else None)
    assert main(["verify", "--rule", "sgd", "--steps", "2"]) == 0
    assert "cuda: skipped: no CUDA device" in capsys.readouterr().out


def test_blocks_are_verified_too(capsys):
    assert main(["verify", "--block", "relu", "--block", "tanh", "--backend", "cpu", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "worst ulps" in out and "tanh" in out and "dx" in out and "blocks: 8 passed, 0 failed, 0 skipped (seed 2)" in out
    assert "adam" not in out


def test_rules_alone_leave_the_blocks_out(capsys):
    assert main(["verify", "--rule", "sgd", "--backend", "cpu", "--steps", "2"]) == 0
    assert "blocks:" not in capsys.readouterr().out


def test_block_rows_in_json(capsys):
    assert main(["verify", "--json", "--block", "elu", "--backend", "cpu", "--dtype", "float64", "--seed", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == []
    assert [(r["block"], r["output"], r["verdict"]) for r in report["blocks"]] == [
        ("elu", "out", "pass"), ("elu", "dx", "pass")]


def test_a_failing_block_exits_non_zero(monkeypatch, capsys):
    from optbench.blocks import elu

    def forward(x, zero, one, alpha):  # ELU without the -1
        return x if x > zero else alpha * exp(x)

    from optbench.kernels.vecmath import exp  # noqa: F401  (the step's elementary function)

    monkeypatch.setattr(elu, "ACTIVATION", dataclasses.replace(elu.ACTIVATION, forward_step=forward))
    assert main(["verify", "--block", "elu", "--backend", "cpu", "--dtype", "float32"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_n_sets_the_size_of_every_kernel_and_block(capsys):
    assert main(["verify", "--json", "--rule", "sgd", "--backend", "cpu", "--dtype", "float32", "--steps", "2",
                 "--n", "2^10"]) == 0
    assert {r["size"] for r in json.loads(capsys.readouterr().out)["rows"]} == {1024}
    assert main(["verify", "--json", "--block", "elu", "--block", "batchnorm", "--backend", "cpu", "--dtype",
                 "float64", "--n", "300", "--seed", "1"]) == 0
    shapes = {r["block"]: tuple(r["shape"]) for r in json.loads(capsys.readouterr().out)["blocks"]}
    assert shapes == {"elu": (300,), "batchnorm": (17, 17)}


def test_a_bad_n_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "--n", "0"])
    assert exit_info.value.code == 2 and "from 1 to 2^48" in capsys.readouterr().err
