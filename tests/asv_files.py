"""asv results files written as asv 0.6 writes them (format 2), for the tests of what reads them."""

import json
import os

COLUMNS = ["result", "params", "version", "started_at", "duration", "stats_ci_99_a", "stats_ci_99_b", "stats_q_25",
           "stats_q_75", "stats_number", "stats_repeat", "samples", "profile"]


def write_commit(results_dir, commit, date, benchmarks, machine="vm"):
    """One results file: `benchmarks` maps a benchmark name to (params, values), params a
    list of lists of asv's printed values ("'adam'"), values one per combination in the
    order of their product (None: failed)."""
    folder = os.path.join(results_dir, machine)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "machine.json"), "w") as f:
        json.dump({"machine": machine, "cpu": "test cpu", "num_cpu": "2", "version": 1}, f)
    results = {name: [values, params, "v1", 0, 1.0] for name, (params, values) in benchmarks.items()}
    document = {"commit_hash": commit, "env_name": "virtualenv-py3.11", "date": date, "params": {},
                "python": "3.11", "requirements": {}, "env_vars": {}, "result_columns": COLUMNS, "results": results,
                "durations": {}, "version": 2}
    with open(os.path.join(folder, f"{commit[:8]}-virtualenv-py3.11.json"), "w") as f:
        json.dump(document, f)
