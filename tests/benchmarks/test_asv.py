"""A cheap smoke of the asv suites in benchmarks/, so that CI notices a broken benchmark.

asv itself checks that every suite imports and is well formed, and runs one small
benchmark end to end; then every suite's setup and benchmark functions run once in this
process at a tiny size. No timing is asserted.

And the README's regression gate, `asv continuous main HEAD --factor 1.15`, runs for real
on a scratch repository of two commits (this working tree as `main`, a harmless change
on top): asv builds both in a virtualenv of its own, as asv.conf.json says, discovers
every suite there and times one small benchmark on both.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from optbench import config

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import (  # noqa: E402
    blocks,
    gate,
    common,
    compile_time,
    convergence,
    flat,
    memory,
    throughput,
    update,
    verification,
)


def asv(*args, home, cwd=ROOT, env=None, timeout=300):
    """Run asv in `cwd` (the repository) with its machine file under `home` (not the user's)."""
    env = env or {**os.environ, "HOME": str(home), "OPTBENCH_CACHE_DIR": str(config.cache_dir() or "")}
    return subprocess.run(
        [sys.executable, "-m", "asv", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_asv_checks_the_suites_and_runs_one_benchmark(tmp_path):
    check = asv("check", "--python=same", home=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert asv("machine", "--yes", home=tmp_path).returncode == 0
    one = r"update.TimeUpdate.time_update\('sgd', 'cpu', 'fast', 1000, 'float32'\)"
    run = asv("run", "--python=same", "--quick", "--dry-run", "--show-stderr", "--bench", one, home=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "time_update" in run.stdout and "failed" not in run.stdout


def worktree_files():
    """This working tree's files as git sees them: tracked (unless deleted) and untracked
    but not ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({name for name in listed.split("\0") if name and os.path.lexists(ROOT / name)})


def scratch_repository(path, env):
    """A repository at `path` whose `main` commit is this working tree, uncommitted edits
    and new files included, and whose branch `change` (checked out) adds a harmless commit."""

    def git(*args):
        subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=path, env=env, check=True, capture_output=True)

    path.mkdir()
    git("init", "-q")
    git("symbolic-ref", "HEAD", "refs/heads/main")
    files = worktree_files()
    for name in files:
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, path / name, follow_symlinks=False)
    git("add", "-A")
    git("commit", "-q", "--no-verify", "-m", "the working tree under test")
    git("checkout", "-q", "-b", "change")
    (path / "CHANGE.txt").write_text("a change that touches no code\n")
    git("add", "CHANGE.txt")
    git("commit", "-q", "--no-verify", "-m", "a harmless change")
    committed = subprocess.run(
        ["git", "ls-tree", "-r", "-z", "--name-only", "main"], cwd=path, env=env, capture_output=True, check=True
    ).stdout.decode()
    assert sorted(name for name in committed.split("\0") if name) == files


def _pip_cache_dir():
    """pip's cache directory for this user (kept when HOME moves), or None."""
    out = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"], capture_output=True, text=True, check=False)
    return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None


SMALL = (r"convergence\.TrackLBFGS\.track_nfev\('quadratic', 'optbench'\)",
         r"update\.TimeUpdate\.time_update\('sgd', 'cpu', 'exact', 1000, 'float32'\)")


def test_the_regression_gate_completes_on_two_commits(tmp_path):
    """`python benchmarks/gate.py main HEAD` on a scratch repository, with the asv
    selection cut to two small benchmarks: the candidate built and installed on its own
    and verified, then `asv continuous` with the measured factor, both commits built in
    virtualenvs from asv.conf.json, every suite discovered there, both timed.

    The time is not --quick: a single call of a microsecond benchmark differs between two
    runs by more than the factor often enough to fail the gate; asv's statistics over full
    samples do not. The first run on a machine downloads optbench's pinned dependencies
    into asv's virtualenv."""
    home, scratch = tmp_path / "home", tmp_path / "repo"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "OPTBENCH_CACHE_DIR": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "optbench tests",
        "GIT_AUTHOR_EMAIL": "tests@optbench.invalid",
        "GIT_COMMITTER_NAME": "optbench tests",
        "GIT_COMMITTER_EMAIL": "tests@optbench.invalid",
        # HOME moves for asv's machine file only: pip keeps the user's settings and cache
        "XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME", str(Path.home() / ".config")),
    }
    if "PIP_CACHE_DIR" not in env and (cache := _pip_cache_dir()):
        env["PIP_CACHE_DIR"] = cache
    scratch_repository(scratch, env)
    machine = asv("machine", "--yes", home=home, cwd=scratch, env=env)
    assert machine.returncode == 0, machine.stdout + machine.stderr

    def run_gate():
        return gate.gate(scratch, "main", "change", env=env, patterns=SMALL)

    verdict = run_gate()
    if verdict.slower:
        verdict = run_gate()  # noise on a shared machine, once; a broken gate fails both times
    out = verdict.output
    assert verdict.correct, out
    assert "Discovering benchmarks" in out
    assert "Running 4 total benchmarks (2 commits * 1 environments * 2 benchmarks)" in out
    for branch in ("main", "change"):  # both commits built and benchmarked
        assert re.search(rf"For optbench commit \w+ <{branch}>", out), out
    assert re.search(r"update\.TimeUpdate\.time_update\s+ok", out), out
    assert re.search(r"convergence\.TrackLBFGS\.track_nfev\s+ok", out), out
    assert not re.search(r"···.*\sfailed\s*$", out, re.M) and "Traceback" not in out, out  # no benchmark failed
    # two commits of the same code: unchanged, or (noise) faster, which passes the gate
    assert verdict.passed and verdict.flagged == [], out


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
    _run(update.TimeUpdate, "adam", backend, "exact", 1000, "float32")
    _run(update.TimeUpdate, "average", backend, "exact", 1000, "float64")
    if backend != "reference":
        _run(update.TimeUpdate, "adam", backend, "fast", 1000, "float32")
    else:
        with pytest.raises(NotImplementedError, match="one form"):
            _run(update.TimeUpdate, "adam", backend, "fast", 1000, "float32")


def test_memory(monkeypatch):
    monkeypatch.setattr(memory, "N", 1000)
    figures = _run(memory.Memory, "rmsprop", "cpu")
    assert figures["track_temporary_mb"] < 0.01  # the kernel allocates nothing


def test_throughput(monkeypatch):
    monkeypatch.setattr(throughput, "N", 1000)
    monkeypatch.setattr(throughput, "TARGETS", ["sgd"])
    monkeypatch.setattr(throughput, "DTYPES", ["float32"])
    for form in ("exact", "fast"):
        figures = _run(throughput.TrackThroughput, "sgd", "cpu", form, "float32")
        assert figures["track_time_over_bound"] > 0 and figures["track_ns_per_parameter"] > 0


def test_the_ratio_is_taken_within_each_round(monkeypatch):
    """Each round has its own load (1x to 3x, as a shared machine's bursts): the pair of
    samples in a round sees the same load, so the median of the per-round ratios is the
    kernel's true time over the bound's, and the bound goes first in every other round."""
    true_seconds = {"exact": 3e-3, "fast": 2e-3, "bound": 1e-3}
    load = [1.0, 3.0, 1.2, 2.5, 1.0, 1.1, 3.0, 2.0, 1.0, 1.4]
    samples = []

    def sample(call, number, synchronize):
        samples.append(call())
        return true_seconds[samples[-1]] * load[(len(samples) - 1) // 4]  # 2 forms x (kernel, bound) per round

    monkeypatch.setattr(throughput, "sample", sample)
    monkeypatch.setattr(throughput, "calls_per_sample", lambda call, synchronize: 1)
    monkeypatch.setattr(throughput.time, "sleep", lambda seconds: None)
    raced = throughput.paired_race({"exact": lambda: "exact", "fast": lambda: "fast"}, lambda: "bound", lambda: None)
    assert len(samples) == 4 * throughput.ROUNDS
    times, ratios = raced["exact"]
    assert ratios == pytest.approx([3.0] * throughput.ROUNDS) and raced["fast"][1] == pytest.approx([2.0] * 10)
    assert times == pytest.approx([3e-3 * x for x in load])
    pairs = [samples[k:k + 2] for k in range(0, len(samples), 2)]
    assert all("bound" in pair and len(set(pair)) == 2 for pair in pairs)  # each kernel sample beside a bound sample
    assert [pair[0] == "bound" for pair in pairs[::2]] == [r % 2 == 1 for r in range(throughput.ROUNDS)]


def test_torch_steps_beside_the_updates():
    pytest.importorskip("torch")
    _run(update.TimeTorchStep, "adam", "fused", 1000, "float32")
    _run(update.TimeTorchStep, "sgd_momentum", "forloop", 1000, "float32")
    with pytest.raises(NotImplementedError, match="no fused implementation of rmsprop"):
        _run(update.TimeTorchStep, "rmsprop", "fused", 1000, "float32")


def test_flat_buffer():
    _run(flat.TwoLayerFlatBuffer, "nesterov", "flat")
    _run(flat.TwoLayerFlatBuffer, "nesterov", "per_array")


def test_compile_time():
    figures = _run(compile_time.TrackCompile, "sgd")
    assert figures["track_compile_seconds"] > 0 and figures["track_cache_load_seconds"] > 0


def test_steps_to_target():
    figures = _run(convergence.TrackStepsToTarget, "sgd_momentum", "quadratic")
    assert 0 < figures["track_steps_to_target"] <= convergence.STEPS


def test_nfev_of_both_solvers():
    assert _run(convergence.TrackLBFGS, "quadratic", "optbench")["track_nfev"] > 0
    assert _run(convergence.TrackLBFGS, "rosenbrock", "scipy")["track_nfev"] > 0


def test_grids_keep_their_order_on_commits_that_lack_a_name(monkeypatch):
    """asv runs an older commit's cases by position in the grid the older import computes:
    a problem or block that a commit lacks keeps its place, and its case skips."""
    assert common.stable_grid(("b", "a"), ["a", "c"]) == ["b", "a", "c"]
    assert convergence.PROBLEMS[:5] == ["quadratic", "rosenbrock", "softmax", "two_layer", "mlp"]
    monkeypatch.setattr(convergence, "problem_names", lambda: ("quadratic", "rosenbrock", "softmax", "two_layer"))
    with pytest.raises(NotImplementedError, match="no problem 'mlp'"):
        _run(convergence.TrackStepsToTarget, "sgd", "mlp")


def test_the_block_grids_are_the_registry():
    from optbench.blocks.registry import block_names

    for suite in (blocks.TimeBlock, blocks.TimeTorchBlock, blocks.TrackBlockThroughput, blocks.TrackBlockVsTorch):
        assert suite.params[0] == block_names(), suite.__name__


def test_time_block():
    for implementation in blocks.IMPLEMENTATIONS:
        _run(blocks.TimeBlock, "relu", implementation, "backward", 1000, "float32")
    _run(blocks.TimeBlock, "batchnorm", "kernel", "forward", 1000, "float64")


def test_time_block_skips_the_bound_of_a_block_without_passes(monkeypatch):
    monkeypatch.setattr(blocks.perf_blocks, "passes", lambda block, direction: None)
    blocks.prepared.cache_clear()  # a call built before the patch would be reused
    try:
        with pytest.raises(NotImplementedError, match="no bound"):
            _run(blocks.TimeBlock, "relu", "bound", "forward", 1000, "float32")
    finally:
        blocks.prepared.cache_clear()


def test_torch_blocks_beside_the_kernels():
    pytest.importorskip("torch")
    _run(blocks.TimeTorchBlock, "sigmoid", "backward", 1000, "float32")
    with pytest.raises(NotImplementedError, match="no counterpart of dropout"):
        _run(blocks.TimeTorchBlock, "dropout", "forward", 1000, "float32")


def test_block_throughput_and_speedup_over_torch(monkeypatch):
    monkeypatch.setattr(blocks, "N", 1000)
    monkeypatch.setattr(blocks, "BLOCKS", ["tanh"])
    monkeypatch.setattr(blocks, "DTYPES", ["float32"])
    for direction in blocks.TRACKED_DIRECTIONS:
        figures = _run(blocks.TrackBlockThroughput, "tanh", direction, "float32")
        assert figures["track_time_over_bound"] > 0 and figures["track_ns_per_element"] > 0
    if blocks.peers.torch_or_none() is not None:
        assert _run(blocks.TrackBlockVsTorch, "tanh", "forward", "float32")["track_time_over_torch"] > 0


def test_the_block_suite_skips_on_a_commit_without_the_blocks(monkeypatch):
    """An older optbench has no optbench.blocks: the suite imports, its grid is the
    same as on every commit, and every setup skips."""
    import importlib.util

    monkeypatch.setitem(sys.modules, "optbench.blocks.registry", None)  # importing it raises ImportError
    monkeypatch.setitem(sys.modules, "optbench.perf.blocks", None)
    spec = importlib.util.spec_from_file_location("benchmarks.blocks_of_an_older_commit", blocks.__file__)
    older = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(older)
    assert older.TimeBlock.params[0] == list(blocks.KNOWN_BLOCKS)
    with pytest.raises(NotImplementedError, match="lacks"):
        _run(older.TimeBlock, "relu", "kernel", "forward", 1000, "float32")
    with pytest.raises(NotImplementedError, match="lacks"):
        _run(older.TrackBlockThroughput, "relu", "forward", "float32")


def test_verification_counts_what_fails(monkeypatch):
    assert _run(verification.TrackVerification, "adam")["track_failed_checks"] == 0
    assert _run(verification.TrackVerification, "average")["track_worst_ulps"] == 0  # the average has the exact form only
    real = verification.verify.verify_all

    def with_one_failure(*args, **kwargs):
        rows, skipped = real(*args, **kwargs)
        rows[0].passed = False
        return rows, skipped

    monkeypatch.setattr(verification.verify, "verify_all", with_one_failure)
    assert _run(verification.TrackVerification, "sgd")["track_failed_checks"] == 1


def test_asv_publishes_the_committed_history(tmp_path):
    """`asv publish` draws the committed results/asv: every commit with results is a
    revision of the dashboard, and the tracked benchmarks have graphs."""
    import json

    from optbench.perf.history import load

    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True)
    if shallow.stdout.strip() == "true":
        pytest.skip("a shallow clone lacks the commits the results name")
    commits = load(ROOT / "results" / "asv")
    assert len(commits) >= 2
    html = tmp_path / "html"
    done = asv("publish", "--html-dir", str(html), "--no-pull", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    index = json.loads((html / "index.json").read_text())
    published = set(index["revision_to_hash"].values())
    assert {c.hash for c in commits} <= published
    assert "throughput.TrackThroughput.track_time_over_bound" in index["benchmarks"]
    assert (html / "graphs").is_dir()
