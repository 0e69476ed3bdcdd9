"""The Hessian check: the checker itself, its symmetry measure, deliberately wrong
Hessians that it must reject (the symmetry measure and the validation for solvers
themselves: tests/test_checks.py)."""

import numpy as np
import pytest

from optbench.problems import get_problem
from optbench.problems import rosenbrock as rosenbrock_module
from optbench.problems.classifier import softmax_loss, softmax_probabilities, softmax_r_dscores
from optbench.problems.softmax import Softmax
from optbench.problems.two_layer import TwoLayer
from optbench.verification.gradient import DEFAULT_COUNT, noise_floor
from optbench import checks
from optbench.checks import symmetry_error, symmetry_tolerance
from optbench.verification.hessian import DIFFERENCED_ERROR, differenced_floor, hessian_check

EPS = np.finfo(np.float64).eps
PASS = 1e-6  # the largest relative error a correct float64 Hessian may show
FAIL = 1e-3  # the smallest relative error a wrong Hessian must show
H = 1e-5


def chain(x):
    """f = sum sin(x_i) + sum x_i x_{i+1}: g and H known exactly."""
    g = np.cos(x)
    g[:-1] += x[1:]
    g[1:] += x[:-1]
    return g


def chain_hessian(x):
    return np.diag(-np.sin(x)) + np.eye(x.size, k=1) + np.eye(x.size, k=-1)


# The checker


def test_correct_hessian_passes_and_scaled_hessian_fails():
    x = np.linspace(-2.0, 2.0, 7)
    check = hessian_check(chain, chain_hessian, x)
    assert check.max_relative_error < 1e-9 and check.symmetric and check.symmetry_error == 0.0
    wrong = hessian_check(chain, lambda x: 1.01 * chain_hessian(x), x)
    assert wrong.max_relative_error == pytest.approx(0.01 / 2.01, rel=1e-4)


def test_numeric_column_is_the_centred_difference_of_the_gradient():
    """g = x^3 elementwise: (x+h)^3 - (x-h)^3 = 6 x^2 h + 2 h^3, so the quotient is 3 x^2 + h^2."""
    x = np.array([0.3, -1.1])
    check = hessian_check(lambda x: x**3, lambda x: np.zeros((2, 2)), x, h=0.1)
    np.testing.assert_array_equal(check.rows, [0, 1])
    np.testing.assert_allclose(check.numeric, 3 * x**2 + 0.01, rtol=1e-12)
    np.testing.assert_array_equal(check.relative_error, [1.0, 1.0])
    assert check.worst in ((0, 0), (1, 1))


def test_x_is_not_modified_and_each_perturbation_is_restored_exactly():
    x = np.random.default_rng(0).standard_normal(30)
    before = x.copy()
    seen = []

    def gradient(z):
        seen.append(z.copy())
        return chain(z)

    hessian_check(gradient, chain_hessian, x, h=1e-3)
    np.testing.assert_array_equal(x, before)
    differing = [np.flatnonzero(z != before) for z in seen]
    assert all(len(d) == 1 for d in differing)
    assert sorted(d[0] for d in differing) == sorted(2 * list(range(30)))


def test_column_selection():
    small, big = np.zeros(DEFAULT_COUNT), np.zeros(DEFAULT_COUNT + 1)
    np.testing.assert_array_equal(hessian_check(chain, chain_hessian, small).indices, np.arange(DEFAULT_COUNT))
    subset = hessian_check(chain, chain_hessian, big, seed=3).indices
    assert len(np.unique(subset)) == DEFAULT_COUNT and subset.max() <= DEFAULT_COUNT
    assert len(hessian_check(chain, chain_hessian, big, indices=5).indices) == 5
    np.testing.assert_array_equal(hessian_check(chain, chain_hessian, big, indices=[7, 2]).indices, [7, 2])


def test_products_are_asked_for_unit_vectors_in_blocks():
    x = np.random.default_rng(1).standard_normal(150)
    calls = []

    def products(z, V):
        calls.append(V.shape[1])
        assert np.all(V.sum(axis=0) == 1.0) and np.all((V == 0.0) | (V == 1.0))
        return chain_hessian(z) @ V

    check = hessian_check(chain, products, x, indices=130, form="products")
    assert calls == [64, 64, 2] and check.max_relative_error < PASS and check.symmetric


