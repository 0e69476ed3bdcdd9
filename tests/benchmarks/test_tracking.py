"""The history, the noise study, the gate and the planted regressions: the parts that
need no asv run (benchmarks/planted.py runs them all for real)."""

import itertools
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import convergence, gate, noise, planted, throughput, tracked, update, verification  # noqa: E402

SUITES = {"throughput": throughput.TrackThroughput, "convergence": convergence.TrackStepsToTarget,
          "convergence_lbfgs": convergence.TrackLBFGS, "verification": verification.TrackVerification,
          "update": update.TimeUpdate}


def asv_names():
    """Every parameterized benchmark name of the tracked suites, as asv prints them."""
    names = []
    for key, suite in SUITES.items():
        module = key.split("_")[0]
        for method in (m for m in dir(suite) if m.startswith(("time_", "track_"))):
            for combination in itertools.product(*suite.params):
                names.append(f"{module}.{suite.__name__}.{method}({', '.join(map(repr, combination))})")
    return names


@pytest.mark.parametrize("pattern", [*tracked.HISTORY, tracked.ABSOLUTE, *tracked.GATED])
def test_every_pattern_selects_benchmarks(pattern):
    assert any(re.search(pattern, name) for name in asv_names()), pattern


def test_the_gate_holds_part_of_the_history_and_the_steady_kinds_only():
    names = asv_names()
    gated = {n for n in names if any(re.search(p, n) for p in tracked.GATED)}
    in_history = {n for n in names if any(re.search(p, n) for p in tracked.HISTORY)}
    assert gated <= in_history
    assert not any("ns_per_parameter" in n or "time_update" in n or "worst_ulps" in n for n in gated)
    assert any("track_time_over_bound('adam', 'cpu', 'fast', 'float32')" in n for n in gated)


GATED_FIGURE = "throughput.TrackThroughput.track_time_over_bound('adam', 'cpu', 'fast', 'float32')"
ABSOLUTE_FIGURE = "update.TimeUpdate.time_update('adam', 'cpu', 'fast', 10000000, 'float32')"
COUNT = "convergence.TrackLBFGS.track_nfev('quadratic', 'optbench')"


def test_spreads_per_figure_and_per_kind():
    repeats = [{GATED_FIGURE: g, ABSOLUTE_FIGURE: a, COUNT: 7} for g, a in ((1.0, 1.0), (1.12, 1.6), (1.05, 0.9))]
    per_figure, per_kind = noise.summary(repeats)
    assert per_figure[GATED_FIGURE]["spread"] == pytest.approx(1.12)
    assert per_figure[COUNT]["spread"] == 1.0 and per_figure[COUNT]["cv"] == 0.0
    assert per_kind["absolute time (asv time_)"]["largest_spread"] == pytest.approx(1.6 / 0.9)


def test_the_factor_is_where_a_tenth_of_single_runs_and_a_twentieth_of_confirmed_ones_would_flag():
    # ten runs of unchanged code, one of them slowed by a burst of load (1.4)
    values = [1.0, 1.02, 0.98, 1.01, 1.4, 1.0, 0.99, 1.03, 1.0, 1.01]
    per_figure, _ = noise.summary([{GATED_FIGURE: v, ABSOLUTE_FIGURE: 3 * v, COUNT: 7} for v in values])
    # the burst's run as the candidate against each of the 9 others: 9 of 90 ordered pairs grow by > 1.35
    assert noise.false_flags(per_figure, 1.35) == pytest.approx(9 / 90)
    assert noise.false_flags(per_figure, 1.45) == 0.0
    # a confirmed flag needs the burst in both of two runs with no repeat in common: never
    assert noise.confirmed_false_flags(per_figure, 1.35) == 0.0
    factor, worst, rate, confirmed = noise.chosen_factor(per_figure)
    assert worst == pytest.approx(1.4 / 0.98)  # the ungated absolute time plays no part
    # 1.05 flags the pairs of ordinary runs too; from 1.10 only the burst's 9 pairs remain
    assert noise.false_flags(per_figure, 1.05) > 0.10 and (factor, rate, confirmed) == (1.1, pytest.approx(0.1), 0.0)


