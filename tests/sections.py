"""Building one report section for its tests, keeping what its `measure` returned."""

import pytest

from optbench.report import run_section
from optbench.report.progress import Progress
from optbench.report.settings import QUICK

PNG = b"\x89PNG\r\n\x1a\n"


def build_measured(module, name, budget=QUICK):
    """(measured, section): section `name` built as the report builds it, on `budget`,
    and the value `module.measure` returned for it; the section must have built."""
    measured = []
    measure = module.measure
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "measure", lambda *args: measured.append(measure(*args)) or measured[0])
        section = run_section(name, budget, Progress(quiet=True))
    assert section.status == "ok", section.error
    return measured[0], section
