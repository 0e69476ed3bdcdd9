"""benchmarks/gpu/run.sh and run.py, the GPU run in one call: its arguments refused before
anything is installed or written, its install falling back to no downloads, and one run
end to end on Numba's simulator at tiny sizes (its JSON, every target in it). On a real
GPU one short run measures for real; without one that test skips.

pip is never run for real here: the shell script gets a stand-in interpreter that runs
this one, except that `python -m pip ...` is written to a log and answers with the exit
status it is told to, so that the script's install steps are seen without touching the
environment.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numba
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.gpu import run as gpu  # noqa: E402
from optbench.perf import bench  # noqa: E402

SCRIPT = ROOT / "benchmarks" / "gpu" / "run.sh"
PREFIX = "benchmarks/gpu/run.sh: error: "
TINY = ["--simulator", "--n", "2^4", "--n", "2^6", "--verify", "16:1"]


def stand_in_python(folder, pip_statuses, installed=True):
    """An interpreter for run.sh: this one, but `-m pip` logs its arguments and exits with the
    next of `pip_statuses`; with `installed=False` the check before the install fails as it
    does where optbench has never been installed."""
    log = folder / "pip.log"
    script = folder / "python"
    script.write_text(
        "#!/usr/bin/env bash\n"
        'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then\n'
        f'    echo "$*" >> "{log}"\n'
        f'    statuses=({" ".join(map(str, pip_statuses))})\n'
        f'    call=$(wc -l < "{log}")\n'
        '    echo "ERROR: stand-in pip, call $call"\n'
        '    exit "${statuses[$((call - 1))]:-1}"\n'
        "fi\n"
        + ("" if installed else
           'if [ "$3" = "--check" ] && [ ! -s "' + str(log) + '" ]; then\n'
           "    echo \"ModuleNotFoundError: No module named 'optbench.reference'\" >&2\n"
           "    exit 1\n"
           "fi\n")
        + f'exec "{sys.executable}" "$@"\n'
    )
    script.chmod(0o755)
    return script, log


def run_script(arguments, tmp_path, pip_statuses=(1, 1), cwd=ROOT, simulator=None, installed=True, pythonpath=None,
               timeout=240):
    """run.sh with `arguments`: (exit status, stdout, stderr, the pip calls it made); `pythonpath`
    a folder put first on the stand-in's path, where a module named scipy that fails shadows the real one."""
    python, log = stand_in_python(tmp_path, pip_statuses, installed)
    env = {**os.environ, "PYTHON": str(python)}
    if pythonpath:
        pythonpath.mkdir()
        (pythonpath / "scipy.py").write_text("raise ImportError('scipy is broken here')\n")
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), *filter(None, [os.environ.get("PYTHONPATH")])])
    if simulator is False:
        env.pop("NUMBA_ENABLE_CUDASIM", None)
    done = subprocess.run(["bash", str(SCRIPT), *arguments], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    calls = log.read_text().splitlines() if log.exists() else []
    return done.returncode, done.stdout, done.stderr, calls


# ---------------------------------------------------------------------------------------
# The Python entry point's arguments


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["--n", "0"], "from 1 to 2^48"),
        (["--n", "2^x"], "not a size"),
        (["--rounds", "0"], ">= 1"),
        (["--min-time", "-1"], "> 0"),
        (["--budget", "nan"], "NaN"),
        (["--verify", "2^20"], "N:STEPS"),
        (["--verify", "2^20:0"], ">= 1"),
        (["--verify", "x:10"], "not a size"),
        (["--verify", "none", "--verify", "16:1"], "--verify none"),
        (["--rule", "adamw"], "invalid choice"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_are_one_line_exit_2_and_write_nothing(arguments, words, tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(gpu.main(["--simulator", "--out", str(out), *arguments]))
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.startswith(PREFIX) and words in err and err.count("\n") == 1, err
    assert not out.exists()


def test_an_output_folder_that_cannot_be_written_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(numba.config, "ENABLE_CUDASIM", 1)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert gpu.main(["--simulator", "--check", "--out", str(blocker / "gpu")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{PREFIX}--out {blocker / 'gpu'}: cannot write there") and err.count("\n") == 1


def test_the_simulator_is_refused_without_the_flag_and_the_flag_without_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(numba.config, "ENABLE_CUDASIM", 1)
    assert gpu.main(["--check", "--out", str(tmp_path / "a")]) == 2
    assert "simulator" in capsys.readouterr().err and not (tmp_path / "a").exists()
    monkeypatch.setattr(numba.config, "ENABLE_CUDASIM", 0)
    assert gpu.main(["--simulator", "--check", "--out", str(tmp_path / "b")]) == 2
    assert "--simulator needs NUMBA_ENABLE_CUDASIM=1" in capsys.readouterr().err and not (tmp_path / "b").exists()


def test_check_measures_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(numba.config, "ENABLE_CUDASIM", 1)
    monkeypatch.setattr(bench, "measure", lambda *a, **k: pytest.fail("measured"))
    assert gpu.main(["--simulator", "--check", "--out", str(tmp_path / "out")]) == 0
    assert list((tmp_path / "out").iterdir()) == [] and capsys.readouterr() == ("", "")


def test_defaults_are_the_gpu_sweep_and_tiny_on_the_simulator():
    real = gpu.settle(gpu.parser().parse_args([]))
    assert real.n == [1 << k for k in (20, 22, 24, 26, 28)] and real.rule == bench.targets()
    assert real.verify == [(1000, 100), (1 << 20, 5)] and (real.rounds, real.min_time) == (7, 0.025)
    simulated = gpu.settle(gpu.parser().parse_args(["--simulator", "--n", "2^6", "--n", "2^4", "--verify", "none"]))
    assert simulated.n == [16, 64] and simulated.verify == [] and simulated.rounds == 1


# ---------------------------------------------------------------------------------------
# The sweep within its budget, and the table


def fake_case(target, backend, n, dtype, peers=(), rounds=1, min_time=0.0):
    time.sleep(0.01)
    return [bench.Row(target, backend, form, n, dtype, 1e-4, 9e-5, 28, {"torch_fused": 2e-4}, {"copy": n * 8 / 4e12})
            for form in ("fast", "exact")]


def test_a_case_the_time_left_cannot_hold_is_listed_not_measured(monkeypatch):
    monkeypatch.setattr(bench, "measure", fake_case)
    args = gpu.settle(gpu.parser().parse_args(["--rule", "adam", "--rule", "sgd", "--n", "2^10", "--n", "2^12"]))
    recorded = []
    rows, missed = gpu.sweep(args, time.time() + gpu.RESERVE, lambda r, m: recorded.append(len(r)))
    assert {(r.rule, r.n) for r in rows} == {("adam", 1024)} and recorded == [2, 2, 2, 2]
    assert [(m["rule"], m["n"]) for m in missed] == [("sgd", 1024), ("adam", 4096), ("sgd", 4096)]
    assert all(m["reason"].startswith("out of time (predicted ") for m in missed)


def test_predicted_time_scales_with_the_size():
    assert gpu.predicted({}, 1 << 20) is None
    assert gpu.predicted({1 << 20: 2.0}, 1 << 22) == 8.0 and gpu.predicted({1 << 20: 2.0, 1 << 22: 3.0}, 1 << 22) == 3.0


def test_table_has_a_line_per_rule_and_size_with_the_copy_and_torch_fused():
    rows = fake_case("adam", "cuda", 1 << 24, "float32") + fake_case("average", "cuda", 1 << 24, "float32")
    for row in rows[2:]:
        row.peers = {}
    lines = gpu.format_table(rows).splitlines()
    adam, average = lines[2].split(), lines[3].split()
    assert adam == ["adam", "2^24", "100", "4698", "4698", "5220", "0.90", "4000", "1.17", "200", "2.00"]
    assert average[-2:] == ["-", "-"] and "copy GB/s" in lines[0] and "x fused" in lines[0]
    assert gpu.format_table(rows, simulator=True).startswith("SIMULATOR: ")


# ---------------------------------------------------------------------------------------
# The shell script


def test_a_typo_costs_no_install(tmp_path):
    status, out, err, calls = run_script(["--n", "0", "--out", str(tmp_path / "out")], tmp_path)
    assert status == 2 and err.startswith(PREFIX) and err.count("\n") == 1, err
    assert calls == [] and not (tmp_path / "out").exists()


def test_before_the_first_install_the_arguments_are_checked_right_after_it(tmp_path):
    status, out, err, calls = run_script(["--simulator", "--n", "0", "--out", str(tmp_path / "out")], tmp_path,
                                         pip_statuses=(0,), installed=False)
    assert "optbench does not import before it is installed (ModuleNotFoundError" in out
    assert status == 2 and err.startswith(PREFIX) and "from 1 to 2^48" in err and err.count("\n") == 1, err
    assert len(calls) == 1 and not (tmp_path / "out").exists()


def test_without_an_install_what_does_not_import_is_exit_3_in_one_line(tmp_path):
    status, out, err, calls = run_script(["--simulator", "--no-install", "--out", str(tmp_path / "out")], tmp_path,
                                         installed=False, pythonpath=tmp_path / "shadow")
    assert status == 3 and err.startswith(f"{PREFIX}what the run needs does not import (install: none (--no-install))")
    assert err.count("\n") == 1 and "scipy" in err and calls == [], err


def test_an_unknown_option_is_refused_before_installing(tmp_path):
    status, _, err, calls = run_script(["--simulator", "--outt", str(tmp_path)], tmp_path)
    assert status == 2 and "unrecognized arguments: --outt" in err and calls == []


def test_it_runs_from_the_repository_root_only(tmp_path):
    status, _, err, calls = run_script(["--simulator"], tmp_path, cwd=tmp_path)
    assert status == 2 and err == f"{PREFIX}run it from the repository root: cd {ROOT} && bash {gpu.PROG}\n"
    assert calls == []


def test_without_a_gpu_it_says_so_in_one_line_and_installs_nothing(tmp_path):
    status, _, err, calls = run_script(["--out", str(tmp_path / "out")], tmp_path, simulator=False)
    assert status == 2 and err.startswith(f"{PREFIX}no GPU to measure: ") and err.count("\n") == 1, err
    assert calls == [] and not (tmp_path / "out").exists()


def test_help_installs_nothing(tmp_path):
    status, out, _, calls = run_script(["--help"], tmp_path)
    assert status == 0 and "--verify N:STEPS" in out and "Exit status" in out and calls == []


def test_an_install_that_fails_with_and_without_downloads_exits_3(tmp_path):
    status, out, err, calls = run_script([*TINY, "--out", str(tmp_path / "out")], tmp_path, pip_statuses=(1, 1))
    assert status == 3 and "could not be installed" in err, out + err
    assert [call.split()[2:] for call in calls] == [
        ["install", "--disable-pip-version-check", "--retries", "0", "--timeout", "10", "-e", ".[cuda]"],
        ["install", "--disable-pip-version-check", "--no-deps", "--no-build-isolation", "--no-index", "-e", "."],
    ]
    assert "installing without downloads" in out


def test_one_run_on_the_simulator_end_to_end(tmp_path):
    """pip fails for want of a network, the download-free install stands in (optbench is
    importable here already), then verify and the sweep at 2^4 and 2^6 on the simulator."""
    out = tmp_path / "out"
    status, printed, err, calls = run_script([*TINY, "--out", str(out)], tmp_path, pip_statuses=(1, 0))
    assert status == 0, printed + err
    assert len(calls) == 2 and "--no-deps --no-build-isolation --no-index" in calls[1]
    document = json.loads((out / "gpu.json").read_text())
    assert document["simulator"] is True and "no figure here is a measurement of any GPU" in document["note"]
    assert document["machine"]["gpu"]["simulator"] is True and document["machine"]["cpu"]
    assert "--no-deps --no-build-isolation" in document["install"]
    assert document["verified"] is True and document["complete"] is True and document["exit_status"] == 0
    (check,) = document["verify"]
    assert (check["n"], check["steps"], check["exit_status"]) == (16, 1, 0)
    assert {r["rule"] for r in check["rows"]} == {*optbench_rules(), "running_average"} and check["blocks"]
    rows = document["rows"]
    assert {(r["rule"], r["n"], r["form"]) for r in rows} == {
        (t, n, f) for t in bench.targets() for n in (16, 64) for f in ("fast", "exact")}
    for row in rows:
        assert row["simulator"] is True and row["backend"] == "cuda" and row["dtype"] == "float32"
        assert row["memory_gb_per_s"]["copy"] > 0 and row["memory_fraction"]["copy"] > 0 and row["bound_fraction"] > 0
    assert [(a["n"], a["form"]) for a in document["torch_fused_adam"]] == [(16, "fast"), (16, "exact"), (64, "fast"),
                                                                          (64, "exact")]
    assert document["elapsed_s"] > document["phases_s"]["verify"] > 0 and document["not_measured"] == []
    table = (out / "gpu.txt").read_text()
    assert table.startswith("SIMULATOR: ") and table in printed
    assert all(f"\n{target:<14}" in table for target in bench.targets())
    assert "benchmarks/gpu/run.sh: done in" in printed


def optbench_rules():
    from optbench import rule_names

    return rule_names()


@pytest.mark.skipif(bench.untimed("cuda") is not None, reason=f"needs a real GPU: {bench.untimed('cuda')}")
def test_a_short_run_on_a_real_gpu(tmp_path, capsys):
    out = tmp_path / "out"
    status = gpu.main(["--out", str(out), "--n", "2^20", "--rule", "adam", "--rule", "average", "--rounds", "2",
                       "--min-time", "0.005", "--verify", "2^19:2", "--budget", "300"])
    document = json.loads((out / "gpu.json").read_text())
    assert status == 0 and document["simulator"] is False and document["machine"]["gpu"]["name"]
    for row in document["rows"]:
        assert row["gb_per_s"] > 0 and row["memory_gb_per_s"]["copy"] > 0
    if document["torch"]["cuda"]:
        assert all(a["torch_fused_us"] > 0 for a in document["torch_fused_adam"])
