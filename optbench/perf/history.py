"""The project's history as asv recorded it: one figure per benchmark, parameters and commit.

asv writes one JSON file per commit and environment under `results/asv/<machine>/`
(format 2: `result_columns` names the fields of each benchmark's row; `result` and
`params` hold one value per combination of the parameters, in the order of their
product; null for a combination that failed or was skipped). This module reads them
without asv, so that the report needs nothing beyond the files:

    commits = load("results/asv")                          # [Commit], oldest first
    series(commits, "throughput.TrackThroughput.track_time_over_bound('adam', 'cpu', 'fast', 'float32')")

A figure's name is asv's: `benchmark(param, ...)`, each parameter as asv prints it
(strings quoted), e.g. `convergence.TrackLBFGS.track_nfev('quadratic', 'optbench')`.
"""

import dataclasses
import itertools
import json
import math
import os


@dataclasses.dataclass
class Commit:
    hash: str
    date: int  # the commit's date, ms since the epoch, as asv records it
    machine: str
    figures: dict  # name(params) -> value; failed and skipped combinations left out
    failed: list  # name(params) of the combinations that asv ran and recorded no value for

    @property
    def short(self):
        return self.hash[:8]


def figure_name(benchmark, combination):
    return f"{benchmark}({', '.join(combination)})" if combination else benchmark


def parse(path, machine=""):
    """The Commit of one asv results file."""
    with open(path) as f:
        document = json.load(f)
    columns = document["result_columns"]
    figures, failed = {}, []
    for benchmark, entry in document["results"].items():
        row = dict(zip(columns, entry))
        params = row.get("params") or []
        values = row.get("result")
        combinations = list(itertools.product(*params)) if params else [()]
        values = [None] * len(combinations) if values is None else values
        for combination, value in zip(combinations, values):
            name = figure_name(benchmark, combination)
            if value is None:
                failed.append(name)
            elif not (isinstance(value, float) and math.isnan(value)):  # NaN: skipped (a commit that lacks it)
                figures[name] = value
    return Commit(document["commit_hash"], int(document.get("date") or 0), machine, figures, failed)


def load(results_dir, machine=None):
    """Every commit with results under `results_dir` (one machine's: the only one, or
    `machine`), oldest first; [] if there are none."""
    if not os.path.isdir(results_dir):
        return []
    machines = sorted(m for m in os.listdir(results_dir) if os.path.isfile(os.path.join(results_dir, m, "machine.json")))
    if machine is None and len(machines) > 1:
        raise ValueError(f"{results_dir} holds results of machines {machines}: choose one")
    if machine is not None and machine not in machines:
        raise ValueError(f"{results_dir} has no results of machine {machine!r}; it has {machines}")
    commits = []
    for name in machines if machine is None else [machine]:
        folder = os.path.join(results_dir, name)
        for file in sorted(os.listdir(folder)):
            if file.endswith(".json") and file != "machine.json":
                commits.append(parse(os.path.join(folder, file), name))
    return sorted(commits, key=lambda c: c.date)


def machine_record(results_dir, machine):
    """asv's record of `machine` (cpu, num_cpu, ram, os, ...)."""
    with open(os.path.join(results_dir, machine, "machine.json")) as f:
        return json.load(f)


def series(commits, name):
    """[(commit, value)] of figure `name`, over the commits that have it."""
    return [(commit, commit.figures[name]) for commit in commits if name in commit.figures]


def find(commits, ref):
    """The commit whose hash starts with `ref` (at least 7 characters)."""
    matches = [c for c in commits if c.hash.startswith(ref.lower())] if len(ref) >= 7 else []
    if len(matches) != 1:
        known = ", ".join(c.short for c in commits[-5:])
        raise ValueError(f"no single commit with results starts with {ref!r}"
                         f"{f' (the latest with results: {known})' if known else ''}")
    return matches[0]
