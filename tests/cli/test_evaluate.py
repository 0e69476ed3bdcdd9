"""`optbench evaluate`: the evaluation tricks table."""

import json

from optbench.cli import main


def test_table(capsys):
    assert main(["evaluate", "--seeds", "0", "--models", "2", "--checkpoints", "2", "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    assert "seed 0" in out and "ensemble" in out and "running_average" in out


def test_json(capsys):
    assert main(["evaluate", "--seeds", "0", "--models", "1", "--checkpoints", "1", "--epochs", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["settings"]["num_models"] == 1 and len(result["per_seed"]) == 1
