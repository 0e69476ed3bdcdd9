"""f* computed by L-BFGS-B once, cached in memory and on disk."""

import json

import pytest
import scipy.optimize

from optbench.problems import get_problem, optimum


@pytest.fixture(autouse=True)
def empty_memory():
    optimum._in_memory.clear()


def refuse_to_solve(*args, **kwargs):
    raise AssertionError("f* should have come from the cache")


def test_computed_once_then_read_from_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTBENCH_CACHE_DIR", str(tmp_path))
    first = get_problem("softmax", reg=0.05).f_star
    files = list(tmp_path.glob("f_star-softmax-*.json"))
    assert len(files) == 1
    record = json.loads(files[0].read_text())
    assert record["f_star"] == first and record["problem"] == "get_problem('softmax', reg=0.05)"
    optimum._in_memory.clear()
    monkeypatch.setattr(scipy.optimize, "minimize", refuse_to_solve)
    assert get_problem("softmax", reg=0.05).f_star == first


def test_in_memory_cache_without_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPTBENCH_CACHE_DIR", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    first = get_problem("softmax", reg=0.07).f_star
    monkeypatch.setattr(scipy.optimize, "minimize", refuse_to_solve)
    assert get_problem("softmax", reg=0.07).f_star == first
    assert not any(tmp_path.iterdir())  # nothing in the working folder, nothing under HOME


def test_other_options_get_their_own_value(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTBENCH_CACHE_DIR", str(tmp_path))
    assert get_problem("softmax", reg=0.05).f_star < get_problem("softmax", reg=0.5).f_star
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_a_corrupt_cache_file_is_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTBENCH_CACHE_DIR", str(tmp_path))
    expected = get_problem("softmax", reg=0.05).f_star
    (path,) = tmp_path.glob("*.json")
    path.write_text("{not json")
    optimum._in_memory.clear()
    assert get_problem("softmax", reg=0.05).f_star == pytest.approx(expected, rel=1e-12)
    assert json.loads(path.read_text())["f_star"] == pytest.approx(expected, rel=1e-12)
