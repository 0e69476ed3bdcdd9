"""The mlp problem: layout, the literal NumPy forward pass, gradient checks of every
block combination, two_layer as a special case, batch norm's running averages, dropout's
masks, and bad options."""

import importlib

import numpy as np
import pytest

from optbench.blocks.batchnorm import batchnorm_backward
from optbench.cli import main
from optbench.problems import classifier as classifier_module
from optbench.problems import get_problem, problem_options
from optbench.problems import mlp as mlp_module
from optbench.problems.mlp import ACTIVATIONS
from optbench.reference.blocks import batchnorm as reference_batchnorm
from optbench.reference.blocks import dropout as reference_dropout
from optbench.reference.blocks import init as reference_init
from optbench.reference.rules.adam import adam
from optbench.verification.gradient import gradient_check, noise_floor

PASS = 1e-6  # the largest relative error a correct float64 gradient may show
H = 1e-5
KINKED = ("relu", "leaky_relu", "elu")  # non-smooth at 0 (ELU's second derivative jumps)


@pytest.fixture(scope="module", autouse=True)
def kernels_from_the_usual_cache():
    """Load every activation's kernels once, before conftest points OPTBENCH_CACHE_DIR at a
    fresh folder for each test (where they would be compiled afresh: seconds each)."""
    for forward, backward in ACTIVATIONS.values():
        z = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
        backward(np.ones_like(z), forward(z)[1])


def reference_forward(problem, x, indices):
    """(loss, pre-activations z_l, scores) on the training images `indices`, in train mode, by
    the literal NumPy blocks of optbench.reference.blocks; dropout's seeds as
    optbench.problems.mlp's docstring says."""
    params = problem.params(x)
    L = problem.hidden_layers
    seeds = np.random.SeedSequence(np.asarray(indices)).generate_state(L, np.uint64)
    activation = importlib.import_module(f"optbench.reference.blocks.{problem.activation}")
    h = problem.data.X_train[indices]
    zs = []
    for layer in range(1, L + 1):
        z = h.dot(params[f"W{layer}"]) + params[f"b{layer}"]
        if problem.batchnorm:
            z, _ = reference_batchnorm.batchnorm_forward(z, params[f"gamma{layer}"], params[f"beta{layer}"],
                                                         {"mode": "train"})
        zs.append(z)
        h, _ = getattr(activation, f"{problem.activation}_forward")(z)
        if problem.dropout < 1:
            h, _ = reference_dropout.dropout_forward(h, {"p": problem.dropout, "mode": "train",
                                                         "seed": int(seeds[layer - 1])})
    scores = h.dot(params[f"W{L + 1}"]) + params[f"b{L + 1}"]
    y = problem.data.y_train[indices]
    probs = np.exp(scores - np.max(scores, axis=1, keepdims=True))
    probs /= np.sum(probs, axis=1, keepdims=True)
    data_loss = -np.mean(np.log(probs[np.arange(len(y)), y]))
    reg_loss = 0.5 * problem.reg * sum(np.sum(params[w] * params[w]) for w in problem.weights)
    return data_loss + reg_loss, zs, scores


def kink_free(problem, x, indices, coordinates, h=H):
    """The coordinates whose +-2h perturbation flips no pre-activation's sign."""
    if problem.activation not in KINKED:
        return coordinates
    signs = [z > 0 for z in reference_forward(problem, x, indices)[1]]
    keep = []
    for i in coordinates:
        flips = False
        for step in (2 * h, -2 * h):
            moved = x.copy()
            moved[i] += step
            flips |= any(np.any((z > 0) != s) for z, s in zip(reference_forward(problem, moved, indices)[1], signs))
        if not flips:
            keep.append(i)
    return np.array(keep, dtype=np.intp)


CONFIGS = [
    *(dict(activation=name, width=8) for name in ACTIVATIONS),
    dict(activation="relu", width=8, batchnorm=True),
    dict(activation="sigmoid", width=8, batchnorm=True),
    dict(activation="relu", width=8, dropout=0.5),
    dict(activation="tanh", width=8, dropout=0.7),
    dict(activation="elu", width=6, hidden_layers=3, batchnorm=True, dropout=0.8),
    dict(activation="leaky_relu", width=6, hidden_layers=3, init="small"),
]