def test_the_confirmed_rate_counts_a_figure_flagged_in_both_runs_only():
    other = GATED_FIGURE.replace("'adam'", "'sgd'")
    # two bursts, in runs 1 and 2, each on one figure: disjoint pairs flag different figures
    gated_values = [1.0] * 6
    one, two = [*gated_values], [*gated_values]
    one[1], two[2] = 1.5, 1.5
    per_figure, _ = noise.summary([{GATED_FIGURE: a, other: b} for a, b in zip(one, two)])
    flagged = noise.flagged_by_pair(per_figure, 1.2)
    assert sum(bool(f) for f in flagged.values()) == 10  # runs 1 and 2 as candidates, 5 bases each
    assert noise.confirmed_false_flags(per_figure, 1.2) == 0.0
    # both bursts on the same figure: a pair with candidate 1 and a disjoint one with candidate 2 agree
    one[2] = 1.5
    per_figure, _ = noise.summary([{GATED_FIGURE: a, other: b} for a, b in zip(one, two)])
    assert noise.confirmed_false_flags(per_figure, 1.2) > 0.0


def test_a_flag_counts_only_when_the_second_run_flags_it_again(monkeypatch):
    adam, sgd = GATED_FIGURE, GATED_FIGURE.replace("'adam'", "'sgd'")
    runs = []

    def continuous(repo, base, candidate, factor, env, patterns):
        runs.append(list(patterns))
        rows = [f"{adam} 1.30", f"{sgd} 1.27"] if len(runs) == 1 else [f"{adam} 1.31"]
        return rows, f"run {len(runs)}"

    monkeypatch.setattr(gate, "continuous", continuous)
    flagged, unconfirmed, output = gate.speed("repo", "main", "HEAD", 1.25)
    assert flagged == [f"{adam} 1.31"] and unconfirmed == [f"{sgd} 1.27"]
    # the confirming run selects exactly the two flagged figures, parameters and all
    assert runs[1] == [f"^{re.escape(adam)}$", f"^{re.escape(sgd)}$"]
    assert [name for name in asv_names() if any(re.search(p, name) for p in runs[1])] == [adam, sgd]
    assert "run 1" in output and "run 2" in output


def test_nothing_flagged_is_not_run_again(monkeypatch):
    runs = []
    monkeypatch.setattr(gate, "continuous", lambda *args: runs.append(args) or ([], "quiet"))
    assert gate.speed("repo", "main", "HEAD", 1.25) == ([], [], "quiet") and len(runs) == 1


def test_the_factor_is_chosen_again_from_recorded_runs(tmp_path, capsys):
    values = [1.0, 1.2, 1.0, 1.0]
    recorded = {"commit": "a" * 40, "repeats": 4, "seconds": 1, "command": "python benchmarks/noise.py",
                "figures": {GATED_FIGURE: {"values": values}}}
    (tmp_path / "old.json").write_text(json.dumps(recorded))
    assert noise.main(["--from", str(tmp_path / "old.json"), "--output", str(tmp_path / "new.json")]) == 0
    chosen = json.loads((tmp_path / "new.json").read_text())
    assert chosen["factor"] == 1.2 and chosen["false_flags"] == 0.0  # 1.2 is not above 1.2 x 1.0: asv flags strictly and chosen["commit"] == "a" * 40
    assert chosen["figures"][GATED_FIGURE]["values"] == values
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(SystemExit) as stopped:
        noise.main(["--from", str(tmp_path / "bad.json"), "--output", str(tmp_path / "x.json")])
    assert stopped.value.code == 2 and not (tmp_path / "x.json").exists()


def test_the_factor_comes_from_the_committed_noise_study(tmp_path):
    (tmp_path / "noise.json").write_text(json.dumps({"factor": 1.25}))
    assert tracked.gate_factor(tmp_path / "noise.json") == 1.25
    with pytest.raises(SystemExit, match="run python benchmarks/noise.py"):
        tracked.gate_factor(tmp_path / "missing.json")