def test_products_symmetry_is_measured_on_the_checked_block():
    """An asymmetry in the block H[J, J] of the checked columns J shows; one outside it cannot."""
    x = np.zeros(6)

    def products(z, V, i, j):
        A = chain_hessian(z)
        A[i, j] += 0.5
        return A @ V

    seen = hessian_check(chain, lambda z, V: products(z, V, 0, 2), x, indices=[0, 2], form="products")
    assert seen.symmetry_error == 1.0 and not seen.symmetric  # H[J, J] = [[0, 0.5], [0, 0]]
    unseen = hessian_check(chain, lambda z, V: products(z, V, 4, 2), x, indices=[0, 2], form="products")
    assert unseen.symmetric


def test_the_floor_and_the_relative_floor():
    """An entry of 1e-9 wrong by 1e-10: 10% relatively, but 1e-10 of an H whose largest
    entry is 1, below what a differenced Hessian is known to (3.7e-8 max |H|)."""
    x = np.zeros(2)

    def hessian(z):
        return np.array([[1.0, 1.1e-9], [1.1e-9, 1.0]])

    def gradient(z):
        return np.array([[1.0, 1e-9], [1e-9, 1.0]]) @ z

    assert hessian_check(gradient, hessian, x).max_relative_error > 0.04
    relaxed = hessian_check(gradient, hessian, x, relative_floor=differenced_floor(PASS))
    assert relaxed.floor == pytest.approx(DIFFERENCED_ERROR / PASS)
    assert relaxed.max_relative_error < PASS
    assert DIFFERENCED_ERROR == pytest.approx(1e3 * EPS ** (2 / 3)) and 3e-8 < DIFFERENCED_ERROR < 4e-8
    assert hessian_check(gradient, hessian, x, floor=0.5).floor == 0.5


def test_a_non_finite_hessian_fails():
    check = hessian_check(chain, lambda x: np.full((3, 3), np.nan), np.zeros(3))
    assert check.max_relative_error == np.inf and check.symmetry_error == np.inf and not check.symmetric


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(x=np.zeros((2, 2))), ValueError, "1-D float64"),
        (dict(x=np.arange(3)), ValueError, "1-D float64"),
        (dict(x=np.array([0.0, np.nan, 0.0])), ValueError, "finite"),
        (dict(h=0.0), ValueError, "h must be"),
        (dict(indices=4), ValueError, r"in \[1, 3\]"),
        (dict(indices=[3]), ValueError, r"in \[0, 3\)"),
        (dict(form="sparse"), ValueError, "form must be one of dense, products, got 'sparse'"),
        (dict(floor=0.0), ValueError, "floor must be"),
        (dict(relative_floor=-1.0), ValueError, "relative_floor must be"),
        (dict(hessian=lambda x: np.zeros((3, 2))), ValueError, r"hessian\(x\) must have shape \(3, 3\), got \(3, 2\)"),
        (dict(hessian=lambda x: np.zeros((3, 3), dtype=complex)), TypeError, "must be a real array"),
        (dict(gradient=lambda x: np.zeros(2)), ValueError, r"gradient returned shape \(2,\), expected \(3,\)"),
    ],
)
def test_bad_input_is_refused(kwargs, error, match):
    arguments = dict(gradient=chain, hessian=chain_hessian, x=np.zeros(3)) | kwargs
    with pytest.raises(error, match=match):
        hessian_check(**arguments)


# Symmetry


def test_assembled_products_are_symmetric_to_rounding():
    """two_layer's dense Hessian is assembled from exact products, not symmetrized: its
    asymmetry is rounding, a few ulps of max |H|, far below 4 n eps."""
    net = get_problem("two_layer", hidden_size=6)
    dense = net.batch_hessian(net.x0(), np.arange(50))
    assert 0.0 < symmetry_error(dense) < 20 * EPS < symmetry_tolerance(net.n) / 10


# Deliberately wrong Hessians must fail


def fails(problem, gradient, hessian, x, symmetric=True):
    """The check of a wrong Hessian: relative error above FAIL; symmetric or not as planted."""
    scale = float(np.max(np.abs(gradient(x))))
    check = hessian_check(gradient, hessian, x, h=H, indices=problem.n, floor=noise_floor(scale, H, PASS))
    assert check.max_relative_error > FAIL, check.max_relative_error
    assert check.symmetric == symmetric, check.symmetry_error
    return check


def passes(problem, gradient, hessian, x):
    scale = float(np.max(np.abs(gradient(x))))
    check = hessian_check(gradient, hessian, x, h=H, indices=problem.n, floor=noise_floor(scale, H, PASS))
    assert check.max_relative_error < PASS and check.symmetric


