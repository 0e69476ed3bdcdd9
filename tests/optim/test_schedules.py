"""Learning-rate schedules: the lecture's decay formulas, evaluated at updates completed."""

import math

import numpy as np
import pytest

import optbench


def test_formulas():
    assert optbench.schedule("constant", 0.1)(1000) == 0.1
    step = optbench.schedule("step", 0.1, drop=0.5, every=100)
    assert [step(t) for t in (0, 99, 100, 250)] == [0.1, 0.1, 0.05, 0.025]
    assert optbench.schedule("exponential", 0.1, k=0.01)(50) == pytest.approx(0.1 * math.exp(-0.5))
    assert optbench.schedule("inverse_time", 0.1, k=0.01)(50) == pytest.approx(0.1 / 1.5)


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_evaluated_at_the_updates_completed_before_this_one(backend):
    """sgd moves x by exactly lr(t) * dx at update t + 1, for t = 0, 1, 2, ..."""
    lr = optbench.schedule("step", 1.0, drop=0.5, every=1)
    opt = optbench.optimizer("sgd", backend=backend, learning_rate=lr)
    x = np.zeros(1)
    state = opt.init(x)
    moves = []
    for _ in range(4):
        before = x.copy()
        opt.update(x, np.ones(1), state)
        moves.append(float(before[0] - x[0]))
    assert moves == [1.0, 0.5, 0.25, 0.125]


@pytest.mark.parametrize("rule", optbench.rule_names())
def test_every_rule_accepts_a_schedule(rule):
    lr = optbench.schedule("inverse_time", 1e-2, k=0.1)
    x = np.ones(4)
    opt = optbench.optimizer(rule, backend="cpu", learning_rate=lr)
    opt.update(x, np.ones(4), opt.init(x))
    assert np.all(x < 1)


@pytest.mark.parametrize(
    "kind, options, words",
    [
        ("cosine", {}, ["unknown schedule", "inverse_time"]),
        ("step", {"drop": 0.5}, ["needs", "every"]),
        ("step", {"drop": 0.5, "every": 0}, ["every"]),
        ("step", {"drop": 1.5, "every": 3}, ["drop"]),
        ("exponential", {"k": -1.0}, ["k", ">= 0"]),
        ("exponential", {"k": 0.1, "drop": 0.5}, ["unknown option", "drop"]),
        ("constant", {"k": 0.1}, ["unknown option"]),
    ],
)
def test_bad_schedules_are_refused_by_name(kind, options, words):
    with pytest.raises(ValueError) as raised:
        optbench.schedule(kind, 0.1, **options)
    for word in words:
        assert word in str(raised.value)


def test_negative_or_nan_base_rate_is_refused():
    with pytest.raises(ValueError, match="learning_rate"):
        optbench.schedule("exponential", -0.1, k=0.1)
    with pytest.raises(ValueError, match="NaN"):
        optbench.schedule("step", float("nan"), drop=0.5, every=2)
