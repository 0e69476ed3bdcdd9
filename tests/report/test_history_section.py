"""The History section and `--compare`, on asv results written for the test."""

import json

import pytest
from asv_files import write_commit

from optbench.cli import main
from optbench.report import run_section, settings
from optbench.report.progress import Progress
from optbench.report.sections import comparison, history

A, B, C = "a" * 40, "b" * 40, "c" * 40


def figures(over_bound, ns, steps, failed=0):
    return {
        "throughput.TrackThroughput.track_time_over_bound": ([["'adam'", "'sgd'"], ["'cpu'"], ["'fast'"], ["'float32'"]],
                                                             over_bound),
        "throughput.TrackThroughput.track_ns_per_parameter": ([["'adam'", "'sgd'"], ["'cpu'"], ["'fast'"], ["'float32'"]],
                                                              ns),
        "convergence.TrackStepsToTarget.track_steps_to_target": ([["'adam'"], ["'quadratic'"]], [steps]),
        "convergence.TrackLBFGS.track_nfev": ([["'quadratic'"], ["'optbench'", "'scipy'"]], [7, 7]),
        "verification.TrackVerification.track_failed_checks": ([["'adam'"]], [failed]),
    }


@pytest.fixture
def results(tmp_path, monkeypatch):
    write_commit(tmp_path, A, 1000, figures([1.0, 1.0], [3.0, 1.0], 1452))
    write_commit(tmp_path, B, 2000, figures([1.25, 1.02], [4.0, 1.0], 1452))
    write_commit(tmp_path, C, 3000, figures([1.5, 1.0], [4.5, 1.0], 1460, failed=2))
    (tmp_path / "noise.json").write_text(json.dumps({
        "factor": 1.15, "false_flags": 0.05, "confirmed_false_flags": 0.002,
        "single_bound": 0.1, "confirmed_bound": 0.05, "repeats": 10, "commit": A, "largest_gated_spread": 1.11,
        "kinds": {"time over the bound": {"figures": 2, "median_cv": 0.02, "largest_spread": 1.11, "at": "x"},
                  "steps to target": {"figures": 1, "median_cv": 0.0, "largest_spread": 1.0, "at": "y"}},
        "figures": {"throughput.TrackThroughput.track_time_over_bound('sgd', 'cpu', 'fast', 'float32')":
                    {"spread": 1.05}},
    }))
    monkeypatch.setattr(settings, "ASV_RESULTS", str(tmp_path))
    return tmp_path


def text_of(section):
    return "\n".join(getattr(b, "text", "") for b in section.blocks)


def test_the_history_is_drawn_and_described_from_the_results(results):
    section = run_section("history", settings.QUICK, Progress(quiet=True))
    assert section.status == "ok", section.error
    assert [f.name for f in section.figures] == ["history-speed", "history-convergence"]
    text = text_of(section)
    assert "3 commits benchmarked by asv, from aaaaaaaa to cccccccc" in text
    assert "1 of 3 commits failed verification checks: cccccccc" in text
    assert ("the gate's factor 1.15 is the smallest at which at most 10% of the pairs would have flagged a gated figure "
            "(5.0%) and at most 5% of the disjoint pairs of pairs (a flag and the gate's confirming run) the same one "
            "(0.20%)") in text
    speed = section.figures[0].caption
    assert "Adam's, from 1.00 of the bound at aaaaaaaa to 0.67 at cccccccc" in speed
    assert "1 of them moved" in section.figures[1].caption and "adam, quadratic: 1452 then 1460" in section.figures[1].caption


def test_no_results_fail_the_section_with_the_command_to_make_them(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "ASV_RESULTS", str(tmp_path / "none"))
    section = run_section("history", settings.QUICK, Progress(quiet=True))
    assert section.status == "failed" and "python benchmarks/history.py" in section.error


def test_moves_are_judged_by_each_figures_own_noise_and_counts_by_any_change(results):
    commits = comparison.history.load(str(results))
    factor, spreads = comparison.noise_band(str(results))
    rows = {r[0]: r for r in comparison.compare(commits[0], commits[1], factor, spreads)}
    adam = rows["throughput.TrackThroughput.track_time_over_bound('adam', 'cpu', 'fast', 'float32')"]
    sgd = rows["throughput.TrackThroughput.track_time_over_bound('sgd', 'cpu', 'fast', 'float32')"]
    assert adam[4] == pytest.approx(1.25) and adam[5] == "worse"  # beyond the factor 1.15
    assert sgd[5] == ""  # 1.02, within its own measured spread of 1.05
    later = {r[0]: r for r in comparison.compare(commits[1], commits[2], factor, spreads)}
    assert later["convergence.TrackStepsToTarget.track_steps_to_target('adam', 'quadratic')"][5] == "worse"
    assert later["verification.TrackVerification.track_failed_checks('adam')"][4] == float("inf")
    assert later["verification.TrackVerification.track_failed_checks('adam')"][5] == "worse"


def test_report_compare_adds_the_section(results, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", "--section", "comparison", "--compare", f"{A[:8]}..{C[:8]}", "--out", str(out),
                 "--quiet"]) == 0
    markdown = (out / "report.md").read_text()
    assert "## Between commits: what moved" in markdown
    assert "Commit cccccccc against aaaaaaaa: 8 figures in common" in markdown
    assert "4 moved beyond the spread of repeated runs of one commit, 4 of them for the worse" in markdown
    assert (out / "figures" / "comparison-ratios.png").exists()


@pytest.mark.parametrize("arguments, message", [
    (["--compare", "deadbeef"], "no single commit with results starts with 'deadbeef'"),
    (["--compare", "..cccccccc"], "--compare needs a base commit"),
    (["--section", "comparison"], "the comparison section needs --compare"),
])
def test_report_compare_refuses_what_it_cannot_compare(results, tmp_path, capsys, arguments, message):
    out = tmp_path / "refused"
    assert main(["report", *arguments, "--out", str(out), "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_report_compare_without_any_results(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(settings, "ASV_RESULTS", str(tmp_path / "none"))
    assert main(["report", "--compare", "abcdef01", "--out", str(tmp_path / "out")]) == 2
    assert "run python benchmarks/history.py first" in capsys.readouterr().err