def two_layer_without_a_cross_term(self, params, directions, X, y, products):
    """two_layer's products with HvW2 missing R{h}^T ds: the (W2, W1) block loses a term
    that its transpose, the (W1, W2) block, keeps (through ds VW2^T): an asymmetric H."""
    W2, VW2 = params["W2"], directions["W2"]
    z = X @ params["W1"] + params["b1"]
    mask = z > 0.0
    hidden = np.maximum(0.0, z)
    scores = hidden @ W2 + params["b2"]
    _, dscores = softmax_loss(scores, y)
    r_hidden = (X @ directions["W1"] + directions["b1"][:, None, :]) * mask
    r_scores = r_hidden @ W2 + hidden @ VW2 + directions["b2"][:, None, :]
    r_dscores = softmax_r_dscores(softmax_probabilities(scores), r_scores)
    products["W2"][...] = hidden.T @ r_dscores
    products["b2"][...] = r_dscores.sum(axis=1)
    r_dz = (r_dscores @ W2.T + dscores @ VW2.transpose(0, 2, 1)) * mask
    products["W1"][...] = X.T @ r_dz
    products["b1"][...] = r_dz.sum(axis=1)


def test_an_asymmetric_hessian_fails(monkeypatch):
    net = get_problem("two_layer", hidden_size=5)
    x, batch = net.x0(), net.sample_batch(np.random.default_rng(0), 10)

    def gradient(z):
        return net.batch_loss_and_gradient(z, batch)[1]

    def hessian(z):
        return net.batch_hessian(z, batch)

    passes(net, gradient, hessian, x)
    monkeypatch.setattr(TwoLayer, "_data_hessian_vectors", two_layer_without_a_cross_term)
    check = fails(net, gradient, hessian, x, symmetric=False)
    assert check.symmetry_error > FAIL
    with pytest.raises(ValueError, match="the Hessian must be symmetric"):
        checks.hessian("newton", hessian(x), net.n)


def test_an_off_diagonal_term_with_its_sign_flipped_fails(monkeypatch):
    """Rosenbrock with H_i,i+1 = +400 x_i: still symmetric, wrong by 100% off the diagonal."""
    banana = get_problem("rosenbrock", n=5)
    x = banana.x0(seed=1)
    passes(banana, banana.gradient, banana.hessian, x)
    right = rosenbrock_module._tridiagonal
    monkeypatch.setattr(rosenbrock_module, "_tridiagonal", lambda x: (right(x)[0], -right(x)[1]))
    check = fails(banana, banana.gradient, banana.hessian, x)
    assert check.max_relative_error == pytest.approx(1.0)
    assert abs(check.worst[0] - check.worst[1]) == 1


def test_a_hessian_without_the_reg_term_fails(monkeypatch):
    """softmax's closed form without reg on the weights' diagonal: the blank pixels' rows,
    reg alone, come out 0 (relative error 1)."""
    problem = get_problem("softmax")
    x, batch = problem.x0(), problem.sample_batch(np.random.default_rng(0), 10)

    def gradient(z):
        return problem.batch_loss_and_gradient(z, batch)[1]

    def hessian(z):
        return problem.batch_hessian(z, batch)

    passes(problem, gradient, hessian, x)
    right = Softmax._hessian_on

    def without_reg(self, x, X, y):
        dense = right(self, x, X, y)
        weights = np.arange(640)
        dense[weights, weights] -= self.reg
        return dense

    monkeypatch.setattr(Softmax, "_hessian_on", without_reg)
    assert fails(problem, gradient, hessian, x).max_relative_error == pytest.approx(1.0)


def test_products_without_the_reg_term_fail(monkeypatch):
    """two_layer's exact products with reg V left out, through the products form."""
    net = get_problem("two_layer", hidden_size=4, reg=0.1)
    x, batch = net.x0(), np.arange(10)

    def gradient(z):
        return net.batch_loss_and_gradient(z, batch)[1]

    def products(z, V):
        return np.column_stack([net.batch_hessian_vector_product(z, v, batch) for v in V.T])

    floor = noise_floor(float(np.max(np.abs(gradient(x)))), H, PASS)
    assert hessian_check(gradient, products, x, indices=40, form="products", floor=floor).max_relative_error < PASS
    right = TwoLayer._hessian_vectors_on
    weights = net.params(np.zeros(net.n, dtype=bool))
    for name in net.weights:
        weights[name][...] = True
    weights = np.concatenate([view.ravel() for view in weights.values()])

    def without_reg(self, x, V, X, y):
        HV = right(self, x, V, X, y)
        HV[weights] -= self.reg * V[weights]
        return HV

    monkeypatch.setattr(TwoLayer, "_hessian_vectors_on", without_reg)
    wrong = hessian_check(gradient, products, x, indices=40, form="products", floor=floor)
    assert wrong.max_relative_error > FAIL