def config_id(options):
    return ",".join(f"{k}={v}" for k, v in options.items())


@pytest.mark.parametrize("options", CONFIGS, ids=config_id)
def test_gradient_on_a_few_images(options):
    """The lecture's gradient check: 10 images, h = 1e-5, derivatives below the rounding
    noise floored (as `optbench gradcheck`), coordinates next to a kink left out."""
    problem = get_problem("mlp", reg=0.05, **options)
    x = problem.x0(seed=1)
    if problem.batchnorm:  # gamma and beta away from their start, so that their gradients mean something
        rng = np.random.default_rng(2)
        for layer in range(1, problem.hidden_layers + 1):
            problem.params(x)[f"gamma{layer}"][...] = rng.uniform(0.5, 1.5, problem.width)
            problem.params(x)[f"beta{layer}"][...] = rng.uniform(-0.5, 0.5, problem.width)
    batch = problem.sample_batch(np.random.default_rng(3), 10)

    def fun(z):
        return problem.batch_loss_and_gradient(z, batch)

    f = fun(x)[0]
    assert f == pytest.approx(reference_forward(problem, x, batch)[0], rel=1e-12)
    coordinates = np.sort(np.random.default_rng(4).choice(problem.n, size=min(problem.n, 150), replace=False))
    checked = kink_free(problem, x, batch, coordinates)
    assert checked.size >= 0.9 * coordinates.size
    check = gradient_check(fun, x, h=H, indices=checked, floor=noise_floor(f, H, PASS))
    assert check.max_relative_error < PASS, (check.worst_index, check.max_relative_error)


def dropout_forgotten_in_backward(dout, cache):
    return dout


def dgamma_off_by_one_percent(dout, cache):
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    return dx, 1.01 * dgamma, dbeta


@pytest.mark.parametrize("name, wrong", [("dropout_backward", dropout_forgotten_in_backward),
                                         ("batchnorm_backward", dgamma_off_by_one_percent)])
def test_the_check_rejects_a_wrong_backward_pass(monkeypatch, name, wrong):
    problem = get_problem("mlp", activation="tanh", width=8, batchnorm=True, dropout=0.5)
    x = problem.x0(seed=1)
    batch = problem.sample_batch(np.random.default_rng(3), 10)
    monkeypatch.setattr(mlp_module, name, wrong)
    f = problem.batch_loss_and_gradient(x, batch)[0]
    check = gradient_check(lambda z: problem.batch_loss_and_gradient(z, batch), x, h=H, indices=150, seed=4,
                           floor=noise_floor(f, H, PASS))
    assert check.max_relative_error > 1e-3


@pytest.mark.parametrize("options", [dict(activation="tanh", batchnorm=True, dropout=0.6),
                                     dict(activation="sigmoid", hidden_layers=3)], ids=config_id)
def test_gradient_of_the_full_batch(options):
    """loss_and_gradient, the fixed function of x that L-BFGS minimizes: all 1437 images,
    batch norm on the full set's statistics, dropout masks fixed."""
    problem = get_problem("mlp", width=6, **options)
    x = problem.x0(seed=0)
    f = problem.loss(x)
    assert f == pytest.approx(reference_forward(problem, x, np.arange(problem.n_train))[0], rel=1e-12)
    check = gradient_check(problem.loss_and_gradient, x, h=H, indices=80, seed=5, floor=noise_floor(f, H, PASS))
    assert check.max_relative_error < PASS


def test_one_hidden_relu_layer_is_two_layer_to_the_bit():
    two_layer = get_problem("two_layer", hidden_size=12, reg=0.02)
    mlp = get_problem("mlp", hidden_layers=1, width=12, activation="relu", init="xavier", reg=0.02)
    assert mlp.shapes == two_layer.shapes and mlp.n == two_layer.n
    x = two_layer.x0(seed=2)
    np.testing.assert_allclose(mlp.x0(seed=2), x, rtol=1e-15, atol=0)  # z / sqrt(fan_in) against z * (1 / sqrt)
    f, g = mlp.loss_and_gradient(x)
    want_f, want_g = two_layer.loss_and_gradient(x)
    assert f == want_f
    np.testing.assert_array_equal(g, want_g)
    batch = np.arange(0, 1437, 7)
    assert mlp.batch_loss_and_gradient(x, batch)[0] == two_layer.batch_loss_and_gradient(x, batch)[0]
    np.testing.assert_array_equal(mlp.predict_proba(x, "val"), two_layer.predict_proba(x, "val"))