ASV_TABLE = """\
| Change   |   Before [f42649bb] <main> |   After [d4e9d0cb] <slower> |   Ratio | Benchmark (Parameter)                                                                        |
|----------|----------------------------|-----------------------------|---------|----------------------------------------------------------------------------------------------|
| -        |                   1.27377  |                    1.08641  |    0.85 | throughput.TrackThroughput.track_time_over_bound('adagrad', 'cpu', 'exact', 'float32')       |
| +        |                   0.993728 |                    1.43633  |    1.45 | throughput.TrackThroughput.track_time_over_bound('adam', 'cpu', 'fast', 'float32')           |
| !        |                   7        |                     failed  |     n/a | convergence.TrackLBFGS.track_nfev('quadratic', 'optbench')                                   |

SOME BENCHMARKS HAVE CHANGED SIGNIFICANTLY.
PERFORMANCE DECREASED.
"""  # the layout of asv 0.6.6's compare table, rows as asv continuous printed them here


def test_the_gate_reads_what_asv_flagged_worse():
    assert gate.flagged_rows(ASV_TABLE) == [
        "throughput.TrackThroughput.track_time_over_bound('adam', 'cpu', 'fast', 'float32') 1.45",
        "convergence.TrackLBFGS.track_nfev('quadratic', 'optbench') n/a",
    ]
    assert gate.flagged_rows("BENCHMARKS NOT SIGNIFICANTLY CHANGED.\n") == []


@pytest.mark.parametrize("plant", planted.PLANTS, ids=lambda p: p.name)
def test_each_plant_still_finds_its_text_once(plant):
    assert (ROOT / plant.path).read_text().count(plant.old) == 1, f"update planted.PLANTS: {plant.name}"


def test_the_detection_table_counts_each_target():
    def record(variant, correct, slower):
        verdict = gate.Verdict(correct, [] if correct else ["optbench verify --backend cpu"], slower, [])
        plant = next(p for p in planted.PLANTS if p.name == variant)
        return {"variant": variant, "correct": correct, "slower": slower, "ratio": 1.4 if slower else 1.0,
                "unconfirmed": [], "met": planted.outcome(plant, verdict)}

    records = [record("slower", True, k < 9) for k in range(10)] + [record("wrong", False, None) for _ in range(10)]
    records += [record("untouched", True, k == 0) for k in range(10)]
    records[-1]["unconfirmed"] = ["a figure 1.27"]  # flagged once, not again: passed
    text, met = planted.table(records, 10)
    assert met == {"slower": True, "wrong": True, "untouched": True}
    records[0]["met"] = records[1]["met"] = False  # slower caught 7 times of 10
    assert planted.table(records, 10)[1]["slower"] is False
    assert "slower" in text and "1.400" in text
    untouched = next(line for line in text.splitlines() if line.startswith("untouched"))
    assert untouched.split()[4:8] == ["0/10", "1/10", "1/10", "9/10"]  # failed, flagged, unconfirmed, met


@pytest.mark.parametrize("script, arguments, message", [
    (gate, ["no-such-commit"], "'no-such-commit' is not a commit"),
    (gate, ["--factor", "0.9"], "--factor must be above 1, got 0.9"),
    (gate, ["--factor", "nan"], "--factor must be above 1, got nan"),
    (noise, ["--repeats", "1"], "--repeats must be at least 2"),
    (noise, ["--commit", "no-such-commit"], "'no-such-commit' is not a commit"),
    (planted, ["--repeats", "0"], "--repeats must be at least 1"),
    (planted, ["--factor", "1"], "--factor must be above 1, got 1.0"),
], ids=lambda value: getattr(value, "__name__", None))
def test_bad_usage_is_one_line_and_exit_2_before_any_work(script, arguments, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as stopped:
        script.main([*arguments, *(["--output", str(tmp_path / "x.json")] if script is not gate else [])])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "x.json").exists()
