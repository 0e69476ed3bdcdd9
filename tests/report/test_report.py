"""`optbench report`: every section and figure written, failures contained, files atomic.

The whole report runs once per session on a tiny budget (`TINY`), so these tests stay
quick; `--quick` and the full run only change the budget.
"""

import dataclasses
import os
import re
from types import SimpleNamespace

import numpy as np
import pytest

from optbench.cli import main
from optbench.problems import get_problem
from optbench.problems.optimum import TIGHT_LBFGSB
from optbench.report import (
    SECTIONS,
    ReportError,
    document,
    paths,
    settings,
    style,
    write_report,
)
from optbench.report.progress import Progress
from optbench.report.sections import (
    convergence,
    evaluation,
    lbfgs,
    schedules,
    throughput,
    trajectories,
)
from optbench.report.settings import QUICK
from optbench.training import Record

TINY = dataclasses.replace(
    QUICK,
    name="tiny",
    convergence_steps={"quadratic": 20, "rosenbrock": 20, "softmax": 5, "two_layer": 3},
    search_samples=2,
    trajectory_steps={"quadratic": 10, "rosenbrock": 20},
    schedule_epochs=1,
    babysitting_epochs=1,
    evaluation_seeds=1,
    evaluation_epochs=1,
    evaluation_options={"num_models": 2},
    verification_steps=2,
    lbfgs_maxiter=5,
    second_order_maxiter={"newton": 2, "bfgs": 5, "lbfgs": 5},
    second_order_sizes=(100, 200, 400),
    second_order_seconds=5.0,
    second_order_memory=2**28,
    grid_random_trials=4,
    grid_random_repetitions=2,
    minibatch_evaluations=4,
    throughput_sizes=(1000,),
    throughput_rounds=1,
    throughput_min_time=0.0005,
    conformance_scenarios=("first_step",),
    conformance_dtypes=("float32",),
)
PNG = b"\x89PNG\r\n\x1a\n"


def leftovers(folder):
    """Temporary files left anywhere under `folder`."""
    return [name for _, _, files in os.walk(folder) for name in files if name.endswith(".tmp")]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    outcome = write_report(out, budget=TINY, progress=Progress(quiet=True))
    return out, outcome


def test_every_section_runs(report):
    _, outcome = report
    assert [s.name for s in outcome.sections] == list(SECTIONS)
    assert [(s.name, s.error) for s in outcome.failed] == []


def test_markdown_has_every_section_and_links_existing_figures(report):
    out, outcome = report
    text = (out / "report.md").read_text()
    for section in outcome.sections:
        assert f"## {section.title}" in text
    linked = re.findall(r"\]\((figures/[^)]+\.png)\)", text)
    expected = [f"figures/{f.name}.png" for s in outcome.sections for f in s.figures]
    assert linked == expected
    for section in ("convergence", "trajectories", "schedules", "babysitting", "evaluation", "throughput"):
        assert any(path.startswith(f"figures/{section}-") for path in linked), section
    for path in linked:
        data = (out / path).read_bytes()
        assert data.startswith(PNG) and len(data) > 5000, path


def test_every_figure_has_a_caption(report):
    out, outcome = report
    text = (out / "report.md").read_text()
    for section in outcome.sections:
        for figure in section.figures:
            assert figure.caption and figure.title
            assert f"*{document._md(figure.caption)}*" in text


def test_html_stands_alone(report):
    out, outcome = report
    page = (out / "report.html").read_text()
    figures = sum(len(s.figures) for s in outcome.sections)
    assert page.count('src="data:image/png;base64,') == figures
    assert "figures/" not in page  # nothing linked from outside the file
    for section in outcome.sections:
        assert section.title.replace("'", "&#x27;") in page or section.title in page


def test_header_records_the_machine(report):
    out, _ = report
    text = (out / "report.md").read_text()
    for word in ("CPU", "cores", "numba threading layer", "numpy", "numba", "scipy", "git commit"):
        assert f"| {word} |" in text, word


def test_no_temporary_files_left(report):
    out, _ = report
    assert leftovers(out) == []
    assert sorted(p.name for p in out.iterdir()) == ["figures", "report.html", "report.md"]