def test_layout_and_start_point():
    problem = get_problem("mlp", hidden_layers=2, width=7, batchnorm=True, init="xavier")
    assert list(problem.shapes) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert problem.weights == ("W1", "W2", "W3")
    assert problem.shapes["W1"] == (64, 7) and problem.shapes["W2"] == (7, 7) and problem.shapes["W3"] == (7, 10)
    assert problem.n == 64 * 7 + 3 * 7 + 7 * 7 + 3 * 7 + 7 * 10 + 10
    x = problem.x0(seed=4)
    params = problem.params(x)
    assert all(np.shares_memory(view, x) for view in params.values())
    rng = np.random.default_rng(4)
    for name in problem.weights:
        np.testing.assert_array_equal(params[name], reference_init.weight_init(*problem.shapes[name], "xavier", rng))
    assert np.all(params["gamma1"] == 1.0) and np.all(params["gamma2"] == 1.0)
    assert not any(np.any(params[name]) for name in ("b1", "beta1", "b2", "beta2", "b3"))


@pytest.mark.parametrize("activation, init", [("relu", "he"), ("leaky_relu", "he"), ("elu", "he"),
                                              ("tanh", "xavier"), ("sigmoid", "xavier")])
def test_the_default_init_follows_the_activation(activation, init):
    problem = get_problem("mlp", activation=activation)
    assert problem.init == init and problem.options["init"] == init
    assert get_problem("mlp", activation=activation, init="small").init == "small"


def test_defaults():
    assert problem_options("mlp") == {"hidden_layers": 2, "width": 50, "activation": "relu", "init": None,
                                      "batchnorm": False, "dropout": 1.0, "reg": 1e-3}
    problem = get_problem("mlp")
    assert problem.n == 64 * 50 + 50 + 50 * 50 + 50 + 50 * 10 + 10 and problem.init == "he"


def test_dropout_masks_are_a_fixed_function_of_the_images():
    problem = get_problem("mlp", width=10, dropout=0.5)
    x = problem.x0()
    f, g = problem.loss_and_gradient(x)
    again = problem.loss_and_gradient(x)
    assert again[0] == f and np.array_equal(again[1], g)
    everything = problem.batch_loss_and_gradient(x, np.arange(problem.n_train))
    assert everything[0] == f and np.array_equal(everything[1], g)
    batch = np.arange(20)
    assert problem.batch_loss_and_gradient(x, batch)[0] == problem.batch_loss_and_gradient(x, batch)[0]
    # the same images in another order are another batch, with other masks
    assert problem.batch_loss_and_gradient(x, batch[::-1])[0] != problem.batch_loss_and_gradient(x, batch)[0]
    # evaluation runs no dropout: the net without it scores the same
    plain = get_problem("mlp", width=10)
    np.testing.assert_array_equal(problem.predict_proba(x, "val"), plain.predict_proba(x, "val"))
    assert problem.loss_parts(x, "val") == plain.loss_parts(x, "val")
    assert problem.loss(x) != plain.loss(x)


