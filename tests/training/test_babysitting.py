"""Babysitting: the lecture's line, the diagnosis rules, and the lecture's own case."""

import math

import pytest

import optbench
from optbench.problems import get_problem
from optbench.training.babysitting import diagnose, epoch_line

LN10 = math.log(10)


def test_epoch_line_is_the_lecture_s():
    assert epoch_line(3, 10, 2.302558, 0.119, 0.138, 1e-6) == (
        "Finished epoch 3 / 10: cost 2.302558, train: 0.119000, val 0.138000, lr 1.000000e-06"
    )


@pytest.mark.parametrize(
    "f0, f_end, f_star, diverged, verdict",
    [
        (2.302576, 2.302420, 0.0, False, "loss barely changing: learning rate is probably too low"),
        (2.302576, 2.302582, 0.0, False, "loss barely changing: learning rate is probably too low"),
        (2.3, 0.5, 0.0, False, "loss decreasing: learning rate looks reasonable"),
        (2.3, 2.2, 0.0, False, "loss decreasing: learning rate looks reasonable"),
        (2.3, 2.5, 0.0, False, "loss increasing: learning rate is probably too high"),
        (2.3, math.nan, 0.0, False, "loss exploding: learning rate is probably too high"),
        (2.3, math.inf, 0.0, False, "loss exploding: learning rate is probably too high"),
        (2.3, 30.0, 0.0, False, "loss exploding: learning rate is probably too high"),
        (2.3, 1.0, 0.0, True, "loss exploding: learning rate is probably too high"),
        # The gap, not the loss, is what counts: 1.01 -> 1.009 closes 10% of a 0.01 gap.
        (1.01, 1.009, 1.0, False, "loss decreasing: learning rate looks reasonable"),
    ],
)
def test_diagnosis_rules(f0, f_end, f_star, diverged, verdict):
    assert diagnose(f0, f_end, f_star, diverged) == verdict


def _lecture_case(capsys, **options):
    """two_layer, reg 1e-6, sgd, learning rate 1e-6, 10 epochs of sampled batches of 100.

    f_star=0.0: the loss is >= 0, and a lower bound does not change the verdicts (see
    `babysitting`); the best known f* would take an L-BFGS run.
    """
    problem = get_problem("two_layer", reg=1e-6, **options)
    record = optbench.run("sgd", problem, epochs=10, batch_size=100, learning_rate=1e-6, verbose=True,
                          f_star=0.0)
    lines = capsys.readouterr().out.splitlines()
    return record, lines


def test_lecture_case_reproduces_and_is_diagnosed(capsys):
    record, lines = _lecture_case(capsys)
    epoch_lines = [line for line in lines if line.startswith("Finished epoch")]
    assert len(epoch_lines) == 10
    assert epoch_lines[0].startswith("Finished epoch 1 / 10: cost 2.3")
    assert epoch_lines[-1].endswith("lr 1.000000e-06")
    costs = [e["cost"] for e in record.epochs]
    # Xavier init (the problem's x0) starts a little above ln 10 (2.38); the cost stays put.
    assert all(abs(cost - LN10) < 0.1 for cost in costs)
    assert abs(costs[-1] - record.f0) < 1e-3 * record.f0
    assert record.diagnosis == "loss barely changing: learning rate is probably too low"
    assert "diagnosis: loss barely changing: learning rate is probably too low" in lines
    assert "finished optimization. best validation accuracy:" in "\n".join(lines)


def test_lecture_case_with_cs231n_init_starts_at_ln10(capsys):
    # init_two_layer_model: weights 0.00001 * randn, biases 0, so every class scores
    # about 0 and the cost is ln 10 = 2.302585 to six digits, as on the slide.
    record, lines = _lecture_case(capsys, weight_scale=0.00001)
    assert all(f"cost {LN10:f}" in line for line in lines if line.startswith("Finished epoch"))
    assert record.diagnosis == "loss barely changing: learning rate is probably too low"


def test_too_high_learning_rate_on_the_two_layer_net():
    record = optbench.run("sgd", get_problem("two_layer", reg=1e-6), epochs=2, batch_size=100,
                          learning_rate=100.0, f_star=0.0)
    assert record.diverged
    assert record.diagnosis == "loss exploding: learning rate is probably too high"


def test_sensible_learning_rate_on_the_two_layer_net():
    record = optbench.run("sgd", get_problem("two_layer", reg=1e-6), epochs=3, batch_size=100,
                          learning_rate=0.1, f_star=0.0)
    assert record.diagnosis == "loss decreasing: learning rate looks reasonable"
    assert record.epochs[-1]["val_acc"] > 0.8


def test_verbose_deterministic_run_prints_ten_step_lines(capsys):
    optbench.run("sgd", "quadratic", steps=100, learning_rate=1.0, verbose=True)
    out = capsys.readouterr().out.splitlines()
    steps = [line for line in out if line.startswith("Finished step")]
    assert len(steps) == 10 and steps[-1].startswith("Finished step 100 / 100: loss ")
    assert out[-1] == "diagnosis: loss decreasing: learning rate looks reasonable"
