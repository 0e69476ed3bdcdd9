"""The strong Wolfe line search on one-dimensional functions phi(alpha)."""

import math

import numpy as np
import pytest

from optbench.solvers.line_search import _cubic_minimizer, _Trial, strong_wolfe

C1, C2 = 1e-4, 0.9


def along(f, df):
    return lambda alpha: (f(alpha), df(alpha))


def assert_strong_wolfe(phi, result):
    f0, dphi0 = phi(0.0)
    assert result.success
    assert (result.f, result.dphi) == phi(result.alpha)
    assert result.f <= f0 + C1 * result.alpha * dphi0
    assert abs(result.dphi) <= -C2 * dphi0


CASES = {
    "parabola, first trial accepted": (along(lambda a: (a - 2) ** 2, lambda a: 2 * (a - 2)), 1.0),
    "parabola, must extrapolate": (along(lambda a: (a - 50) ** 2, lambda a: 2 * (a - 50)), 1e-3),
    "parabola, must zoom back": (along(lambda a: (a - 1) ** 2, lambda a: 2 * (a - 1)), 1e3),
    "quartic valley": (along(lambda a: (a * a - 3) ** 2 - a, lambda a: 4 * a * (a * a - 3) - 1), 0.1),
    "steep wall": (along(lambda a: math.exp(10 * (a - 1)) - a, lambda a: 10 * math.exp(10 * (a - 1)) - 1), 5.0),
    # phi' = -(a - 1)(a - 4): the first trial a = 4 is stationary but above phi(0)
    "stationary first trial above the start": (along(lambda a: -a**3 / 3 + 2.5 * a * a - 4 * a,
                                                     lambda a: -(a - 1) * (a - 4)), 4.0),
    "infinite beyond 1": (along(lambda a: -2 * a - math.log(1 - a) if a < 1 else math.inf,
                                lambda a: -2 + 1 / (1 - a) if a < 1 else math.nan), 2.0),
}


@pytest.mark.parametrize("case", CASES)
def test_step_satisfies_strong_wolfe(case):
    phi, alpha1 = CASES[case]
    f0, dphi0 = phi(0.0)
    result = strong_wolfe(phi, f0, dphi0, alpha1, C1, C2)
    assert_strong_wolfe(phi, result)
    assert result.nfev <= 20


def wiggly(seed):
    """A parabola plus three random sines: several local minima along the line."""
    rng = np.random.default_rng(seed)
    amplitude, frequency = rng.uniform(0.1, 1.0, 3), rng.uniform(0.5, 5.0, 3)
    phase, curvature = rng.uniform(0.0, 2 * np.pi, 3), rng.uniform(0.01, 1.0)
    return along(
        lambda a: float(curvature * (a - 2) ** 2 + np.sum(amplitude * np.sin(frequency * a + phase))),
        lambda a: float(2 * curvature * (a - 2) + np.sum(amplitude * frequency * np.cos(frequency * a + phase))),
    )


@pytest.mark.parametrize("c2", [0.1, 0.9])
def test_strong_wolfe_on_random_wiggly_lines(c2):
    searched = 0
    for seed in range(150):
        phi = wiggly(seed)
        f0, dphi0 = phi(0.0)
        if dphi0 >= 0.0:
            continue
        for alpha1 in (0.01, 1.0, 10.0):
            result = strong_wolfe(phi, f0, dphi0, alpha1, C1, c2)
            assert result.success, (seed, alpha1)
            assert result.f <= f0 + C1 * result.alpha * dphi0
            assert abs(result.dphi) <= -c2 * dphi0
            searched += 1
    assert searched > 200


def test_an_acceptable_first_trial_costs_one_evaluation():
    phi, alpha1 = CASES["parabola, first trial accepted"]
    assert strong_wolfe(phi, *phi(0.0), alpha1).nfev == 1


def test_unbounded_below_fails_within_the_budget():
    phi = along(lambda a: -a, lambda a: -1.0)  # curvature condition never holds
    result = strong_wolfe(phi, 0.0, -1.0, 1.0, maxls=7)
    assert not result.success and result.nfev == 7


def test_ascent_direction_is_refused():
    with pytest.raises(ValueError, match="descent direction"):
        strong_wolfe(along(lambda a: a, lambda a: 1.0), 0.0, 1.0, 1.0)


def test_bad_wolfe_constants_are_refused():
    with pytest.raises(ValueError, match="0 < c1 < c2 < 1"):
        strong_wolfe(along(lambda a: -a, lambda a: -1.0), 0.0, -1.0, 1.0, c1=0.9, c2=0.1)


def test_cubic_interpolation_is_exact_on_a_cubic():
    def cubic(a):
        return a**3 - 3 * a**2 + 1, 3 * a**2 - 6 * a  # local minimum at a = 2

    a, b = _Trial(0.5, *cubic(0.5)), _Trial(3.5, *cubic(3.5))
    assert _cubic_minimizer(a, b) == pytest.approx(2.0, rel=1e-12)
    assert _cubic_minimizer(b, a) == pytest.approx(2.0, rel=1e-12)
    rng = np.random.default_rng(0)
    for lo, hi in rng.uniform(0.0, 4.0, size=(20, 2)):
        guess = _cubic_minimizer(_Trial(lo, *cubic(lo)), _Trial(hi, *cubic(hi)))
        assert guess == pytest.approx(2.0, rel=1e-9)
