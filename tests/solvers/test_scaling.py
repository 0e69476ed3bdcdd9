"""The cost ladder: the power-law fit, the ladder's stopping rules, and memory (not
time: the machine is shared) growing as each method's storage says."""

import numpy as np
import pytest

from optbench.problems import get_problem
from optbench.solvers import scaling
from optbench.solvers.scaling import Ladder, climb, fit_power_law, iteration_cost


def test_fit_recovers_an_exact_power_law():
    n = np.array([100, 1000, 10_000])
    p, c = fit_power_law(n, 3e-9 * n**2.5)
    assert p == pytest.approx(2.5, rel=1e-12) and c == pytest.approx(3e-9, rel=1e-9)


@pytest.mark.parametrize("sizes, values, match", [
    ([10, 10], [1.0, 2.0], "two distinct sizes"),
    ([10], [1.0], "two distinct sizes"),
    ([10, 20], [1.0, 0.0], "positive"),
    ([10, 20], [1.0, np.nan], "positive"),
])
def test_fit_refuses_what_it_cannot_fit(sizes, values, match):
    with pytest.raises(ValueError, match=match):
        fit_power_law(sizes, values)


def rosenbrock(n):
    return get_problem("rosenbrock", n=n)


@pytest.mark.parametrize("method, exponent", [("newton", 2.0), ("bfgs", 2.0), ("lbfgs", 1.0)])
def test_peak_memory_grows_as_the_method_stores(method, exponent):
    # Newton and BFGS hold n x n matrices, L-BFGS 2 m vectors of n: from n = 1000 to 2000
    # the peak must grow by 2^exponent, to within the O(n) vectors beside the matrices.
    _, small = iteration_cost(method, rosenbrock(1000), iterations=1)
    _, large = iteration_cost(method, rosenbrock(2000), iterations=1)
    assert np.log2(large / small) == pytest.approx(exponent, abs=0.1)
    assert small >= {"newton": 8 * 1000**2, "bfgs": 8 * 1000**2, "lbfgs": 2 * 10 * 8 * 1000}[method]


def test_a_ladder_stops_before_a_size_predicted_to_exceed_memory():
    seen = []
    ladder = climb("bfgs", rosenbrock, sizes=(50, 100, 200, 400), memory=8 * 150**2,
                   progress=lambda method, n: seen.append(n))
    assert ladder.sizes == [50, 100] and seen == [50, 100]
    assert "n = 200 would need" in ladder.stopped


def test_a_ladder_stops_at_a_slow_iteration():
    ladder = climb("lbfgs", rosenbrock, sizes=(50, 100, 200), seconds_limit=0.0)
    assert ladder.sizes == [50] and "took" in ladder.stopped


def test_a_ladder_that_ends_says_so_and_extrapolates_its_fit():
    ladder = Ladder("lbfgs", sizes=[10, 100, 1000, 10_000], seconds=[1.0, 1.0, 10.0, 100.0],
                    peak_bytes=[5.0, 50.0, 500.0, 5000.0])
    assert ladder.time_fit[0] == pytest.approx(1.0)  # the largest FIT_POINTS sizes only
    seconds, count = ladder.extrapolate(10**6)
    assert seconds == pytest.approx(1e4) and count == pytest.approx(5e5)
    assert ladder.as_dict()["on_paper"]["100000000"]["seconds"] == pytest.approx(1e6)
    assert scaling.FIT_POINTS == 3


def test_bad_ladders():
    with pytest.raises(ValueError, match="increasing"):
        climb("lbfgs", rosenbrock, sizes=(100, 50))
    with pytest.raises(ValueError, match="unknown method 'sgd'"):
        iteration_cost("sgd", rosenbrock(10))
