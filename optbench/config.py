"""Settings, in one place.

PARALLEL_THRESHOLD
    Arrays with at least this many elements are updated by the `prange` kernel, smaller
    ones by the serial loop: below it, waking the worker threads costs more than the
    second core saves. Measured on a 2-core machine with `optbench bench --threshold`.
CUDA_THREADS_PER_BLOCK, CUDA_MAX_BLOCKS
    Launch configuration of the grid-stride CUDA kernels.
cache_dir()
    Where generated kernel modules (and Numba's compiled cache beside them) live:
    $OPTBENCH_CACHE_DIR, else $XDG_CACHE_HOME/optbench, else ~/.cache/optbench.
"""

import os
from pathlib import Path

PARALLEL_THRESHOLD = 1 << 16
CUDA_THREADS_PER_BLOCK = 256
CUDA_MAX_BLOCKS = 1024


def cache_dir():
    if "OPTBENCH_CACHE_DIR" in os.environ:
        return Path(os.environ["OPTBENCH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "optbench"
