import math

import pytest
from asv_files import write_commit

from optbench.perf import history

OVER_BOUND = "throughput.TrackThroughput.track_time_over_bound"


def test_each_combination_of_the_parameters_is_a_figure(tmp_path):
    write_commit(tmp_path, "a" * 40, 2000, {
        OVER_BOUND: ([["'adam'", "'sgd'"], ["'exact'", "'fast'"]], [1.0, 1.1, 1.2, math.nan]),
        "convergence.TrackLBFGS.track_nfev": ([["'quadratic'"], ["'optbench'", "'scipy'"]], [7, None]),
        "memory.Memory.track_unparameterized": ([], [3.0]),
    })
    (commit,) = history.load(tmp_path)
    assert commit.figures == {
        f"{OVER_BOUND}('adam', 'exact')": 1.0, f"{OVER_BOUND}('adam', 'fast')": 1.1,
        f"{OVER_BOUND}('sgd', 'exact')": 1.2,  # ('sgd', 'fast') is NaN: skipped on that commit
        "convergence.TrackLBFGS.track_nfev('quadratic', 'optbench')": 7,
        "memory.Memory.track_unparameterized": 3.0,
    }
    assert commit.failed == ["convergence.TrackLBFGS.track_nfev('quadratic', 'scipy')"]
    assert commit.machine == "vm" and commit.short == "a" * 8


def test_commits_come_oldest_first_and_series_skip_the_commits_without_the_figure(tmp_path):
    write_commit(tmp_path, "b" * 40, 3000, {OVER_BOUND: ([["'adam'"]], [2.0])})
    write_commit(tmp_path, "a" * 40, 1000, {OVER_BOUND: ([["'adam'"]], [1.0])})
    write_commit(tmp_path, "c" * 40, 2000, {"other.Suite.track_x": ([], [5.0])})
    commits = history.load(tmp_path)
    assert [c.hash[0] for c in commits] == ["a", "c", "b"]
    assert [(c.hash[0], v) for c, v in history.series(commits, f"{OVER_BOUND}('adam')")] == [("a", 1.0), ("b", 2.0)]


def test_find_wants_one_commit_by_a_prefix_of_seven_or_more(tmp_path):
    write_commit(tmp_path, "abcdef0" + "1" * 33, 1, {})
    write_commit(tmp_path, "abcdef0" + "2" * 33, 2, {})
    commits = history.load(tmp_path)
    assert history.find(commits, "abcdef01").hash.endswith("1")
    with pytest.raises(ValueError, match="no single commit"):
        history.find(commits, "abcdef0")  # two match
    with pytest.raises(ValueError, match="no single commit"):
        history.find(commits, "abc")  # too short to mean one


def test_a_folder_without_results_is_an_empty_history_and_two_machines_need_a_choice(tmp_path):
    assert history.load(tmp_path / "missing") == []
    write_commit(tmp_path, "a" * 40, 1, {}, machine="one")
    write_commit(tmp_path, "b" * 40, 2, {}, machine="two")
    with pytest.raises(ValueError, match="choose one"):
        history.load(tmp_path)
    assert [c.hash[0] for c in history.load(tmp_path, machine="two")] == ["b"]
    with pytest.raises(ValueError, match="no results of machine 'three'"):
        history.load(tmp_path, machine="three")
