"""The weight-initialization experiment: the lecture's script, its statistics, and the
lecture's printed table against the sampling noise over seeds."""

import numpy as np
import pytest

from optbench.perf.threads import single_threaded_blas
from optbench.report.sections.initialization import LECTURE
from optbench.training.init_stats import activation_names, lecture_line, propagate, spread

SEEDS = range(20)


def literal(init, activation, layers, width, samples, seed, batchnorm=False):
    """The lecture's script in NumPy, with the experiment's generator and draw order."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, width))
    out = [X]
    scale = {"small": lambda fan_in: 0.01, "xavier": lambda fan_in: 1 / np.sqrt(fan_in),
             "he": lambda fan_in: 1 / np.sqrt(fan_in / 2)}[init]
    f = {"tanh": np.tanh, "relu": lambda z: np.maximum(0, z)}[activation]
    for _ in range(layers):
        z = rng.standard_normal((X.shape[1], width))
        W = 0.01 * z if init == "small" else z / (1 / scale(X.shape[1]))
        Z = X @ W
        if batchnorm:
            Z = (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + 1e-5)
        X = f(Z)
        out.append(X)
    return out


def test_the_lecture_s_xavier_tanh_table_lies_within_the_sampling_noise():
    """Every layer's std in the lecture's table is within 4 standard deviations (over 20
    seeds) of the mean over those seeds; its means are within 4 too."""
    with single_threaded_blas():  # on a shared machine BLAS threads cost more than they save here
        seeds = spread(SEEDS, init="xavier", activation="tanh")
    stds = np.array([row[2] for row in LECTURE])
    means = np.array([row[1] for row in LECTURE])
    assert seeds.stds.shape == (20, 11)
    z = seeds.z_scores(stds)
    assert np.all(np.abs(z) < 4), z
    assert np.all(np.abs(means - seeds.mean_mean) < 4 * seeds.mean_spread)
    # and the noise is small: the table is the lecture's shape, not just a wide band
    assert np.all(seeds.std_spread < 0.01 * seeds.std_mean)


@pytest.mark.parametrize("init, activation, batchnorm", [
    ("xavier", "tanh", False), ("small", "tanh", False), ("he", "relu", False), ("xavier", "tanh", True)])
def test_the_activations_are_the_lecture_s_script(init, activation, batchnorm):
    result = propagate(init, activation, layers=4, width=60, samples=80, seed=3, batchnorm=batchnorm)
    want = literal(init, activation, 4, 60, 80, 3, batchnorm)
    assert len(result.activations) == 5
    for got, expected in zip(result.activations, want):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(result.means, [np.mean(a) for a in result.activations])
    np.testing.assert_array_equal(result.stds, [np.std(a) for a in result.activations])
    assert [row["layer"] for row in result.rows()] == [0, 1, 2, 3, 4]


def test_the_printout_is_in_the_lecture_s_format():
    assert lecture_line(0, 0.0018, 1.001311) == "input layer had mean 0.001800 and std 1.001311"
    assert lecture_line(10, 0.000139, 0.228008) == "hidden layer 10 had mean 0.000139 and std 0.228008"
    result = propagate(layers=2, width=10, samples=20)
    assert result.lines() == [lecture_line(r["layer"], r["mean"], r["std"]) for r in result.rows()]


def test_the_three_inits_behave_as_the_docstring_derives():
    small = propagate("small", "tanh", keep=False)
    assert small.stds[10] < 1e-4 * small.stds[0]
    ratios = small.stds[2:6] / small.stds[1:5]  # ~ sqrt(500 * 1e-4) per layer
    np.testing.assert_allclose(ratios, np.sqrt(0.05), rtol=0.05)
    xavier_relu = propagate("xavier", "relu")
    he_relu = propagate("he", "relu")
    mean_square = lambda result: np.array([np.mean(a * a) for a in result.activations])  # noqa: E731
    np.testing.assert_allclose(mean_square(xavier_relu)[1:] / mean_square(xavier_relu)[:-1], 0.5, rtol=0.15)
    np.testing.assert_allclose(mean_square(he_relu)[1:], 1.0, rtol=0.3)
    normalized = propagate("small", "tanh", batchnorm=True, keep=False)
    np.testing.assert_allclose(normalized.stds[1:], normalized.stds[1], rtol=0.01)


def test_float32_runs_in_float32_near_float64():
    single = propagate(layers=3, width=50, samples=100, dtype="float32")
    double = propagate(layers=3, width=50, samples=100, dtype="float64")
    assert all(a.dtype == np.float32 for a in single.activations)
    np.testing.assert_allclose(single.stds, double.stds, rtol=1e-5)


def test_every_elementwise_activation_and_keep():
    assert activation_names() == ("elu", "leaky_relu", "relu", "sigmoid", "tanh")
    for name in activation_names():
        result = propagate("he", name, layers=2, width=8, samples=16, keep=False)
        assert result.activations == [] and np.all(np.isfinite(result.stds))


@pytest.mark.parametrize("settings, error", [
    ({"init": "orthogonal"}, "unknown init 'orthogonal'"),
    ({"activation": "maxout"}, "unknown activation 'maxout'"),
    ({"layers": 0}, "layers"),
    ({"width": 0}, "width"),
    ({"seed": -1}, "seed"),
    ({"samples": 1, "batchnorm": True}, "samples"),
])
def test_bad_settings_are_refused(settings, error):
    with pytest.raises(ValueError, match=error):
        propagate(**settings)
    with pytest.raises(TypeError, match="dtype"):
        propagate(dtype="float16")
    with pytest.raises(ValueError, match="two seeds"):
        spread([0])
