"""Timing candidates side by side, so that their ratio means something on a shared machine.

Each candidate is a callable doing one update. `race` samples every candidate in turn,
round after round, and returns every sample of each: a burst of load from other
processes hits one sample, not one candidate. The benchmark grid keeps the median of
each candidate's samples (`median`); `best` is the fastest.
"""

import statistics
import time


def sample(call, number, synchronize=None):
    """Seconds per call over `number` back-to-back calls (device work included)."""
    if synchronize:
        synchronize()
    start = time.perf_counter()
    for _ in range(number):
        call()
    if synchronize:
        synchronize()
    return (time.perf_counter() - start) / number


def autorange(call, min_time, synchronize=None):
    """How many calls make a sample of at least `min_time` seconds (after one warm-up call)."""
    call()
    number = 1
    while True:
        seconds = sample(call, number, synchronize) * number
        if seconds >= min_time or number >= 1 << 24:
            return number
        number = max(number * 2, int(number * min_time / max(seconds, 1e-9) * 1.2))


def race(calls, rounds=10, min_time=0.03, synchronize=None, pause=0.002):
    """{label: [seconds per call, one per round]}, the candidates sampled in turn, round after round.

    Each round starts one candidate further along, so that none always runs right after
    the same other one (whose threads may still be spinning), and a short pause before
    each sample lets the previous candidate's worker threads go to sleep.
    """
    labels = list(calls)
    numbers = {label: autorange(calls[label], min_time, synchronize) for label in labels}
    samples = {label: [] for label in labels}
    for round_ in range(rounds):
        k = round_ % len(labels)
        for label in labels[k:] + labels[:k]:
            time.sleep(pause)
            samples[label].append(sample(calls[label], numbers[label], synchronize))
    return samples


def median(samples):
    """{label: median seconds} of `race`'s samples."""
    return {label: statistics.median(values) for label, values in samples.items()}


def best(samples):
    """{label: fastest seconds} of `race`'s samples."""
    return {label: min(values) for label, values in samples.items()}
