"""`optbench report`: every section and figure written, failures contained, files atomic.

The whole report runs once per session on a tiny budget (`TINY`), so these tests stay
quick; `--quick` and the full run only change the budget.
"""

import dataclasses
import os
import re

import pytest

from optbench.cli import main
from optbench.report import SECTIONS, ReportError, document, write_report
from optbench.report.progress import Progress
from optbench.report.settings import QUICK

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
    minibatch_evaluations=4,
    throughput_sizes=(1000,),
    throughput_rounds=1,
    throughput_min_time=0.0005,
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


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("the previous report")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        document.atomic_write(target, b"half a report")
    assert target.read_text() == "the previous report"
    assert leftovers(tmp_path) == []


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
    from optbench.verification.variants import variant

    monkeypatch.setitem(registry._rules(), "adam", variant("adam", "epsilon_inside_sqrt"))
    outcome = write_report(tmp_path, sections=["verification"], budget=TINY, progress=Progress(quiet=True))

    (section,) = outcome.failed
    assert section.name == "verification" and "adam/cpu/float32" in section.error
    text = (tmp_path / "report.md").read_text()
    assert "| adam | cpu | float32 |" in text and "**FAIL**" in text
