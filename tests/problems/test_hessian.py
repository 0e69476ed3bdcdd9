"""Every problem's Hessian: against centred differences of its gradient at x0 and at a
random point, products against the dense matrix, symmetry, the closed forms' known
values, mini-batch Hessians, batch norm's running averages, and bad directions.

Tolerances. The check is `optbench.verification.hessian`'s: an entry must match the
difference quotient of the gradient (h = 1e-5) to PASS = 1e-6 relatively, or to the
quotient's rounding noise, 10 eps max|g| / h, where it is below noise / PASS (for mlp's
differenced Hessian, to its own error, DIFFERENCED_ERROR max |H|, below that / PASS). Products
computed exactly (closed form, R-operator) equal the dense matrix to rounding: a column
of H V is a sum of n products, each within max|H| |v|_inf, so EXACT = 1e-12 of
max|H| |v|_inf is n eps (n <= 650 here) with a margin of ten. Differenced products (mlp)
are estimates with steps t ~ 6e-6: a random direction's differs from H v by the
truncation and rounding of two such estimates, DIFFERENCED = 1e-6 of max |H v|.
"""

import numpy as np
import pytest

from optbench.problems import get_problem, problem_names
from optbench.problems.mlp import ACTIVATIONS
from optbench.problems.problem import CLOSED_FORM, DIFFERENCED_GRADIENTS, EXACT_PRODUCTS
from optbench.verification.gradient import noise_floor
from optbench.checks import symmetry_error, symmetry_tolerance
from optbench.verification.hessian import differenced_floor, hessian_check

PASS = 1e-6
H = 1e-5
EXACT = 1e-12
DIFFERENCED = 1e-6
BATCH = 20  # images in the loss of the ReLU nets' checks: few kinks within h of x

# (options, images): images None checks the full-batch `hessian`, else the loss on that
# many training images (`batch_hessian`). The full-batch two_layer is checked on the
# columns whose +-2h perturbation moves no unit of the 1437 x 5 across its kink
# (`kink_free`); mlp's full batch is checked by products only (its dense differenced
# Hessian costs 2n full gradients).
CASES = {
    "quadratic 2-D": (dict(name="quadratic"), None),
    "quadratic rotated": (dict(name="quadratic", n=30, condition=1e4), None),
    "quadratic diagonal": (dict(name="quadratic", n=30, rotate=False), None),
    "rosenbrock 2-D": (dict(name="rosenbrock"), None),
    "rosenbrock 9-D": (dict(name="rosenbrock", n=9), None),
    "softmax": (dict(name="softmax"), None),
    "softmax batch": (dict(name="softmax", reg=0.1), BATCH),
    "two_layer": (dict(name="two_layer", hidden_size=5), None),
    "two_layer batch": (dict(name="two_layer", hidden_size=5, reg=0.01), BATCH),
    "mlp batch": (dict(name="mlp", width=5), BATCH),
    "mlp tanh dropout batch": (dict(name="mlp", width=4, activation="tanh", dropout=0.7), BATCH),
}
FULL_BATCH_MLP = [dict(width=4, activation="sigmoid"), dict(width=4, activation="tanh", batchnorm=True, dropout=0.7)]
MLP_CONFIGS = [options for options, _ in CASES.values() if options["name"] == "mlp"] + [
    dict(name="mlp", **options) for options in FULL_BATCH_MLP]


@pytest.fixture(scope="module", autouse=True)
def kernels_from_the_usual_cache():
    """Load mlp's kernels once, before conftest points OPTBENCH_CACHE_DIR at a fresh
    folder for each test (where they would be compiled afresh: seconds each)."""
    for forward, backward in ACTIVATIONS.values():
        z = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
        backward(np.ones_like(z), forward(z)[1])
    for options in MLP_CONFIGS:
        problem = get_problem(**options)
        problem.batch_loss_and_gradient(problem.x0(), np.arange(4))


def test_every_problem_has_hessian_cases():
    assert sorted({options["name"] for options, _ in CASES.values()}) == sorted(problem_names())


