"""The "Initialization and batch normalization" section on the quick budget: the lecture's
table beside the measured one, the figures, and sentences that say what the data say."""

from types import SimpleNamespace

import numpy as np
import pytest

from optbench.report import SECTIONS, document, settings
from optbench.report.sections import initialization
from optbench.report.settings import QUICK
from optbench.training.init_stats import lecture_line
from sections import PNG, build_measured

FIGURES = ["initialization-std-per-layer", "initialization-histograms", "initialization-learning-rates",
           "initialization-init-scale"]


@pytest.fixture(scope="module")
def built():
    """(measurements, section): the section as the report builds it, and what its
    `build` measured."""
    return build_measured(initialization, "initialization")


def tables(section):
    return [b for b in section.blocks if isinstance(b, document.Table)]


def captions(section):
    return {f.name: f.caption for f in section.figures}


def test_the_section_is_registered_with_its_title_and_budgets(built):
    _, section = built
    assert section.title == initialization.TITLE and "initialization" in SECTIONS
    assert initialization.TITLE == "Initialization and batch normalization"
    for budget in (settings.QUICK, settings.FULL):
        assert budget.initialization_seeds >= 2 and budget.initialization_epochs >= 1
        assert budget.initialization_rates >= 2 and budget.initialization_scales >= 2


def test_the_lecture_s_table_is_quoted_as_printed():
    assert len(initialization.LECTURE) == 11
    assert [row[0] for row in initialization.LECTURE] == list(range(11))
    assert initialization.LECTURE[1] == (1, 0.001198, 0.627953)
    printed = [lecture_line(*row) for row in initialization.LECTURE]
    assert printed == initialization.LECTURE_PRINTOUT.strip().splitlines()
    with pytest.raises(ValueError, match="not a line"):
        initialization.parse_printout("output layer had mean 0 and std 1")


def test_the_table_sets_the_lecture_beside_the_measured_run_and_the_spread(built):
    m, section = built
    table = tables(section)[0]
    assert len(table.rows) == 11
    for row, (layer, mean, std) in zip(table.rows, initialization.LECTURE):
        assert row[:3] == [str(layer), f"{mean:.6f}", f"{std:.6f}"]
        assert row[3:5] == [f"{m.lecture_run.means[layer]:.6f}", f"{m.lecture_run.stds[layer]:.6f}"]
        assert row[5:7] == [f"{m.seeds.std_mean[layer]:.6f}", f"{m.seeds.std_spread[layer]:.6f}"]
        z = (std - m.seeds.stds[:, layer].mean()) / m.seeds.stds[:, layer].std(ddof=1)
        assert row[7] == f"{z:+.2f}"
    assert len(m.seeds.seeds) == QUICK.initialization_seeds
    assert (m.lecture_run.init, m.lecture_run.activation, m.lecture_run.width, m.lecture_run.samples) == (
        "xavier", "tanh", 500, 1000)
    assert table.caption == initialization.table_sentence(initialization.LECTURE, m.lecture_run, m.seeds)
    within = sum(abs(float(row[7])) <= initialization.Z_LIMIT for row in table.rows)
    assert f"in {within} of 11 layers" in table.caption


def test_every_figure_is_there_with_a_caption(built):
    _, section = built
    assert [f.name for f in section.figures] == FIGURES
    for figure in section.figures:
        assert figure.png.startswith(PNG) and len(figure.png) > 5000 and figure.caption and figure.title


def test_the_histograms_hold_every_activation_and_their_caption_their_stds(built):
    m, section = built
    assert list(m.histograms) == list(settings.INIT_HISTOGRAMS)
    for setting, data in m.histograms.items():
        assert len(data["shares"]) == 10
        for shares in data["shares"]:
            assert shares.sum() == pytest.approx(1.0)  # the range holds every activation
        assert initialization.trend(data["stds"]) in captions(section)["initialization-histograms"]
    # the same seed-0 run as the table's
    np.testing.assert_array_equal(m.histograms[("xavier", "tanh", False)]["stds"], m.lecture_run.stds)
    small = m.histograms[("small", "tanh", False)]["stds"]
    assert f"the std falls from {small[1]:.3g} after layer 1 to {small[10]:.2g} after layer 10" in captions(
        section)["initialization-histograms"]


def trained_by_hand(sweep, batchnorm):
    """The values whose run did not explode and ended at >= 90% validation accuracy."""
    return [v for v, r in zip(sweep.values, sweep.records[batchnorm])
            if not r.diverged and r.epochs and r.epochs[-1]["val_acc"] >= settings.INIT_TRAINS_ACCURACY]


