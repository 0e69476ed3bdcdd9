"""A cheap smoke of the asv suites in benchmarks/, so that CI notices a broken benchmark.

asv itself checks that every suite imports and is well formed, and runs one small
benchmark end to end; then every suite's setup and benchmark functions run once in this
process at a tiny size. No timing is asserted.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from optbench import config

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import common, compile_time, convergence, flat, memory, throughput, update  # noqa: E402


def asv(*args, home):
    """Run asv in the repository with its machine file under `home` (not the user's)."""
    pytest.importorskip("asv")
    env = {**os.environ, "HOME": str(home), "OPTBENCH_CACHE_DIR": str(config.cache_dir() or "")}
    return subprocess.run(
        [sys.executable, "-m", "asv", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_asv_checks_the_suites_and_runs_one_benchmark(tmp_path):
    check = asv("check", "--python=same", home=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert asv("machine", "--yes", home=tmp_path).returncode == 0
    one = r"update.TimeUpdate.time_update\('sgd', 'cpu', 1000, 'float32'\)"
    run = asv("run", "--python=same", "--quick", "--dry-run", "--show-stderr", "--bench", one, home=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "time_update" in run.stdout and "failed" not in run.stdout


def _run(suite, *params):
    benchmark = suite()
    cached = suite.setup_cache(benchmark) if hasattr(suite, "setup_cache") else None
    args = (cached, *params) if cached is not None else params
    if hasattr(benchmark, "setup"):
        benchmark.setup(*args)
    try:
        return {
            name: getattr(benchmark, name)(*args)
            for name in dir(benchmark)
            if name.startswith(("time_", "track_", "peakmem_"))
        }
    finally:
        if hasattr(benchmark, "teardown"):
            benchmark.teardown(*params)


@pytest.mark.parametrize("backend", common.BACKENDS)
def test_time_update(backend):
    _run(update.TimeUpdate, "adam", backend, 1000, "float32")
    _run(update.TimeUpdate, "average", backend, 1000, "float64")


def test_memory(monkeypatch):
    monkeypatch.setattr(memory, "N", 1000)
    figures = _run(memory.Memory, "rmsprop", "cpu")
    assert figures["track_temporary_mb"] < 0.01  # the kernel allocates nothing


def test_throughput(monkeypatch):
    monkeypatch.setattr(throughput, "N", 1000)
    monkeypatch.setattr(throughput, "TARGETS", ["sgd"])
    monkeypatch.setattr(throughput, "DTYPES", ["float32"])
    figures = _run(throughput.TrackThroughput, "sgd", "cpu", "float32")
    assert figures["track_gb_per_s"] > 0 and figures["track_bound_fraction"] > 0


def test_flat_buffer():
    _run(flat.TwoLayerFlatBuffer, "nesterov", "flat")
    _run(flat.TwoLayerFlatBuffer, "nesterov", "per_array")


def test_compile_time():
    figures = _run(compile_time.TrackCompile, "sgd")
    assert figures["track_compile_seconds"] > 0 and figures["track_cache_load_seconds"] > 0


def test_steps_to_target():
    figures = _run(convergence.TrackStepsToTarget, "sgd_momentum", "quadratic")
    assert 0 < figures["track_steps_to_target"] <= convergence.STEPS