def objective(problem, images, seed=0):
    """(gradient, dense Hessian, products) of the full loss, or of the loss on `images` images."""
    if images is None:
        return problem.gradient, problem.hessian, problem.hessian_vectors
    batch = problem.sample_batch(np.random.default_rng(seed), images)
    return ((lambda x: problem.batch_loss_and_gradient(x, batch)[1]), (lambda x: problem.batch_hessian(x, batch)),
            (lambda x, V: np.column_stack([problem.batch_hessian_vector_product(x, v, batch) for v in V.T])))


def random_point(problem):
    """Away from x0: uniform in [-2, 2]^n for the test functions, x0 plus noise for the nets."""
    rng = np.random.default_rng(7)
    if problem.name in ("quadratic", "rosenbrock"):
        return rng.uniform(-2.0, 2.0, problem.n)
    return problem.x0(seed=1) + 0.05 * rng.standard_normal(problem.n)


def kink_free(problem, x, h=H):
    """The columns of two_layer's full-batch Hessian whose +-2h perturbation flips no ReLU."""
    if problem.name != "two_layer":
        return np.arange(problem.n)
    params, X = problem.params(x), problem.data.X_train
    margin = np.abs(X @ params["W1"] + params["b1"])  # N x H distances to the kinks
    with np.errstate(divide="ignore"):
        w1_margin = np.min(margin[:, None, :] / np.abs(X)[:, :, None], axis=0)
    mask = problem.params(np.ones(problem.n, dtype=bool))
    mask["W1"][...] = w1_margin > 2 * h
    mask["b1"][...] = margin.min(axis=0) > 2 * h
    return np.flatnonzero(np.concatenate([m.ravel() for m in mask.values()]))


@pytest.mark.parametrize("point", ["x0", "random"])
@pytest.mark.parametrize("case", CASES)
def test_hessian_matches_differences_of_the_gradient(case, point):
    options, images = CASES[case]
    problem = get_problem(**options)
    x = problem.x0(seed=0) if point == "x0" else random_point(problem)
    gradient, hessian, _ = objective(problem, images)
    scale = float(np.max(np.abs(gradient(x))))
    columns = kink_free(problem, x) if images is None else np.arange(problem.n)
    assert columns.size > 0.8 * problem.n
    check = hessian_check(gradient, hessian, x, h=H, indices=columns, floor=noise_floor(scale, H, PASS),
                          relative_floor=relative_floor(problem))
    assert check.max_relative_error < PASS, (check.worst, check.max_relative_error)
    assert check.symmetric, check.symmetry_error


def relative_floor(problem):
    return differenced_floor(PASS) if problem.hessian_method == DIFFERENCED_GRADIENTS else 0.0


@pytest.mark.parametrize("options", FULL_BATCH_MLP)
def test_mlp_full_batch_products_match_differences(options):
    """Smooth activations: on all 1437 images some ReLU unit always lies within h of its kink."""
    problem = get_problem("mlp", **options)
    x = problem.x0(seed=0)
    scale = float(np.max(np.abs(problem.gradient(x))))
    check = hessian_check(problem.gradient, problem.hessian_vectors, x, h=H, indices=6, seed=2,
                          floor=noise_floor(scale, H, PASS), form="products", relative_floor=differenced_floor(PASS))
    assert check.max_relative_error < PASS, (check.worst, check.max_relative_error)


@pytest.mark.parametrize("case", CASES)
def test_products_are_the_dense_hessian_times_the_directions(case):
    options, images = CASES[case]
    problem = get_problem(**options)
    x = random_point(problem)
    _, hessian, products = objective(problem, images)
    dense = hessian(x)
    rng = np.random.default_rng(3)
    V = rng.standard_normal((problem.n, 3))
    differenced = problem.hessian_method == DIFFERENCED_GRADIENTS
    tolerance = DIFFERENCED if differenced else EXACT
    want = dense @ V
    scale = np.abs(want).max() if differenced else np.abs(dense).max() * np.abs(V).max()
    np.testing.assert_allclose(products(x, V), want, rtol=0, atol=tolerance * scale)
    columns = rng.choice(problem.n, size=min(problem.n, 5), replace=False)
    units = np.eye(problem.n)[:, columns]
    # columns of a differenced Hessian are the unsymmetrized estimates: within their asymmetry
    atol = tolerance * np.abs(dense).max()
    np.testing.assert_allclose(products(x, units), dense[:, columns], rtol=0, atol=atol)


