"""Timing side by side: the fastest sample of each candidate, every candidate sampled."""

from optbench.perf.timing import autorange, race


def test_race_keeps_the_fastest_sample_of_each():
    calls = {"a": lambda: None, "b": lambda: sum(range(1000))}
    best = race(calls, rounds=2, min_time=1e-4)
    assert set(best) == {"a", "b"} and all(0 < s < 1 for s in best.values())
    assert best["a"] < best["b"]


def test_autorange_makes_samples_long_enough():
    calls = []
    number = autorange(lambda: calls.append(1), min_time=1e-3)
    assert number > 1 and len(calls) >= number
