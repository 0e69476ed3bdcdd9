"""`optbench bench`: the table, the JSON, and bad input refused before any measuring."""

import json

import pytest

from optbench.cli import main
from optbench.cli.arguments import size
from optbench.perf import bench

FAST = ["--rule", "sgd", "--n", "100", "--dtype", "float32", "--peers", "reference", "--rounds", "1",
        "--min-time", "1e-4"]


def test_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", *FAST, "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "us/update" in printed and "sgd" in printed and f"written to {out}" in printed
    document = json.loads(out.read_text())
    assert [(r["rule"], r["form"]) for r in document["rows"]] == [("sgd", "fast"), ("sgd", "exact")]
    assert document["machine"]["threading_layer"]


def test_one_form_asked_for(tmp_path):
    out = tmp_path / "bench.json"
    assert main(["bench", *FAST, "--form", "exact", "--output", str(out)]) == 0
    assert [r["form"] for r in json.loads(out.read_text())["rows"]] == ["exact"]


def test_the_default_output_is_outside_the_committed_results(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["bench", *FAST]) == 0
    assert json.loads((tmp_path / "out" / "bench.json").read_text())["rows"]
    assert not (tmp_path / "results").exists()


def test_an_unwritable_output_is_refused_before_measuring(tmp_path, monkeypatch, capsys):
    measured = []
    monkeypatch.setattr(bench, "measure_grid", lambda *a, **k: measured.append(1) or [])
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["bench", *FAST, "--output", str(blocker / "bench.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench bench: error: --output") and err.count("\n") == 1
    assert measured == []


def test_the_table_is_printed_before_the_file_is_written(tmp_path, monkeypatch, capsys):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bench, "write_json", full_disk)
    with pytest.raises(OSError):
        main(["bench", *FAST, "--output", str(tmp_path / "bench.json")])
    assert "us/update" in capsys.readouterr().out


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["--n", "1e30"], "from 1 to 2^48"),
        (["--n", "2^70"], "from 1 to 2^48"),
        (["--n", "1.5"], "whole number"),
        (["--n", "x"], "not a size"),
        (["--n", "0"], "from 1 to 2^48"),
        (["--rounds", "0"], ">= 1"),
        (["--min-time", "-1"], "> 0"),
        (["--min-time", "nan"], "NaN"),
        (["--peers", "jax"], "unknown peer"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(arguments, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        code = main(["bench", "--output", "", *arguments])
        raise SystemExit(code)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench bench: error: ") and words in err and err.count("\n") == 1, err


def test_more_memory_than_the_machine_has_is_refused(capsys):
    assert main(["bench", "--rule", "adam", "--n", "2^46", "--output", ""]) == 2
    assert "GB" in capsys.readouterr().err


def test_a_backend_asked_for_that_cannot_be_timed_is_an_error(monkeypatch, capsys):
    monkeypatch.setattr(bench, "timed_backends", lambda: ["cpu"])
    monkeypatch.setattr(bench, "untimed", lambda backend: None if backend == "cpu" else "no CUDA device")
    assert main(["bench", *FAST, "--backend", "cuda", "--output", ""]) == 2
    assert "optbench bench: error: backend cuda cannot be timed here: no CUDA device" in capsys.readouterr().err


@pytest.mark.parametrize("text, n", [("1000", 1000), ("1e7", 10**7), ("2^24", 1 << 24), (" 64 ", 64)])
def test_size_argument(text, n):
    assert size(text) == n


def test_machine_code_prints_the_arithmetic_per_element(capsys):
    assert main(["bench", "--machine-code", "--rule", "adam"]) == 0
    lines = {tuple(line.split()[:2]): line.split() for line in capsys.readouterr().out.splitlines()[1:-1]}
    exact, fast = lines["adam", "exact"], lines["adam", "fast"]
    lanes = {"ymm": 8, "zmm": 16, "xmm": 4}
    assert float(exact[5]) == 3 / lanes[exact[3]] and float(fast[5]) == 1 / lanes[fast[3]]  # vdiv per element


# ---------------------------------------------------------------------------------------
# --block: the network blocks

BLOCK_FAST = ["--n", "64", "--dtype", "float32", "--peers", "reference", "--rounds", "1", "--min-time", "1e-4"]


def test_block_prints_the_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "blocks.json"
    assert main(["bench", "--block", "relu", "--block", "tanh", *BLOCK_FAST, "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "us/call" in printed and "x torch" in printed and f"written to {out}" in printed
    rows = json.loads(out.read_text())["rows"]
    assert [(r["block"], r["direction"]) for r in rows] == [
        ("relu", "forward"), ("relu", "backward"), ("tanh", "forward"), ("tanh", "backward")]
    assert all(r["bound_fraction"] > 0 and r["reference_ratio"] > 0 and r["torch_ratio"] is None for r in rows)


def test_block_all_with_a_direction_and_a_shape_as_json(capsys):
    from optbench.blocks.registry import block_names

    assert main(["bench", "--block", "all", "--direction", "forward+backward", "--shape", "4x16", "--dtype",
                 "float64", "--peers", "none", "--rounds", "1", "--min-time", "1e-4", "--json", "--output", ""]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["block"] for r in rows] == block_names()
    assert {(r["direction"], tuple(r["shape"]), r["dtype"]) for r in rows} == {("forward+backward", (4, 16), "float64")}


def test_block_output_defaults_apart_from_the_rules(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "--block", "relu", "--direction", "forward", *BLOCK_FAST]) == 0
    assert json.loads((tmp_path / "out" / "blocks.json").read_text())["rows"]
    assert not (tmp_path / "out" / "bench.json").exists()


@pytest.mark.parametrize(
    "arguments, words",
    [
        (["--block", "softmax_layer"], "unknown block(s) ['softmax_layer']"),
        (["--block", "relu", "--rule", "sgd"], "give one of them"),
        (["--direction", "forward"], "--direction is for the blocks"),
        (["--shape", "4x8"], "--shape is for the blocks"),
        (["--block", "relu", "--shape", "4xq"], "in shape '4xq'"),
        (["--block", "relu", "--direction", "sideways"], "invalid choice"),
        (["--block", "relu", "--n", "2^46"], "GB"),
    ],
)
def test_block_bad_input_is_one_line_and_exit_2(arguments, words, capsys):
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(["bench", "--output", "", *arguments]))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench bench: error: ") and words in err and err.count("\n") == 1, err
