"""Compile time of a rule's CPU kernels, apart from the steady state that time_update measures.

`track_compile_seconds[rule]`: a fresh process with an empty kernel cache
(OPTBENCH_CACHE_DIR) generates the kernel module and compiles the serial and the
parallel kernel for float32, as a first update does. `track_cache_load_seconds[rule]`:
the same again over the now-filled cache, what every later process pays. Each figure is
the time of those first calls alone, after imports, in a subprocess of its own.
"""

import json
import os
import subprocess
import sys
import tempfile

from .common import TARGETS, Benchmark, load, require, safe_import

with safe_import() as imports:
    BENCH = load("optbench.perf.bench", "optbench.bench").__name__
    CPU = load("optbench.kernels.cpu", "optbench.backends.cpu").__name__

PROGRAM = """
import importlib, json, sys, time
import numba, numpy as np
bench, cpu = (importlib.import_module(name) for name in sys.argv[2:4])
elementwise = bench.elementwise_of(sys.argv[1])
arrays = [np.ones(64, np.float32) for _ in range(elementwise.n_arrays)]
scalars = (0.5,) * elementwise.n_scalars
start = time.perf_counter()
serial, parallel = cpu.kernels(elementwise)
serial(*arrays, *scalars)
parallel(numba.get_num_threads(), *arrays, *scalars)
print(json.dumps(time.perf_counter() - start))
"""


def first_calls(rule, cache_dir):
    """Seconds of a fresh process's first kernel calls for `rule`, with kernels cached in `cache_dir`."""
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM, rule, BENCH, CPU],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPTBENCH_CACHE_DIR": cache_dir},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


class TrackCompile(Benchmark):
    params = [TARGETS]
    param_names = ["rule"]

    def setup(self, rule):
        require(imports)
        self.cache = tempfile.TemporaryDirectory(prefix="optbench-compile-")

    def teardown(self, rule):
        if hasattr(self, "cache"):  # asv tears down a skipped benchmark too
            self.cache.cleanup()

    def track_compile_seconds(self, rule):
        return first_calls(rule, self.cache.name)

    track_compile_seconds.unit = "seconds"

    def track_cache_load_seconds(self, rule):
        first_calls(rule, self.cache.name)
        return first_calls(rule, self.cache.name)

    track_cache_load_seconds.unit = "seconds"
