"""Timing side by side: every candidate sampled once a round, the median and best of each."""

from optbench.perf.timing import autorange, best, median, race


def test_race_samples_every_candidate_every_round():
    calls = {"a": lambda: None, "b": lambda: sum(range(1000))}
    samples = race(calls, rounds=3, min_time=1e-4)
    assert set(samples) == {"a", "b"} and all(len(v) == 3 and all(0 < s < 1 for s in v) for v in samples.values())
    assert median(samples)["a"] < median(samples)["b"]


def test_median_and_best_of_the_samples():
    samples = {"a": [3.0, 1.0, 2.0], "b": [5.0, 4.0, 9.0, 6.0]}
    assert median(samples) == {"a": 2.0, "b": 5.5}
    assert best(samples) == {"a": 1.0, "b": 4.0}


def test_autorange_makes_samples_long_enough():
    calls = []
    number = autorange(lambda: calls.append(1), min_time=1e-3)
    assert number > 1 and len(calls) >= number


def test_no_candidate_always_follows_the_same_other():
    """A rotation would keep each one's predecessor within a round fixed (3 rounds in 4
    here); the shuffle spreads it over the others."""
    seen = []
    calls = {label: (lambda label=label: seen.append(label)) for label in "abcd"}
    race(calls, rounds=40, min_time=0)
    timed = seen[8:]  # after autorange's two calls each (warm-up, one sample)
    for label in "abcd":
        before = [timed[i - 1] for i in range(1, len(timed)) if timed[i] == label]
        most = max(before.count(other) for other in set(before))
        assert most / len(before) < 0.6, (label, before)