def phrase(values, chosen, noun):
    if not chosen:
        return f"no {noun} trains"
    if len(chosen) == 1:
        return f"only the {noun} {chosen[0]:.3g} trains"
    return f"{noun}s from {chosen[0]:.3g} to {chosen[-1]:.3g}"


def test_the_learning_rate_sentence_follows_the_runs(built):
    m, section = built
    text = captions(section)["initialization-learning-rates"]
    rates = np.logspace(*settings.INIT_LOG10_RATES, QUICK.initialization_rates)
    np.testing.assert_allclose(m.rates.values, rates)
    for bn, word in ((True, "with batch norm, "), (False, "without, ")):
        assert word + phrase(m.rates.values, trained_by_hand(m.rates, bn), "rate") in text, text
        assert all(r.settings["learning_rate"] == lr for lr, r in zip(m.rates.values, m.rates.records[bn]))
        assert [p.batchnorm for p in m.rates.problems[bn]] == [bn] * len(rates)
        exploded = [lr for lr, r in zip(m.rates.values, m.rates.records[bn]) if r.diverged]
        assert (f"{'With' if bn else 'Without'} batch norm the loss explodes" in text) == bool(exploded)
    rows = tables(section)[1].rows
    assert [row[2] for row in rows] == ["yes" if v in trained_by_hand(m.rates, False) else "no" for v in rates]
    assert [row[4] for row in rows] == ["yes" if v in trained_by_hand(m.rates, True) else "no" for v in rates]


def test_the_init_scale_sentence_follows_the_runs(built):
    m, section = built
    text = captions(section)["initialization-init-scale"]
    for bn, word in ((True, "with batch norm, "), (False, "without, ")):
        chosen = trained_by_hand(m.scales, bn)
        assert word + phrase(m.scales.values, chosen, "scale") in text, text
        assert f"({len(chosen)} of {len(m.scales.values)})" in text
    more = len(trained_by_hand(m.scales, True)) - len(trained_by_hand(m.scales, False))
    assert (f"trains at {abs(more)} more" if more > 0 else f"trains at {-more} fewer" if more < 0
            else "trains at as many") in text
    # the runs start from Xavier's weights times the scale: the first layer's std says so
    for scale, problem, record in zip(m.scales.values, m.scales.problems[True], m.scales.records[True]):
        start = initialization.scaled_start(problem, scale)
        assert np.std(problem.params(start)["W1"]) == pytest.approx(scale / 8, rel=0.1)  # fan-in 64


def sweep(values, with_bn, without_bn):
    def record(outcome):
        if outcome == "exploded":
            return SimpleNamespace(diverged=True, epochs=[])
        return SimpleNamespace(diverged=False, epochs=[{"val_acc": outcome, "cost": 1.0}])

    return initialization.Sweep("x", tuple(values), {True: [record(o) for o in with_bn],
                                                     False: [record(o) for o in without_bn]}, {})


def test_the_sentences_follow_reversed_outcomes():
    # batch norm is worse here: the sentence must say so, not the lecture's claim
    rates = sweep([0.01, 0.1, 1.0, 10.0], with_bn=[0.95, 0.5, "exploded", "exploded"],
                  without_bn=[0.92, 0.93, 0.91, 0.2])
    text = initialization.rates_sentence(rates)
    assert "with batch norm, only the rate 0.01 trains; without, rates from 0.01 to 1 train." in text
    assert "With batch norm the loss explodes from 1 on." in text and "Without batch norm the loss" not in text
    assert "The largest rate that trains is 100 times lower with batch norm." in text

    gaps = sweep([0.01, 0.1, 1.0, 10.0], with_bn=[0.95, 0.5, 0.95, 0.1], without_bn=[0.1] * 4)
    text = initialization.rates_sentence(gaps)
    assert "rates from 0.01 to 1, except 0.1, train; without, no rate trains." in text
    assert "largest rate" not in text

    scales = sweep([0.1, 1.0, 10.0], with_bn=[0.5, 0.95, 0.3], without_bn=[0.91, 0.92, "exploded"])
    text = initialization.scales_sentence(scales)
    assert "with batch norm, only the scale 1 trains (1 of 3)" in text
    assert "from 30.0% to 95.0%" in text
    assert "without, scales from 0.1 to 1 train (2 of 3)" in text and "over the runs that finish" in text
    assert "the loss exploding at 10" in text and "Batch norm trains at 1 fewer of the scales." in text


def test_trend_words_follow_the_numbers():
    assert initialization.trend(np.array([1.0, 0.5, 2.0])) == "the std grows from 0.5 after layer 1 to 2 after layer 2"
    assert initialization.trend(np.array([1.0, 0.5, 0.1])).startswith("the std falls")
    assert initialization.trend(np.array([1.0, 0.5, 0.6])).startswith("the std stays near 0.5")
