"""`optbench init-stats`: the lecture's printout, --json, and one-line errors with exit 2."""

import json
import re

import pytest

from optbench.cli import main
from optbench.training.init_stats import activation_names, propagate

LINE = re.compile(r"(input layer|hidden layer \d+) had mean -?\d+\.\d{6} and std \d+\.\d{6}")


def test_the_default_is_the_lecture_s_experiment_in_its_format(capsys):
    assert main(["init-stats"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 11 and all(LINE.fullmatch(line) for line in lines), lines
    assert lines[0].startswith("input layer had mean ") and lines[10].startswith("hidden layer 10 had mean ")
    assert lines == propagate("xavier", "tanh", seed=0, keep=False).lines()


def test_json_lists_every_layer(capsys):
    argv = ["init-stats", "--init", "he", "--activation", "relu", "--layers", "3", "--width", "40",
            "--samples", "64", "--seed", "5", "--json"]
    assert main(argv) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["layer"] for row in rows] == [0, 1, 2, 3]
    assert rows == propagate("he", "relu", layers=3, width=40, samples=64, seed=5, keep=False).rows()


@pytest.mark.parametrize("activation", activation_names())
def test_every_activation_with_and_without_batchnorm(activation, capsys):
    for extra in ([], ["--batchnorm"], ["--dtype", "float32"]):
        assert main(["init-stats", "--activation", activation, "--layers", "2", "--width", "16",
                     "--samples", "32", *extra]) == 0
        assert len(capsys.readouterr().out.splitlines()) == 3


def test_batchnorm_keeps_small_weights_from_collapsing(capsys):
    base = ["init-stats", "--init", "small", "--layers", "6", "--width", "100", "--samples", "200", "--json"]
    main(base)
    plain = json.loads(capsys.readouterr().out)
    main(base + ["--batchnorm"])
    normalized = json.loads(capsys.readouterr().out)
    assert plain[-1]["std"] < 1e-3 < 0.5 < normalized[-1]["std"]


@pytest.mark.parametrize("argv, what", [
    (["--init", "orthogonal"], "argument --init: invalid choice: 'orthogonal'"),
    (["--activation", "maxout"], "argument --activation: invalid choice: 'maxout'"),
    (["--layers", "0"], "argument --layers"),
    (["--width", "0"], "argument --width"),
    (["--samples", "-3"], "argument --samples"),
    (["--seed", "-1"], "argument --seed"),
    (["--layers", "ten"], "argument --layers"),
])
def test_bad_input_is_one_line_and_exit_2(argv, what, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["init-stats", *argv])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench init-stats: error: ") and what in err and err.count("\n") == 1, err


def test_a_refused_combination_is_one_line_and_exit_2(capsys):
    # one sample has no batch variance: refused by the experiment, reported by the command
    assert main(["init-stats", "--batchnorm", "--samples", "1", "--layers", "1", "--width", "4"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench init-stats: error: ") and "samples" in err and err.count("\n") == 1
