"""Evaluation tricks on the two-layer net: identities at the degenerate settings, and
the comparison's bookkeeping (short runs; the measured numbers are in the report)."""

import json

import numpy as np
import pytest

from optbench.training.evaluation import (
    TRICKS,
    compare_evaluation_tricks,
    evaluation_tricks,
    format_comparison,
)

SHORT = {"epochs": 2, "batch_size": 100}


def test_every_trick_reduces_to_the_single_model_at_its_degenerate_setting():
    # One model, one checkpoint (the last x), decay 0 (x_test = x).
    accuracies = evaluation_tricks(seed=0, num_models=1, num_checkpoints=1, decay=0.0, **SHORT)
    assert set(accuracies) == set(TRICKS)
    assert len(set(accuracies.values())) == 1


def test_comparison_over_seeds():
    result = compare_evaluation_tricks(seeds=(0, 1), num_models=2, num_checkpoints=2, **SHORT)
    assert [row["seed"] for row in result["per_seed"]] == [0, 1]
    for trick in TRICKS:
        values = [row[trick] for row in result["per_seed"]]
        assert all(0.0 <= v <= 1.0 for v in values)
        assert result["mean"][trick] == pytest.approx(np.mean(values))
        assert result["std"][trick] == pytest.approx(np.std(values))
    assert result["settings"]["num_models"] == 2 and result["settings"]["momentum"] == 0.9
    json.dumps(result, allow_nan=False)
    table = format_comparison(result)
    assert "seed 0" in table and "mean ± std" in table
    assert all(trick in table for trick in TRICKS)


def test_a_diverging_setting_is_an_error_not_a_number():
    with pytest.raises(RuntimeError, match="diverged.*too high"):
        evaluation_tricks(seed=0, num_models=1, learning_rate=1e3, **SHORT)


def test_no_seeds_is_an_error():
    with pytest.raises(ValueError, match="at least one seed"):
        compare_evaluation_tricks(seeds=())
