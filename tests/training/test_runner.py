"""`optbench.run`: convergence, the record, divergence without a traceback, bad input."""

import json
import math

import numpy as np
import pytest

import optbench
from optbench.problems import get_problem

# A learning rate that reaches f - f* <= 1e-3 (f0 - f*) on the default 2-D bowl
# (curvatures 1/100 and 1) well within 1000 updates.
RATES = (1e-3, 1e-2, 0.1, 0.3, 1.0)  # a coarse log grid, as the lecture searches


@pytest.mark.parametrize("rule", optbench.rule_names())
def test_each_rule_reaches_the_target_on_the_quadratic(rule):
    """At the best rate of a coarse grid (no per-rule table: a new rule is tested as it is)."""
    records = [optbench.run(rule, "quadratic", steps=1000, learning_rate=lr) for lr in RATES]
    record = min(records, key=lambda r: r.final_gap if not r.diverged else float("inf"))
    assert record.steps_to_target is not None and record.steps_to_target < 1000
    assert record.seconds_to_target <= record.seconds[-1]
    assert not record.diverged
    assert record.final_gap <= 1e-3 * (record.f0 - record.f_star)
    assert record.diagnosis == "loss decreasing: learning rate looks reasonable"
    assert len(record.loss) == len(record.grad_norm) == len(record.seconds) == record.steps == 1000


def test_record_loss_is_the_full_loss_at_each_iterate():
    problem = get_problem("quadratic")
    record = optbench.run("sgd", problem, steps=50, learning_rate=0.5, seed=3)
    x = problem.x0(3)
    for k in range(50):
        f, g = problem.loss_and_gradient(x)
        assert record.loss[k] == pytest.approx(f, rel=1e-12)
        assert record.grad_norm[k] == pytest.approx(np.linalg.norm(g), rel=1e-12)
        x = x - 0.5 * g
    np.testing.assert_allclose(record.x, x, rtol=1e-12)
    assert record.f0 == record.loss[0]
    assert np.all(np.diff(record.seconds) >= 0)
    # The first k with f(x_k) - f* <= tol (f0 - f*), over the losses and the final one.
    exact = np.append(record.loss, record.f_final)
    expected = np.flatnonzero(exact <= 1e-3 * record.f0)
    assert record.steps_to_target == (int(expected[0]) if expected.size else None)


def test_reference_backend_gives_the_same_run():
    cpu = optbench.run("adam", "rosenbrock", steps=200, learning_rate=0.01, backend="cpu")
    reference = optbench.run("adam", "rosenbrock", steps=200, learning_rate=0.01, backend="reference")
    np.testing.assert_allclose(cpu.loss, reference.loss, rtol=1e-12)


def test_float32_run():
    record = optbench.run("sgd", "quadratic", steps=200, learning_rate=1.0, dtype="float32")
    assert record.x.dtype == np.float32 and record.settings["dtype"] == "float32"
    assert record.steps_to_target is not None


def test_a_schedule_is_accepted_and_used():
    steps = optbench.schedule("step", 1.0, drop=0.5, every=10)
    decayed = optbench.run("sgd", "quadratic", steps=40, learning_rate=steps)
    constant = optbench.run("sgd", "quadratic", steps=40, learning_rate=1.0)
    assert decayed.loss[10] == constant.loss[10] and decayed.loss[11] != constant.loss[11]
    assert decayed.settings["learning_rate"] == {
        "kind": "step", "learning_rate": 1.0, "drop": 0.5, "every": 10, "k": 0.0
    }


@pytest.mark.parametrize("problem, learning_rate", [("quadratic", 3.0), ("rosenbrock", 1.0)])
def test_divergence_is_caught_without_a_traceback(problem, learning_rate):
    record = optbench.run("sgd", problem, steps=1000, learning_rate=learning_rate)
    assert record.diverged
    assert record.steps < 1000
    assert record.message.startswith(f"stopped at step {record.steps}: ")
    assert "learning rate is probably too high" in record.message
    assert record.diagnosis == "loss exploding: learning rate is probably too high"
    assert record.steps_to_target is None
    json.dumps(record.to_dict(), allow_nan=False)


class Cliff:
    """f(x) = x^2, undefined (nan) beyond |x| = 3: a problem object of one's own."""

    name = "cliff"
    n = 1
    f_star = 0.0

    def x0(self, seed=0):
        return np.ones(1)

    def loss_and_gradient(self, x):
        return (float(x[0] ** 2) if abs(x[0]) < 3 else math.nan), 2 * x


def test_nan_loss_stops_the_run():
    # x -> (1 - 2.4) x: |x| = 1, 1.4, 1.96, 2.74, then past the cliff before f grows tenfold.
    record = optbench.run("sgd", Cliff(), steps=100, learning_rate=1.2)
    assert record.diverged and record.steps == 4
    assert record.message == "stopped at step 4: loss is nan — learning rate is probably too high"
    assert record.to_dict()["loss"][-1] is None
    assert record.diagnosis == "loss exploding: learning rate is probably too high"


