"""`optbench conform`: the matrix, a user's own factory, the exit codes."""

import json
import textwrap

import pytest

from optbench.cli import main


def test_a_conforming_library_exits_zero(capsys):
    assert main(["conform", "--library", "torch", "--rule", "adam", "--scenario", "first_step"]) == 0
    out = capsys.readouterr().out
    assert "torch.optim.Adam (fused)" in out and "conforms" in out and "inside torch's own" in out


def test_a_departure_exits_one_and_json_rows_carry_the_verdict(capsys):
    assert main(["conform", "--library", "keras", "--rule", "adam", "--scenario", "first_step", "--dtype", "float32",
                 "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)["rows"]
    row = rows[0]
    for key in ("implementation", "rule", "scenario", "dtype", "verdict", "first_step", "max_error", "variants"):
        assert key in row
    assert (row["verdict"], row["first_step"], row["variants"]) == ("departs", 1, ["epsilon_hat"])


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "my_optimizers.py").write_text(textwrap.dedent("""
        import numpy as np

        def make_sgd(x0):
            x = x0.copy()
            def step(dx, learning_rate):
                x[...] -= learning_rate * dx
                return x
            return step

        def make_rmsprop(x0, decay_rate, epsilon):
            x, cache = x0.copy(), np.zeros_like(x0)
            def step(dx, learning_rate):
                cache[...] = decay_rate * cache + (1 - decay_rate) * dx**2
                x[...] -= learning_rate * dx / np.sqrt(cache + epsilon)
                return x
            return step
    """))
    monkeypatch.chdir(tmp_path)


def test_a_user_factory_from_the_current_folder(user_module, capsys):
    assert main(["conform", "--implementation", "my_optimizers:make_sgd", "--rule", "sgd"]) == 0
    assert main(["conform", "--implementation", "my_optimizers:make_rmsprop", "--rule", "rmsprop",
                 "--scenario", "near_epsilon", "-o", "decay_rate=0.9"]) == 1
    assert "epsilon_inside_sqrt" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--implementation", "my_optimizers", "--rule", "sgd"], "expected MODULE:FACTORY"),
    (["--implementation", "nowhere:make", "--rule", "sgd"], "cannot import 'nowhere'"),
    (["--implementation", "my_optimizers:make_adam", "--rule", "adam"], "has no 'make_adam'"),
    (["--implementation", "my_optimizers:make_sgd"], "exactly one --rule"),
    (["--implementation", "my_optimizers:make_sgd", "--rule", "sgd", "-o", "momentum=0.9"], "unknown hyperparameter"),
    (["--library", "torch", "-o", "beta1=0.5"], "-o sets a hyperparameter"),
])
def test_bad_usage_is_one_line_and_exit_two(user_module, capsys, argv, message):
    assert main(["conform", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench conform: error: ") and message in err and err.count("\n") == 1


def test_an_unknown_library_or_scenario_is_refused_with_the_choices(capsys):
    for argv in (["--library", "tensorflow"], ["--scenario", "stormy"]):
        with pytest.raises(SystemExit) as exit_:
            main(["conform", *argv])
        assert exit_.value.code == 2
        assert "choose from" in capsys.readouterr().err


def test_blocks_against_torch(capsys):
    pytest.importorskip("torch")
    assert main(["conform", "--block", "relu", "--block", "sigmoid", "--library", "torch", "--dtype", "float64"]) == 0
    out = capsys.readouterr().out
    assert "torch.nn.functional" in out and "blocks: 4 passed, 0 failed, 0 skipped" in out


def test_your_own_block_functions(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_layers.py").write_text(
        "import numpy as np\n"
        "def relu_forward(x):\n    return np.maximum(0, x), x\n"
        "def relu_backward(dout, cache):\n    return dout * (cache > 0)\n")
    monkeypatch.chdir(tmp_path)
    assert main(["conform", "--implementation", "my_layers", "--block", "relu", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["blocks"]
    assert {(r["implementation"], r["verdict"]) for r in rows} == {("my_layers", "pass")}


def test_your_own_wrong_block_is_named(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_wrong_layers.py").write_text(
        "import numpy as np\n"
        "def leaky_relu_forward(x, slope=0.1):\n    return np.where(x > 0, slope * x, x), (x, slope)\n"
        "def leaky_relu_backward(dout, cache):\n    x, slope = cache\n    return np.where(x > 0, slope * dout, dout)\n")
    monkeypatch.chdir(tmp_path)
    assert main(["conform", "--implementation", "my_wrong_layers", "--block", "leaky_relu", "--dtype", "float64"]) == 1
    assert "leaky_slope_on_positive_side" in capsys.readouterr().out


def test_block_usage_errors(capsys):
    assert main(["conform", "--implementation", "x", "--block", "relu", "--block", "tanh"]) == 2
    assert main(["conform", "--block", "relu", "--library", "optax"]) == 2
    assert "blocks have implementations in" in capsys.readouterr().err