@pytest.mark.parametrize("case", [case for case, (_, images) in CASES.items() if images is None])
def test_one_product_is_one_column_of_hessian_vectors(case):
    problem = get_problem(**CASES[case][0])
    x = random_point(problem)
    V = np.random.default_rng(4).standard_normal((problem.n, 2))
    both = problem.hessian_vectors(x, V)
    for j in range(2):
        np.testing.assert_allclose(problem.hessian_vector_product(x, np.ascontiguousarray(V[:, j])), both[:, j],
                                   rtol=1e-13, atol=1e-13 * np.abs(both).max())


@pytest.mark.parametrize("case", CASES)
def test_the_dense_hessian_is_symmetric_and_x_is_left_alone(case):
    options, images = CASES[case]
    problem = get_problem(**options)
    x = random_point(problem)
    before = x.copy()
    dense = objective(problem, images)[1](x)
    assert dense.shape == (problem.n, problem.n) and dense.dtype == np.float64
    assert symmetry_error(dense) <= symmetry_tolerance(problem.n)
    np.testing.assert_array_equal(x, before)


def test_zero_direction_gives_zero():
    for problem in (get_problem("rosenbrock", n=4), get_problem("two_layer", hidden_size=3),
                    get_problem("mlp", width=5)):
        assert not np.any(problem.hessian_vector_product(problem.x0(), np.zeros(problem.n)))


def test_methods_are_named():
    methods = {name: get_problem(name).hessian_method for name in ("quadratic", "rosenbrock", "softmax")}
    assert methods == dict.fromkeys(methods, CLOSED_FORM) == dict.fromkeys(methods, "closed form")
    assert get_problem("two_layer", hidden_size=3).hessian_method == EXACT_PRODUCTS
    assert EXACT_PRODUCTS == "exact Hessian-vector products (R-operator)"
    assert get_problem("mlp", width=5).hessian_method == DIFFERENCED_GRADIENTS == "differenced gradients"


# Closed forms


def test_rosenbrock_known_values():
    banana = get_problem("rosenbrock")
    np.testing.assert_array_equal(banana.hessian(np.ones(2)), [[802.0, -400.0], [-400.0, 200.0]])
    # at (-1.2, 1): 1200 * 1.44 - 400 + 2 = 1330, -400 * -1.2 = 480
    np.testing.assert_allclose(banana.hessian(np.array([-1.2, 1.0])), [[1330.0, 480.0], [480.0, 200.0]], rtol=1e-15)
    chained = get_problem("rosenbrock", n=3)
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(chained.hessian(x), [
        [1200 * 0.25 + 400 + 2, -200.0, 0.0],
        [-200.0, 1200 * 1.0 - 800 + 2 + 200, 400.0],
        [0.0, 400.0, 200.0],
    ], rtol=1e-15)


def test_rosenbrock_products_cost_order_n():
    """A million coordinates: the product is tridiagonal arithmetic (a dense H would be 8 TB)."""
    banana = get_problem("rosenbrock", n=10**6)
    x = banana.x0(seed=1)
    v = np.random.default_rng(0).standard_normal(banana.n)
    Hv = banana.hessian_vector_product(x, v)
    small = get_problem("rosenbrock", n=6)
    np.testing.assert_allclose(Hv[:5], (small.hessian(x[:6]) @ v[:6])[:5], rtol=1e-13)