def test_running_averages_follow_the_train_mode_evaluations():
    problem = get_problem("mlp", width=5, batchnorm=True)
    x = problem.x0()
    fresh = problem.predict_proba(x, "train")
    batch = np.arange(100, 150)
    z1 = problem.data.X_train[batch] @ problem.params(x)["W1"] + problem.params(x)["b1"]
    problem.batch_loss_and_gradient(x, batch)
    np.testing.assert_allclose(problem.bn_params[0]["running_mean"], 0.1 * z1.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(problem.bn_params[0]["running_var"], 0.9 + 0.1 * z1.var(axis=0), rtol=1e-12)
    before = [{key: bn_param[key].copy() for key in ("running_mean", "running_var")} for bn_param in problem.bn_params]
    problem.predict_proba(x, "train")
    problem.accuracy(x, "val")
    problem.loss_parts(x, "val")
    for bn_param, saved in zip(problem.bn_params, before):  # evaluation leaves them alone
        for key, value in saved.items():
            np.testing.assert_array_equal(bn_param[key], value)
    # after many full-batch evaluations they are the full set's statistics (0.9^200 ~ 1e-9
    # of the start left), so test mode scores the training set as train mode does
    for _ in range(200):
        problem.loss_and_gradient(x)
    settled = problem.predict_proba(x, "train")
    assert np.abs(settled - fresh).max() > 1e-3
    scores = reference_forward(problem, x, np.arange(problem.n_train))[2]
    want = np.exp(scores - scores.max(axis=1, keepdims=True))
    np.testing.assert_allclose(settled, want / want.sum(axis=1, keepdims=True), rtol=0, atol=1e-7)
    problem.reset_running_averages()
    np.testing.assert_array_equal(problem.predict_proba(x, "train"), fresh)


def test_f_star_leaves_the_running_averages_as_they_were(monkeypatch):
    problem = get_problem("mlp", width=5, batchnorm=True)
    x = problem.x0()
    problem.batch_loss_and_gradient(x, np.arange(30))
    saved = [(p["running_mean"].copy(), p["running_var"].copy()) for p in problem.bn_params]

    def few_evaluations(p):
        for seed in range(3):
            p.loss_and_gradient(p.x0(seed))
        return 0.5

    monkeypatch.setattr(classifier_module, "best_known_f_star", few_evaluations)
    assert problem.f_star == 0.5
    for bn_param, (mean, var) in zip(problem.bn_params, saved):
        np.testing.assert_array_equal(bn_param["running_mean"], mean)
        np.testing.assert_array_equal(bn_param["running_var"], var)


@pytest.mark.parametrize("options", [dict(), dict(batchnorm=True, dropout=0.8)], ids=config_id)
def test_the_defaults_train_well(options):
    """10 epochs of Adam (learning rate 1e-2, batches of 100; the literal NumPy rule):
    about 97% on the validation split, batch norm evaluated on its running averages."""
    problem = get_problem("mlp", **options)
    x, config, rng = problem.x0(), {"learning_rate": 1e-2}, np.random.default_rng(0)
    for _ in range(10 * problem.n_train // 100):
        x, config = adam(x, problem.batch_loss_and_gradient(x, problem.sample_batch(rng, 100))[1], config)
    assert problem.accuracy(x, "val") > 0.95, problem.accuracy(x, "val")


@pytest.mark.parametrize("options", [["-o", "width=10", "--count", "200"],
                                     ["-o", "width=10", "-o", "batchnorm=True", "-o", "dropout=0.5",
                                      "-o", "activation=tanh", "--count", "200"]])
def test_optbench_gradcheck_passes(capsys, options):
    assert main(["gradcheck", "mlp", *options]) == 0
    assert "pass: at or below 1e-06" in capsys.readouterr().out


@pytest.mark.parametrize(
    "options, error, match",
    [
        (dict(hidden_layers=0), ValueError, "hidden_layers must be >= 1"),
        (dict(hidden_layers=1.5), TypeError, "hidden_layers must be a whole number"),
        (dict(width=0), ValueError, "width must be >= 1"),
        (dict(activation="swish"), ValueError,
         "activation must be one of sigmoid, tanh, relu, leaky_relu, elu; got 'swish'"),
        (dict(init="glorot"), ValueError, "init must be one of small, xavier, he; got 'glorot'"),
        (dict(batchnorm="yes"), TypeError, "batchnorm must be True or False"),
        (dict(dropout=0.0), ValueError, r"dropout must be in \(0, 1\]"),
        (dict(dropout=1.5), ValueError, r"dropout must be in \(0, 1\]"),
        (dict(reg=-1.0), ValueError, "reg must be in"),
    ],
)
def test_bad_options(options, error, match):
    with pytest.raises(error, match=f"problem 'mlp': option {match}"):
        get_problem("mlp", **options)
