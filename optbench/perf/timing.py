"""Timing candidates side by side, so that their ratio means something on a shared machine.

Each candidate is a callable doing one update. `race` samples every candidate in turn,
round after round, and returns every sample of each: a burst of load from other
processes hits one sample, not one candidate. The benchmark grid keeps the median of
each candidate's samples (`median`); `best` is the fastest.
"""

import random
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


def race(calls, rounds=10, min_time=0.03, synchronize=None, pause=0.002, seed=0):
    """{label: [seconds per call, one per round]}, the candidates sampled in turn, round after round.

    Each round takes the candidates in a fresh order (a seeded shuffle), so that none
    always runs right after the same other one: a rotation would keep each candidate's
    predecessor fixed, and whatever a predecessor leaves behind (spinning threads, evicted
    caches, a core gone idle) would land on one candidate every round. A short pause
    before each sample lets the previous candidate's worker threads go to sleep.
    """
    labels = list(calls)
    numbers = {label: autorange(calls[label], min_time, synchronize) for label in labels}
    samples = {label: [] for label in labels}
    shuffle = random.Random(seed).shuffle
    for _ in range(rounds):
        order = labels[:]
        shuffle(order)
        for label in order:
            time.sleep(pause)
            samples[label].append(sample(calls[label], numbers[label], synchronize))
    return samples


def median(samples):
    """{label: median seconds} of `race`'s samples."""
    return {label: statistics.median(values) for label, values in samples.items()}


def best(samples):
    """{label: fastest seconds} of `race`'s samples."""
    return {label: min(values) for label, values in samples.items()}