def test_quadratic_hessian_is_its_matrix():
    rotated = get_problem("quadratic", n=20, condition=1e3)
    x = rotated.x0()
    np.testing.assert_array_equal(rotated.hessian(x), rotated.matrix)
    assert rotated.hessian(x) is not rotated.matrix  # a copy: the caller may modify it
    v = np.random.default_rng(0).standard_normal(20)
    np.testing.assert_allclose(rotated.hessian_vector_product(x, v), rotated.matrix @ v, rtol=1e-15)
    diagonal = get_problem("quadratic", n=5, condition=1e4, rotate=False)
    assert diagonal.matrix is None
    np.testing.assert_array_equal(diagonal.hessian(diagonal.x0()), np.diag(np.logspace(-4, 0, 5)))


def test_softmax_closed_form_equals_its_products_and_is_semidefinite():
    problem = get_problem("softmax", reg=0.0)
    x = random_point(problem)
    dense = problem.hessian(x)
    columns = np.random.default_rng(0).choice(problem.n, size=64, replace=False)
    products = problem.hessian_vectors(x, np.eye(problem.n)[:, columns])
    np.testing.assert_allclose(products, dense[:, columns], rtol=0, atol=EXACT * np.abs(dense).max())
    assert np.linalg.eigvalsh(dense).min() > -1e-14 * np.abs(dense).max()
    # shifting every class's score by one amount changes nothing: H (1 for each class of b) = 0
    ones = np.zeros(problem.n)
    problem.params(ones)["b"][...] = 1.0
    assert np.abs(dense @ ones).max() < 1e-14 * np.abs(dense).max()


def test_softmax_reg_sits_on_the_weights_diagonal():
    """Pixel 0 is blank in every image: its weights' rows of H are reg on the diagonal, 0 elsewhere."""
    problem = get_problem("softmax", reg=0.25)
    assert not np.any(problem.data.X_train[:, 0])
    dense = problem.hessian(problem.x0())
    blank = np.arange(10)  # W[0, :] in the flat layout
    np.testing.assert_array_equal(dense[blank][:, blank], 0.25 * np.eye(10))
    assert not np.any(np.delete(dense[blank], blank, axis=1))
    assert np.all(np.diag(dense)[-10:] < 0.25)  # the biases carry no reg


# Mini-batches


@pytest.mark.parametrize("options", [dict(name="softmax"), dict(name="two_layer", hidden_size=4),
                                     dict(name="mlp", width=4, activation="tanh")], ids=lambda o: o["name"])
def test_batch_hessians_of_a_partition_average_to_the_full_hessian(options):
    """As for the gradients (test_classifier.py): L_data averages over equal thirds of the
    1437 images, L_reg is in each, so the thirds' Hessians average to the full one (for
    the differenced mlp, to the differencing error, checked on products)."""
    problem = get_problem(**options)
    x = problem.x0(seed=1)
    thirds = np.random.default_rng(0).permutation(problem.n_train).reshape(3, -1)
    v = np.random.default_rng(1).standard_normal(problem.n)
    products = [problem.batch_hessian_vector_product(x, v, batch) for batch in thirds]
    full = problem.hessian_vector_product(x, v)
    tolerance = DIFFERENCED if problem.hessian_method == DIFFERENCED_GRADIENTS else EXACT
    np.testing.assert_allclose(np.mean(products, axis=0), full, rtol=0, atol=tolerance * np.abs(full).max())
    if problem.hessian_method != DIFFERENCED_GRADIENTS:
        mean = np.mean([problem.batch_hessian(x, batch) for batch in thirds], axis=0)
        dense = problem.hessian(x)
        np.testing.assert_allclose(mean, dense, rtol=0, atol=EXACT * np.abs(dense).max())


@pytest.mark.parametrize("name", ["softmax", "two_layer", "mlp"])
@pytest.mark.parametrize("indices", [[], [[0, 1]], [0.5], [-1], [1437]])
def test_bad_batch_indices(name, indices):
    problem = get_problem(name, **({} if name == "softmax" else {"two_layer": dict(hidden_size=3),
                                                                "mlp": dict(width=3)}[name]))
    x = problem.x0()
    with pytest.raises(ValueError, match="batch_indices"):
        problem.batch_hessian(x, np.array(indices))
    with pytest.raises(ValueError, match="batch_indices"):
        problem.batch_hessian_vector_product(x, np.zeros(problem.n), np.array(indices))


