"""The "Random versus grid search" section on the quick budget: it builds through
`optbench.search`, its figures exist, the grid is exactly k x k points, and every number
its sentences and table state is recomputed here from what it measured."""

import itertools
import math

import numpy as np
import pytest

from optbench.report import SECTIONS, document, settings
from optbench.report.sections import search
from optbench.report.settings import QUICK
from sections import PNG, build_measured

FIGURES = ["search-best-so-far", "search-layouts"]


@pytest.fixture(scope="module")
def built():
    """(measured, section): the section as the report builds it, and what its `build` measured."""
    return build_measured(search, "search")


def captions(section):
    return {f.name: f.caption for f in section.figures}


def texts(section):
    return " ".join(b.text for b in section.blocks if isinstance(b, document.Text))


def test_the_section_is_registered_with_its_title_and_budgets():
    assert "search" in SECTIONS and search.TITLE == "Random versus grid search"
    for budget in (settings.QUICK, settings.FULL):
        k = math.isqrt(budget.grid_random_trials)
        assert k >= 2 and k * k == budget.grid_random_trials
        assert budget.grid_random_repetitions >= 10
    assert settings.FULL.grid_random_trials > settings.QUICK.grid_random_trials


def test_the_figures_exist_with_titles_and_captions(built):
    _, section = built
    assert [f.name for f in section.figures] == FIGURES
    for figure in section.figures:
        assert figure.png.startswith(PNG) and len(figure.png) > 10_000
        assert figure.title and figure.caption


def test_every_layout_ran_every_repetition_to_its_trial_count(built):
    measured, _ = built
    reps, n = QUICK.grid_random_repetitions, QUICK.grid_random_trials
    assert measured.trials == n and measured.k**2 == n and len(measured.seeds) == reps
    assert len(set(measured.seeds)) == reps
    for layout in search.LAYOUTS:
        assert measured.scores[layout].shape == (reps, n)
        assert measured.points[layout].shape == (reps, n, 2)
        scores = measured.scores[layout]
        assert np.all((scores >= 0) & (scores <= 1))
        assert np.array_equal(measured.best[layout], np.maximum.accumulate(scores, axis=1))
        assert np.all(scores[measured.diverged[layout]] == 0)
        for axis, values in zip(measured.axes, np.moveaxis(measured.points[layout], 2, 0)):
            assert np.all((values >= axis.low) & (values <= axis.high))


def test_the_grid_is_exactly_k_squared_points_the_same_every_repetition(built):
    measured, _ = built
    k = measured.k
    lr, reg = measured.axes
    assert [a.name for a in measured.axes] == ["learning_rate", "reg"]
    expected = {(a, b) for a, b in itertools.product(np.geomspace(lr.low, lr.high, k),
                                                     np.geomspace(reg.low, reg.high, k))}
    for points in measured.points["grid"]:
        found = {tuple(p) for p in points}
        assert len(found) == k * k == len(points)
        assert all(any(np.allclose(p, e, rtol=1e-12) for e in expected) for p in found)
    assert {tuple(p) for p in measured.points["grid"][0]} == {tuple(p) for p in measured.points["grid"][-1]}
    assert measured.distinct("grid") == k
    # the seed reorders the grid: not every repetition visits the points in one order
    assert len({tuple(map(tuple, points)) for points in measured.points["grid"]}) > 1


def test_random_search_draws_new_points_each_repetition(built):
    measured, _ = built
    points = measured.points["random"]
    assert measured.distinct("random") == measured.trials
    assert len({tuple(map(tuple, p)) for p in points}) == len(points)
    # TPE's points equal random's exactly when all its trials are its random start-up
    same = np.array_equal(measured.points["tpe"], points)
    assert same == (measured.trials <= measured.startup)
    assert search.tpe_is_random(measured) == same
    wording = "its points are exactly those of the random search"
    assert (wording in texts(built[1])) == same


def test_the_best_so_far_caption_states_the_medians(built):
    measured, section = built
    n, k = measured.trials, measured.k
    median = {layout: 100 * float(np.median(measured.best[layout][:, n - 1])) for layout in search.LAYOUTS}
    caption = captions(section)["search-best-so-far"]
    assert (f"After {n} trials random search's median best is {median['random']:.1f}% against the grid's "
            f"{median['grid']:.1f}% and TPE's {median['tpe']:.1f}%") in caption
    for m in {k, n // 2} - {n}:
        at = {layout: 100 * float(np.median(measured.best[layout][:, m - 1])) for layout in search.LAYOUTS}
        assert (f"After {m} trials: random {at['random']:.1f}%, grid {at['grid']:.1f}%, "
                f"TPE {at['tpe']:.1f}%") in caption
    distinct = [len(np.unique(measured.points[layout][0, :, 0])) for layout in ("grid", "random")]
    assert f"the grid tried {distinct[0]} distinct learning rates in {n} trials, random search {distinct[1]}" in caption


def test_the_layout_caption_names_each_study_s_best_trial(built):
    measured, section = built
    caption = captions(section)["search-layouts"]
    for layout in ("grid", "random"):
        values = measured.scores[layout][0]
        lr, reg = measured.points[layout][0, int(np.argmax(values))]
        assert (f"{layout}: {len(np.unique(measured.points[layout][0, :, 0]))} distinct learning rates, best "
                f"{100 * values.max():.1f}% at lr {lr:.3g}, reg {reg:.2g}") in caption


def test_the_sensitivity_sentence_matches_the_grid(built):
    """Recomputed from the grid study's trials by their parameters, not through `grid_table`."""
    measured, section = built
    by_point = {}
    for (lr, reg), value, diverged in zip(measured.points["grid"][0], measured.scores["grid"][0],
                                          measured.diverged["grid"][0]):
        by_point[(lr, reg)] = (value, diverged)
    lrs = sorted({lr for lr, _ in by_point})
    regs = sorted({reg for _, reg in by_point})
    lr_span = max(max(by_point[(lr, reg)][0] for lr in lrs) - min(by_point[(lr, reg)][0] for lr in lrs)
                  for reg in regs)
    calm = [lr for lr in lrs if not any(by_point[(lr, reg)][1] for reg in regs)]
    reg_span = max(max(by_point[(lr, reg)][0] for reg in regs) - min(by_point[(lr, reg)][0] for reg in regs)
                   for lr in calm)
    text = texts(section)
    assert (f"the learning rate moves the validation accuracy by up to {100 * lr_span:.1f} points at a fixed L2 "
            f"strength, the L2 strength by at most {100 * reg_span:.1f} points") in text
    # the premise of the section, measured: one hyperparameter matters, the other barely
    assert lr_span > 0.2 and reg_span < 0.02


def test_the_table_matches_the_data(built):
    measured, section = built
    n, k, reps = measured.trials, measured.k, len(measured.seeds)
    table = next(b for b in section.blocks if isinstance(b, document.Table))
    assert [row[0] for row in table.rows] == ["grid", "random", "TPE"]
    for row, layout in zip(table.rows, search.LAYOUTS):
        best = 100 * measured.best[layout]
        assert row[1] == f"{np.median(best[:, k - 1]):.1f}" and row[2] == f"{np.median(best[:, n - 1]):.1f}"
        assert row[3] == " .. ".join(f"{q:.1f}" for q in np.percentile(best[:, n - 1], (25, 75)))
        assert int(row[4]) == len(np.unique(measured.points[layout][0, :, 0]))
        assert int(row[5]) == int(measured.diverged[layout].sum()) <= reps * n
