"""The instruction mix read from the compiled loops: Adam's exact form divides three times
per element and its fast form once, each with one square root; every loop is vectorized."""

import pytest

from optbench.perf.machine_code import instruction_mix


def _divisions(mix):
    return sum(count for op, count in mix["per_element"].items() if op.startswith("vdiv"))


def test_adam_exact_divides_three_times_per_element_and_fast_once():
    exact, fast = instruction_mix("adam", "exact"), instruction_mix("adam", "fast")
    assert exact["lanes"] >= 4 and fast["lanes"] >= 4
    assert _divisions(exact) == pytest.approx(3 / exact["lanes"])
    assert _divisions(fast) == pytest.approx(1 / fast["lanes"])
    for mix in (exact, fast):
        assert sum(c for op, c in mix["per_element"].items() if op.startswith("vsqrt")) == pytest.approx(1 / mix["lanes"])


@pytest.mark.parametrize("target", ["sgd", "average"])
def test_light_rules_are_vectorized_without_division(target):
    mix = instruction_mix(target, "fast", "float64")
    assert mix["lanes"] >= 2 and _divisions(mix) == 0 and mix["per_element"]