def test_mlp_dropout_masks_of_the_batch():
    """The batch Hessian is that of the batch loss with the batch's own dropout masks: the
    batch_hessian of a batch differs from the full-batch masks' Hessian on the same images."""
    problem = get_problem("mlp", width=4, activation="tanh", dropout=0.5)
    x = problem.x0()
    batch = np.arange(12)
    v = np.random.default_rng(0).standard_normal(problem.n)
    t = 1e-4
    want = (problem.batch_loss_and_gradient(x + t * v, batch)[1]
            - problem.batch_loss_and_gradient(x - t * v, batch)[1]) / (2 * t)
    got = problem.batch_hessian_vector_product(x, v, batch)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6 * np.abs(want).max())
    assert problem._batch is None


def test_mlp_leaves_the_running_averages_as_they_were():
    problem = get_problem("mlp", width=4, activation="tanh", batchnorm=True)
    x = problem.x0()
    batch = np.arange(40, 60)
    problem.batch_loss_and_gradient(x, np.arange(30))
    saved = [{key: p[key].copy() for key in ("running_mean", "running_var")} for p in problem.bn_params]
    v = np.random.default_rng(0).standard_normal(problem.n)
    problem.hessian_vector_product(x, v)
    problem.hessian_vectors(x, np.column_stack([v, -v]))
    problem.batch_hessian_vector_product(x, v, batch)
    problem.batch_hessian(x, batch)
    for bn_param, averages in zip(problem.bn_params, saved):
        for key, value in averages.items():
            np.testing.assert_array_equal(bn_param[key], value)
    problem.batch_loss_and_gradient(x, batch)  # a gradient evaluation does move them
    assert not np.array_equal(problem.bn_params[0]["running_mean"], saved[0]["running_mean"])


# Bad directions


@pytest.mark.parametrize("name", ["quadratic", "rosenbrock", "two_layer", "mlp"])
@pytest.mark.parametrize("bad", ["short", "int", "float32", "nan", "inf", "column"])
def test_a_bad_direction_is_refused(name, bad):
    problem = get_problem(name, **{"two_layer": dict(hidden_size=3), "mlp": dict(width=3)}.get(name, {}))
    n = problem.n
    v = {"short": np.zeros(n - 1), "int": np.zeros(n, dtype=int), "float32": np.zeros(n, dtype=np.float32),
         "nan": np.full(n, np.nan), "inf": np.r_[np.inf, np.zeros(n - 1)], "column": np.zeros((n, 1))}[bad]
    match = rf"problem '{name}': the direction v must be a finite float64 vector of shape \({n},\)"
    with pytest.raises(ValueError, match=match):
        problem.hessian_vector_product(problem.x0(), v)
    if name == "two_layer":
        with pytest.raises(ValueError, match=match):
            problem.batch_hessian_vector_product(problem.x0(), v, np.arange(5))


@pytest.mark.parametrize("V", [np.zeros(2), np.zeros((3, 1)), np.zeros((2, 0)), np.zeros((2, 2), dtype=np.float32),
                               np.array([[0.0, np.nan], [0.0, 0.0]])], ids=["1-D", "rows", "empty", "float32", "nan"])
def test_bad_directions_are_refused(V):
    with pytest.raises(ValueError, match=r"problem 'rosenbrock': the directions V must be a finite float64 array "
                                         r"of shape \(2, k\), k >= 1"):
        get_problem("rosenbrock").hessian_vectors(np.ones(2), V)


def test_a_bad_point_is_refused():
    with pytest.raises(ValueError, match=r"problem 'softmax' takes a float64 vector of shape \(650,\)"):
        get_problem("softmax").hessian(np.zeros(649))
