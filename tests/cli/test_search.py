"""`optbench search`: the best trial, --json, resume, and bad input that writes nothing."""

import json

import optuna
import pytest
from sequential import use_sequential

from optbench.cli import main

BASE = ["search", "--problem", "quadratic", "-o", "n=5", "--rule", "sgd", "--steps", "10"]


@pytest.fixture
def storage(tmp_path):
    return f"sqlite:///{tmp_path}/s.db"


def test_json_has_the_study_every_trial_and_the_best(storage, monkeypatch, capsys):
    use_sequential(monkeypatch)
    code = main([*BASE, "--space", "learning_rate=log(1e-3,1)", "--space", "condition=log(10,100)",
                 "--layout", "grid", "--trials", "4", "--storage", storage, "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"study", "storage", "layout", "direction", "space", "trials", "best"}
    assert out["storage"] == storage and out["layout"] == "grid" and out["direction"] == "minimize"
    assert out["study"].startswith("quadratic-sgd-grid-")
    assert [t["number"] for t in out["trials"]] == [0, 1, 2, 3]
    assert all(set(t) >= {"number", "params", "value", "state", "seconds"} for t in out["trials"])
    assert {t["state"] for t in out["trials"]} == {"COMPLETE"}
    assert out["best"]["value"] == min(t["value"] for t in out["trials"])


def test_the_best_trial_is_printed_and_the_same_command_resumes(storage, monkeypatch, capsys):
    calls = use_sequential(monkeypatch)
    args = [*BASE, "--space", "learning_rate=log(1e-3,1)", "--layout", "random", "--trials", "3",
            "--storage", storage, "--study", "mine"]
    assert main(args) == 0 and main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("study mine in sqlite:///") and "3 complete trials, minimize f - f*" in lines[0]
    assert lines[1].startswith("best: trial ") and "learning_rate=" in lines[1]
    assert calls == [3]  # the second run found the study complete


@pytest.mark.parametrize("args, message", [
    (["--space", "beta=log(1e-3,1)", "--layout", "random", "--trials", "3"], "valid names: learning_rate"),
    (["--space", "learning_rate=log(1,1e-3)", "--layout", "random", "--trials", "3"], "LOW must be below HIGH"),
    (["--space", "learning_rate=log(-1,1)", "--layout", "random", "--trials", "3"], "must be positive"),
    (["--space", "learning_rate=log(1e-3,1)", "--space", "condition=log(10,100)", "--layout", "grid",
      "--trials", "5"], "the nearest are 4 (2 per axis) and 9 (3 per axis)"),
    (["--layout", "random", "--trials", "3"], "give at least one --space"),
    (["--space", "learning_rate=log(1e-3,1)", "--layout", "random", "--trials", "3", "--refine"], "to refine"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(args, message, tmp_path, monkeypatch, capsys):
    calls = use_sequential(monkeypatch)
    assert main([*BASE, *args, "--storage", f"sqlite:///{tmp_path}/s.db"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench search: error: ") and err.count("\n") == 1 and message in err, err
    assert calls == []
    db = tmp_path / "s.db"
    assert not db.exists() or optuna.get_all_study_names(f"sqlite:///{db}") == []


@pytest.mark.parametrize("args", [
    ["--space", "learning_rate=log(1e-3,1)", "--layout", "random", "--trials", "0"],
    ["--space", "learning_rate=log(1e-3,1)", "--layout", "spiral", "--trials", "3"],
    ["--space", "learning_rate=log(1e-3,1)", "--layout", "random", "--trials", "3", "--workers", "2",
     "--scheduler", "tcp://127.0.0.1:1"],
])
def test_usage_errors_exit_2(args, capsys):
    with pytest.raises(SystemExit) as info:
        main([*BASE, *args])
    assert info.value.code == 2 and capsys.readouterr().err.startswith("optbench search: error: ")


def test_a_study_name_taken_by_another_space_is_refused_untouched(storage, monkeypatch, capsys):
    use_sequential(monkeypatch)
    first = [*BASE, "--layout", "random", "--trials", "2", "--storage", storage, "--study", "mine"]
    assert main([*first, "--space", "learning_rate=log(1e-3,1)"]) == 0
    assert main([*first, "--space", "learning_rate=log(1e-2,1)"]) == 2
    assert "study 'mine' exists with other settings" in capsys.readouterr().err
    assert len(optuna.load_study(study_name="mine", storage=storage).trials) == 2


def test_a_storage_that_cannot_be_opened(capsys):
    code = main([*BASE, "--space", "learning_rate=log(1e-3,1)", "--layout", "random", "--trials", "2",
                 "--storage", "nosuchdatabase://here"])
    assert code == 2 and "cannot open the storage 'nosuchdatabase://here'" in capsys.readouterr().err


def test_the_parsers_layouts_are_the_searchs():
    from optbench.cli import search as command
    from optbench.search import study

    assert command.LAYOUTS == study.LAYOUTS
