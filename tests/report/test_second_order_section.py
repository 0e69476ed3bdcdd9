"""The second-order section: its measures and captions follow the data they describe,
and the section runs on a small budget (the whole report's run covers it too)."""

import dataclasses

import numpy as np
import pytest

from optbench.report import run_section, settings
from optbench.report.progress import Progress
from optbench.report.sections import second_order
from optbench.solvers.scaling import Ladder


@pytest.fixture(autouse=True)
def private_f_star_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTBENCH_CACHE_DIR", str(tmp_path / "cache"))


def test_the_order_of_convergence_is_estimated_from_the_errors():
    quadratic = [1e-1, 1e-2, 1e-4, 1e-8]
    linear = [1e-1, 1e-2, 1e-3, 1e-4]
    np.testing.assert_allclose(second_order.convergence_order(quadratic), [2.0, 2.0])
    np.testing.assert_allclose(second_order.convergence_order(linear), [1.0, 1.0])
    assert second_order.convergence_order([1e-1, 1e-20, 0.0]).size == 0  # below rounding


def test_the_convergence_caption_follows_the_orders():
    quadratic = second_order.convergence_caption({"a": (np.array([1.0, 2.1]), True),
                                                  "b": (np.array([1.0, 1.1]), True)})
    assert quadratic.startswith("Newton's final iterations converge quadratically") and "on a." in quadratic
    none = second_order.convergence_caption({"a": (np.array([1.0, 1.1]), True), "b": (np.array([]), True)})
    assert none.startswith("Newton shows no quadratic phase") and "no order to estimate" in none
    unconverged = second_order.convergence_caption({"a": (np.array([2.5, 1.0]), False)})
    assert unconverged.startswith("Newton shows no quadratic phase") and "(not converged)" in unconverged
    early = second_order.convergence_caption({"a": (np.array([2.5, 1.0, 1.0, 1.0]), True)})
    assert early.startswith("Newton shows no quadratic phase")  # only the last estimates count
    assert early.endswith("are not drawn.")
    below = second_order.convergence_caption({"a": (np.array([2.1]), True)}, ["Newton on a"])
    assert below.endswith("Newton on a ends below f*, the best value L-BFGS-B found (at another local minimum), "
                          "and its points below f* are not drawn either.")



def test_newtons_limit_is_f_star_only_where_it_ends_there():
    class Known:
        f_star = 0.5

    assert second_order.newton_limit(np.array([2.0, 0.5 + 1e-9]), Known()) == 0.5
    assert second_order.newton_limit(np.array([2.0, 0.4]), Known()) == 0.4  # below f*: another minimum
    assert second_order.newton_limit(np.array([2.0, 0.9]), Known()) == 0.9


def test_iterations_to_target():
    losses = np.array([10.0, 1.0, 1e-3, 1e-9, 0.0])
    assert second_order.iterations_to_target(losses, 0.0, target=1e-8) == 3
    assert second_order.iterations_to_target(losses, 0.0, target=1e-12) == 4
    assert second_order.iterations_to_target(losses[:3], 0.0, target=1e-8) is None
    assert second_order.iterations_to_target(losses + 100.0, 100.0, target=1e-6) == 3  # relative to |f*|


def ladder(method, p, q):
    n = [100, 1000, 10_000]
    return Ladder(method, sizes=n, seconds=[1e-9 * k**p for k in n], peak_bytes=[8.0 * k**q for k in n])


def test_the_cost_caption_is_computed_from_the_fits():
    caption = second_order.cost_caption({"newton": ladder("newton", 3, 2), "bfgs": ladder("bfgs", 2, 2),
                                         "lbfgs": ladder("lbfgs", 1, 1)})
    assert "Newton time ∝ n^3.00, memory ∝ n^2.00" in caption
    # at 1e8: Newton 1e-9 * 1e24 s = 1e15 s, L-BFGS 1e-9 * 1e8 = 0.1 s; memory 8e16 B against 8e8 B
    assert "3.17e+07 years and 80 PB" in caption
    assert "cost 1e+16 times the time and 1e+08 times the memory of L-BFGS's" in caption
    reversed_caption = second_order.cost_caption({"newton": ladder("newton", 1, 1), "bfgs": ladder("bfgs", 2, 2),
                                                  "lbfgs": ladder("lbfgs", 3, 2)})
    assert "cost 1e-16 times the time" in reversed_caption


def test_human_units():
    assert second_order.human_seconds(0.02) == "0.02 s"
    assert second_order.human_seconds(7200) == "2 h"
    assert second_order.human_bytes(2.5e12) == "2.5 TB"


SMALL = dataclasses.replace(
    settings.QUICK,
    second_order_maxiter={"newton": 3, "bfgs": 5, "lbfgs": 5},
    second_order_sizes=(100, 200, 400),
    second_order_seconds=5.0,
    second_order_memory=2**28,
)


def test_the_section_runs_and_fills_its_tables(monkeypatch):
    monkeypatch.setattr(settings, "SECOND_ORDER_PROBLEMS", (("quadratic", {"n": 20}), ("rosenbrock", {"n": 2})))
    section = run_section("second_order", SMALL, Progress(quiet=True))
    assert section.status == "ok", section.error
    tables = [block for block in section.blocks if hasattr(block, "rows")]
    assert len(tables[0].rows) == 2 * 3  # problems x methods
    assert [row[0] for row in tables[2].rows] == ["Newton", "BFGS", "L-BFGS (m = 10)"]
    assert len(section.figures) == 2