def test_a_failing_section_is_reported_and_the_others_still_written(tmp_path, monkeypatch, capsys):
    from optbench.report.sections import babysitting

    def broken(section, budget, progress):
        raise RuntimeError("the babysitter fell asleep")

    monkeypatch.setattr(babysitting, "build", broken)
    monkeypatch.setattr("optbench.report.settings.FULL", TINY)
    monkeypatch.setattr("optbench.report.FULL", TINY)
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "babysitting-two-layer.png").write_bytes(PNG)  # from an earlier run

    code = main(["report", "--out", str(tmp_path), "--quiet", "--section", "babysitting", "--section", "schedules"])

    assert code == 1
    err = capsys.readouterr().err
    assert "section 'babysitting' failed" in err and "the babysitter fell asleep" in err
    text = (tmp_path / "report.md").read_text()
    assert "**Section 'babysitting' failed:** RuntimeError: the babysitter fell asleep" in text
    assert "## Learning-rate schedules" in text
    assert (tmp_path / "figures" / "schedules-softmax.png").stat().st_size > 0
    assert not (tmp_path / "figures" / "babysitting-two-layer.png").exists()  # no stale figure
    assert "FAILED" in (tmp_path / "report.html").read_text()
    assert leftovers(tmp_path) == []


def test_unwritable_out_is_a_clear_error_and_writes_nothing(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "results"

    assert main(["report", "--out", str(out), "--quiet", "--section", "verification"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("optbench report: error: cannot write the report to") and str(out) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    with pytest.raises(ReportError, match="cannot write the report"):
        write_report(out, sections=["verification"], progress=Progress(quiet=True))


def test_unknown_option_and_section_are_errors(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["report", "--fast"])
    assert exit.value.code == 2
    assert "unrecognized arguments: --fast" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--section", "everything"])
    assert "invalid choice: 'everything'" in capsys.readouterr().err


def test_a_figure_without_labels_is_refused():
    import matplotlib.pyplot as plt

    section = document.Section("demo", "Demo")
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set_title("a line")
    ax.set_xlabel("step")
    with pytest.raises(ValueError, match="no y label"):
        section.figure(fig, "line", "a caption")
    assert section.figures == []


def test_plain_progress_when_not_a_terminal(tmp_path):
    with open(tmp_path / "log", "w") as stream:
        progress = Progress(stream=stream)
        with progress:
            task = progress.task("demo", 2)
            task.advance("one")
            task.advance("two")
            task.finish("done")
    log = (tmp_path / "log").read_text()
    assert "demo: started (2 steps)" in log and "demo: done" in log
    assert "\x1b[" not in log  # no terminal control codes


def test_a_failing_verification_row_fails_the_section_and_keeps_the_matrix(tmp_path, monkeypatch):
    from optbench.optim import registry
    from wrong_kernels import wrong_kernel

    monkeypatch.setitem(registry._rules(), "adam", wrong_kernel("adam", "epsilon_inside_sqrt"))
    outcome = write_report(tmp_path, sections=["verification"], budget=TINY, progress=Progress(quiet=True))

    (section,) = outcome.failed
    assert section.name == "verification" and "adam/cpu/exact/float32" in section.error
    text = (tmp_path / "report.md").read_text()
    assert "| adam | cpu | exact | float32 |" in text and "**FAIL**" in text


# -- Captions state what the data say -----------------------------------------------------
#
# Each caption function is fed fabricated paths or records in which the usual outcome is
# reversed; the caption must follow the numbers, not the lecture.


def bowl():
    return get_problem("quadratic", **settings.TRAJECTORIES["quadratic"]["options"])


def arrive(start, end, arrival, steps):
    """Straight from start to end in `arrival` steps, then staying there: steps + 1 points."""
    line = np.linspace(start, end, arrival + 1)
    return np.vstack([line, np.repeat(line[-1:], steps - arrival, axis=0)])


def zigzag(start, steps, every):
    """Along x₁ from start, x₂ flipping sign every `every` steps at full height: never settles."""
    k = np.arange(steps + 1)
    return np.column_stack([start[0] * (1 - 0.5 * k / steps), start[1] * (-1.0) ** (k // every)])


def test_sgd_vs_momentum_caption_follows_reversed_paths():
    start = settings.TRAJECTORIES["quadratic"]["x0"]
    paths = {
        "sgd": arrive(start, (0.0, 0.0), 5, 80),  # straight to the minimum, at step 5
        "sgd_momentum": zigzag(start, 80, 2),  # 40 crossings, never near the minimum
        "nesterov": zigzag(start, 80, 1),  # 80 crossings
    }
    text = trajectories.sgd_vs_momentum_caption(trajectories.measured(bowl(), paths, tol=1e-3), 0.5, 0.9, tol=1e-3)

    assert "First to close 99.9% of the gap: SGD (step 5); SGD+momentum and Nesterov do not within 80 steps." in text
    assert "SGD is first on the valley floor at step 5; it never crosses the floor" in text
    assert "SGD+momentum is not on the valley floor within 80 steps; it crosses the floor 40 times" in text
    assert "Nesterov crosses the floor more times" in text
    assert "Nesterov crosses the floor more times than SGD+momentum (80 against 40)" in text
    assert "damps" not in text and "sooner" not in text


def test_trajectory_measures_count_swings_and_winding():
    problem = bowl()
    stats = paths.measure(problem, zigzag((-1.0, 0.7), 10, 1), tol=1e-3, swing=1e-3)
    assert stats.crossings == 10 and stats.overshoots == 0 and stats.steps_to_target is None
    assert stats.winding > 5
    straight = paths.measure(problem, arrive((-1.0, 0.7), (0.0, 0.0), 4, 10))
    assert straight.winding == pytest.approx(1.0) and straight.distance == 0.0 and straight.steps_to_target == 4
    # jitter below the swing threshold is not a crossing
    tiny = np.array([[-1.0, 0.7], [-1.0, 1e-9], [-1.0, -1e-9], [-1.0, 1e-9]])
    assert paths.measure(problem, tiny, swing=1e-3).crossings == 0


def test_grid_caption_follows_reversed_paths_on_rosenbrock():
    problem = get_problem("rosenbrock", n=2)
    start = (-1.2, 1.0)
    paths = {rule: arrive(start, (-1.0, 1.0), 50, 50) for rule in style.rules()}
    paths["sgd"] = arrive(start, (1.0, 1.0), 10, 50)  # plain SGD straight to the minimum
    paths["adam"] = arrive(start, (-1.2, -1.0), 50, 50)  # Adam moves away from the valley floor
    paths["rmsprop"] = np.vstack([arrive(start, (-1.0, 1.0), 3, 3), [[np.inf, np.nan]]])
    text = trajectories.grid_caption(problem, trajectories.measured(problem, paths, tol=1e-3), tol=1e-3)

    assert "RMSProp leaves the finite numbers." in text
    assert "First to close 99.9% of the gap: SGD (step 10);" in text
    assert "Closest to the minimum (1, 1) at the end: SGD (distance 0.0e+00, f − f* = 0.0e+00); farthest: Adam" in text
    assert "Adam does not." in text  # never on the valley floor
    assert "Every rule" not in text


def test_trajectory_labels_come_from_the_problem():
    import matplotlib.pyplot as plt

    problem = get_problem("quadratic", n=2, condition=25.0)
    fig, ax = plt.subplots()
    trajectories.axis_labels(ax, problem)
    assert ax.get_xlabel() == "x₁, shallow direction (curvature 0.04)"
    assert ax.get_ylabel() == "x₂, steep direction (curvature 1)"
    plt.close(fig)
    assert trajectories.problem_title(problem) == "the 2-D quadratic (condition 25)"
    assert list(paths.minimizer(get_problem("rosenbrock", n=2))) == [1.0, 1.0]


def fake_record(losses, f_final, steps_to_target, diverged=False, tol=1e-3):
    steps = len(losses)
    record = SimpleNamespace(loss=np.array(losses, dtype=float), steps=steps, f_final=f_final,
                             seconds=np.arange(1, steps + 1) * 1e-6, diverged=diverged,
                             steps_to_target=steps_to_target, settings={"tol": tol})
    record.iterate_losses = lambda: Record.iterate_losses(record)  # the real method, on the fake's fields
    return record


def fake_trace(values):
    trace = convergence.Trace(None)
    trace.values, trace.seconds = list(values), [1e-6 * (i + 1) for i in range(len(values))]
    return trace


def test_convergence_caption_and_table_follow_the_records():
    problem = get_problem("quadratic", n=10, condition=50.0, rotate=False)
    runs = {
        "sgd": (0.1, fake_record([1.0, 0.5, 1e-4, 1e-6], 1e-8, 2)),
        "adam": (0.01, fake_record([1.0, 0.9, 0.8, 0.7], 0.6, None)),
        "sgd_momentum": (1.0, fake_record([1.0, 50.0], np.inf, None, diverged=True)),
    }
    references = {convergence.LBFGS: fake_trace([1.0, 2.0, 0.5, 5e-4, 3.0])}
    text = convergence.caption(problem, 4, runs, references, 0.0, 1e-3)

    assert text.startswith("Quadratic bowl (condition 50, not rotated: its principal axes are the coordinate axes)")
    assert "after 4 steps SGD is lowest (f − f* = 1.0e-08) and Adam highest (6.0e-01); SGD+momentum exploded" in text
    assert "first to close 99.9% of the gap: SGD (2 steps), not within the budget: Adam and SGD+momentum" in text
    assert "L-BFGS closes 99.9% of the gap in 4 function evaluations." in text

    # steps to target are the record's, not recomputed from the losses
    runs["sgd"][1].steps_to_target = 3
    rows = convergence.table_rows(problem, runs, references, 0.0, 1e-3)
    assert [row[4] for row in rows] == ["3", "-", "-", "4"]
    with pytest.raises(ValueError, match="tol"):
        convergence.table_rows(problem, runs, references, 0.0, 1e-2)


def test_trace_steps_to_target():
    trace = fake_trace([10.0, 20.0, 0.02, 0.009])
    assert trace.steps_to_target(0.0, 1e-3) == 4
    assert trace.steps_to_target(0.0, 1e-4) is None
    assert fake_trace([]).steps_to_target(0.0, 1e-3) is None


def test_reference_runs_use_the_tolerances_of_f_star(monkeypatch):
    import scipy.optimize

    import optbench.solvers

    seen = {}
    monkeypatch.setattr(scipy.optimize, "minimize", lambda *a, **k: seen.setdefault("scipy", k["options"]))
    monkeypatch.setattr(optbench.solvers, "lbfgs", lambda *a, **k: seen.setdefault("ours", k))
    convergence.reference_runs(get_problem("rosenbrock", n=2), 7)
    assert seen["scipy"] == TIGHT_LBFGSB | {"maxfun": 7, "maxiter": 7}
    assert (seen["ours"]["m"], seen["ours"]["gtol"], seen["ours"]["ftol"]) == (
        TIGHT_LBFGSB["maxcor"], TIGHT_LBFGSB["gtol"], TIGHT_LBFGSB["ftol"])


def schedule_record(costs, diverged=False):
    return SimpleNamespace(f0=costs[0], epochs=[{"cost": c} for c in costs[1:]], final_gap=costs[-1],
                           diverged=diverged)


def test_schedules_caption_follows_reversed_runs():
    records = {
        schedules.HIGH: schedule_record([2.0, 0.5, 0.3, 0.1]),  # the high constant rate never bounces
        schedules.LOW: schedule_record([2.0, 0.4, 0.35, 0.3]),
        "step": schedule_record([2.0, 0.6, 0.7, 0.4]),
        "exponential": schedule_record([2.0, 0.6, 0.8, 0.9]),
    }
    text = schedules.caption(records, 0.0)
    assert "the high constant rate is at f − f* = 5.0e-01, above the low one at 4.0e-01" in text
    assert (f"rises from one epoch to the next twice for exponential, once for step and never for "
            f"{schedules.HIGH} and {schedules.LOW}") in text
    assert f"At the end {schedules.HIGH} is lowest" in text
    assert "The best decaying schedule, step, ends no lower than either constant rate." in text


def test_other_captions_follow_reversed_outcomes():
    text = lbfgs.minibatch_caption(60, 32, noisy=1e-3, full=0.1, adam=0.2)
    assert "no higher than either" in text and "as the lecture warns" not in text
    assert "ends above both" in lbfgs.minibatch_caption(60, 32, noisy=0.3, full=1e-13, adam=0.2)

    names = evaluation.labels({"decay": 0.99, "num_checkpoints": 2, "num_models": 4})
    assert "decay 0.99" in names["running_average"]
    means = {"single": 97.0, "running_average": 96.5, "checkpoint_average": 96.0, "ensemble": 96.9}
    text = evaluation.caption(means, names)
    assert "no trick beats the single model" in text and "gains most" not in text

    rows = [SimpleNamespace(n=n, bound_fraction=f, form="fast") for n, f in ((1000, 0.9), (10**6, 0.5))]
    assert "fixed cost" not in throughput.fraction_caption(rows)
    rows = [SimpleNamespace(n=n, bound_fraction=f, form="fast") for n, f in ((1000, 0.3), (10**6, 0.9))]
    assert "fixed cost" in throughput.fraction_caption(rows)


def test_the_bound_check_sentence_is_computed_from_the_races():
    from optbench.perf.bench import Row

    def row(bound_seconds, triad_seconds):
        return Row("sgd", "cpu", "exact", 10**6, "float32", 1e-3, bound_seconds, 12, {}, {"triad": triad_seconds})

    honest = throughput.bound_check([row(1e-3, 1e-3), row(1e-3, 2e-3)])
    assert "from 1.00 to 2.00" in honest and "no slow ceiling" in honest
    slow = throughput.bound_check([row(4e-3, 1e-3), row(1e-3, 1e-3)])
    assert "slower than the triad in 1 of 2 cases" in slow
    assert throughput.bound_check([]) == ""


def test_the_conformance_section_names_each_departure_from_its_rows(report):
    _, outcome = report
    (section,) = [s for s in outcome.sections if s.name == "conformance"]
    assert section.status == "ok", section.error
    captions = [f.caption for f in section.figures]
    assert any("Keras" in c or "keras" in c for c in captions)
    assert any("Adam departs in float32" in c and "epsilon_hat" in c for c in captions), captions
    assert not any("torch.optim.Adam" in c for c in captions)  # torch's Adam conforms: no figure
