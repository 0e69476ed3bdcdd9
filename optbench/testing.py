"""Assertions for the user's own test suite.

    from optbench.testing import assert_conforms

    def test_my_adam():
        assert_conforms(my_package.make_adam, "adam", beta1=0.9)

`assert_conforms` runs the implementation (a factory under the protocol of
`optbench.conformance.protocol`) on every scenario in both dtypes and raises
AssertionError naming the scenario, the step, the element, the expected and got values
and the known variants that reproduce what it computes.
"""

from optbench.conformance import check


def assert_conforms(make, rule, dtype=None, scenarios=None, **hyperparameters):
    """Raise AssertionError unless `make` conforms to `rule` on every scenario (and dtype)."""
    rows = check(make, rule, dtype=dtype, scenarios=scenarios, **hyperparameters)
    failures = [r for r in rows if r.verdict != "conforms"]
    if not failures:
        return rows
    lines = [f"{len(failures)} of {len(rows)} checks of {rule} do not conform:"]
    for r in failures:
        if r.verdict == "departs":
            variants = ", ".join(r.variants) if r.variants else "unknown departure"
            lines.append(
                f"  {r.scenario} ({r.dtype}): departs at step {r.first_step}, element {r.index} of {r.where}: "
                f"expected {r.expected!r}, got {r.got!r}; error {r.max_error_ulps:.3g} ulps > tolerance "
                f"{r.tolerance_ulps:.3g} ulps; matches: {variants}"
            )
        else:
            lines.append(f"  {r.scenario} ({r.dtype}): {r.verdict}: {r.reason}")
    raise AssertionError("\n".join(lines))