def test_to_dict_is_json():
    record = optbench.run("adam", "quadratic", steps=20, average=0.9)
    data = json.loads(json.dumps(record.to_dict(), allow_nan=False))
    assert data["rule"] == "adam" and data["steps"] == 20 and "x" not in data
    assert len(data["loss"]) == 20 and data["settings"]["average"] == 0.9
    with_parameters = record.to_dict(parameters=True)
    assert len(with_parameters["x"]) == 2 and len(with_parameters["x_test"]) == 2


def test_running_average_follows_the_lecture():
    decay = 0.9
    problem = get_problem("quadratic")
    record = optbench.run("sgd", problem, steps=30, learning_rate=0.5, average=decay)
    x = problem.x0(0)
    x_test = x.copy()
    for _ in range(30):
        x = x - 0.5 * problem.gradient(x)
        x_test = decay * x_test + (1 - decay) * x
    np.testing.assert_allclose(record.x_test, x_test, rtol=1e-12)


def test_mini_batch_run_on_a_data_problem():
    problem = get_problem("softmax")
    record = optbench.run("sgd_momentum", problem, epochs=3, batch_size=100, learning_rate=0.05,
                          checkpoints=2, f_star=0.0)
    per_epoch = problem.n_train // 100
    assert record.steps == 3 * per_epoch == len(record.loss)
    assert [e["epoch"] for e in record.epochs] == [1, 2, 3]
    assert [e["step"] for e in record.epochs] == [per_epoch, 2 * per_epoch, 3 * per_epoch]
    assert record.epochs[-1]["cost"] == pytest.approx(record.f_final)
    assert record.epochs[-1]["cost"] < record.epochs[0]["cost"] < record.f0
    assert all(0.0 <= e["val_acc"] <= 1.0 and e["lr"] == 0.05 for e in record.epochs)
    assert len(record.checkpoints) == 2
    np.testing.assert_array_equal(record.checkpoints[-1], record.x)
    assert record.message == f"finished {3 * per_epoch} steps (3 epochs)"


def test_full_batch_epochs_are_single_updates():
    record = optbench.run("sgd", "softmax", epochs=2, learning_rate=0.1, f_star=0.0)
    assert record.steps == 2 and len(record.epochs) == 2


def test_caller_x0_is_copied_not_modified():
    x0 = np.array([0.5, -0.5])
    record = optbench.run("sgd", "quadratic", steps=10, x0=x0, learning_rate=0.5)
    np.testing.assert_array_equal(x0, [0.5, -0.5])
    assert record.f0 == pytest.approx(0.5 * (0.01 * 0.25 + 0.25))


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"rule": "adamw"}, ValueError, ["unknown rule 'adamw'", "sgd"]),
        ({"problem": "beale"}, ValueError, ["unknown problem 'beale'", "quadratic"]),
        ({"problem": object()}, TypeError, ["problem must be a name", "quadratic"]),
        ({"x0": np.zeros(3)}, ValueError, ["x0 has shape (3,)", "(2,)"]),
        ({"x0": np.array([np.nan, 1.0])}, ValueError, ["1 nan/inf", "finite"]),
        ({"x0": np.array([1e300, 1.0]), "dtype": "float32"}, ValueError, ["nan/inf", "float32"]),
        ({"x0": ["a", "b"]}, TypeError, ["real numbers"]),
        ({"steps": None}, ValueError, ["exactly one of steps or epochs"]),
        ({"epochs": 3}, ValueError, ["exactly one of steps or epochs"]),
        ({"steps": None, "epochs": 3}, ValueError, ["no training set", "softmax", "two_layer"]),
        ({"batch_size": 10}, ValueError, ["no training set", "batch_size"]),
        ({"steps": 0}, ValueError, ["steps must be >= 1"]),
        ({"steps": 2.5}, TypeError, ["steps must be a whole number"]),
        ({"backend": "cuda"}, ValueError, ["host", "cpu"]),
        ({"dtype": "float16"}, TypeError, ["float32", "float64"]),
        ({"tol": 1.5}, ValueError, ["tol must be in (0, 1)"]),
        ({"seed": -1}, ValueError, ["seed must be >= 0"]),
        ({"average": 1.0}, ValueError, ["decay must be in [0, 1)"]),
        ({"checkpoints": 2}, ValueError, ["no epochs", "checkpoints=0"]),
        ({"f_star": math.nan}, ValueError, ["f_star must not be NaN"]),
        ({"learning_rate": -1.0}, ValueError, ["learning_rate"]),
        ({"beta1": 0.9}, ValueError, ["unknown hyperparameter", "sgd"]),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, error, words):
    arguments = {"rule": "sgd", "problem": "quadratic", "steps": 10, **kwargs}
    with pytest.raises(error) as info:
        optbench.run(**arguments)
    for word in words:
        assert word in str(info.value)


def test_bad_batch_size_on_a_data_problem():
    problem = get_problem("softmax")
    with pytest.raises(ValueError, match="batch_size must be at most the 1437"):
        optbench.run("sgd", problem, steps=1, batch_size=5000, f_star=0.0)


def test_non_finite_start_loss_is_refused():
    with pytest.raises(ValueError, match="loss at the start point is inf"):
        optbench.run("sgd", "rosenbrock", steps=1, x0=np.array([1e200, 1.0]))
