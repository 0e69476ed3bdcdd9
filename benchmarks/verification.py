"""Correctness tracked like speed: optbench's own cpu kernels under `optbench verify`.

`track_failed_checks[rule]`: how many of the rule's verification checks fail (each form,
both dtypes, x and every state array compared after every step with the derived
tolerance, `optbench.conformance.verify`), on the seeded inputs of SEED; 0 on a healthy
commit, so any rise is a regression whatever the factor. `track_worst_ulps[rule]`: the
largest error those checks saw, in ulps of the largest value (0 for the exact forms,
which must be bit for bit; the fast forms' rounding otherwise); it moves only when a
kernel's arithmetic does. "average" is the parameter average. Both are seeded, the same
at every run on one machine, and bigger is worse.
"""

from .common import AVERAGE, TARGETS, Benchmark, load, require, safe_import

with safe_import() as imports:
    verify = load("optbench.conformance.verify", "optbench.verify")


class TrackVerification(Benchmark):
    params = [TARGETS]
    param_names = ["rule"]
    rounds = 1  # seeded: every run gives the same verdicts

    def setup(self, rule):
        require(imports)
        rules = [] if rule == AVERAGE else [rule]
        self.rows, _ = verify.verify_all(rules=rules, backends=("cpu",), seed=self.seed, average=rule == AVERAGE)

    def track_failed_checks(self, rule):
        return sum(not row.passed for row in self.rows)

    track_failed_checks.unit = "failed checks"

    def track_worst_ulps(self, rule):
        return max(row.worst_ulps for row in self.rows)

    track_worst_ulps.unit = "ulps"
