"""`optbench run`: summary, babysitting lines, JSON, exit codes."""

import json

import pytest

from optbench.cli import main


def test_summary_of_a_converging_run(capsys):
    assert main(["run", "--problem", "quadratic", "--rule", "adam", "--steps", "300", "--learning-rate", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "finished 300 steps" in out
    assert "steps to f - f* <= 0.001 (f0 - f*): 11 steps" in out
    assert "diagnosis: loss decreasing: learning rate looks reasonable" in out


def test_lecture_babysitting_from_the_command_line(capsys):
    code = main(["run", "--problem", "two_layer", "-o", "reg=1e-6", "--rule", "sgd", "--epochs", "10",
                 "--batch-size", "100", "--learning-rate", "1e-6", "--f-star", "0", "-v"])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("Finished epoch") for line in lines) == 10
    assert "Finished epoch 10 / 10: cost 2.3" in "\n".join(lines)
    assert lines[-1] == "diagnosis: loss barely changing: learning rate is probably too low"


def test_schedule_and_hyperparameters(capsys):
    code = main(["run", "--problem", "quadratic", "-o", "n=10", "--rule", "sgd_momentum", "--steps", "50",
                 "--learning-rate", "0.5", "--schedule", "step", "--drop", "0.5", "--every", "10",
                 "-p", "momentum=0.5", "--json"])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert record["settings"]["momentum"] == 0.5
    assert record["settings"]["learning_rate"]["kind"] == "step"
    assert record["problem"] == "get_problem('quadratic', n=10, condition=100.0, rotate=True)"


def test_json_keeps_stdout_clean_when_verbose(capsys):
    assert main(["run", "--problem", "quadratic", "--rule", "sgd", "--steps", "20", "-v", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["steps"] == 20
    assert "Finished step 20 / 20" in captured.err


def test_divergence_exits_1_with_the_message(capsys):
    assert main(["run", "--problem", "rosenbrock", "--rule", "sgd", "--steps", "100", "--learning-rate", "1"]) == 1
    out = capsys.readouterr().out
    assert "stopped at step 1" in out and "learning rate is probably too high" in out


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["--problem", "quadratic", "-o", "conditon=10"], ["unknown option(s) conditon", "condition"]),
        (["--problem", "quadratic", "--epochs", "2"], ["no training set"]),
        (["--problem", "quadratic", "--schedule", "step"], ["needs ['drop', 'every']"]),
        (["--problem", "quadratic", "-p", "beta1=0.9"], ["unknown hyperparameter", "beta1"]),
        (["--problem", "quadratic", "-p", "learning_rate=0.1"], ["--learning-rate"]),
    ],
)
def test_bad_input_exits_2_with_a_message(capsys, arguments, words):
    length = [] if "--epochs" in arguments else ["--steps", "10"]
    assert main(["run", "--rule", "sgd", *length, *arguments]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench run: error: ")
    for word in words:
        assert word in err


@pytest.mark.parametrize(
    "arguments",
    [
        ["--problem", "beale", "--rule", "sgd", "--steps", "10"],
        ["--problem", "quadratic", "--rule", "adamw", "--steps", "10"],
        ["--problem", "quadratic", "--rule", "sgd"],
        ["--problem", "quadratic", "--rule", "sgd", "--steps", "10", "--epochs", "1"],
        ["--problem", "quadratic", "--rule", "sgd", "--steps", "0"],
    ],
)
def test_unknown_choices_are_usage_errors(capsys, arguments):
    with pytest.raises(SystemExit) as exit_info:
        main(["run", *arguments])
    assert exit_info.value.code == 2
