"""Settings, in one place.

PARALLEL_THRESHOLD
    Arrays with at least this many elements are updated by the parallel kernel, smaller
    ones by the serial loop: below it, starting the worker threads costs more than the
    second core saves. Measured on the 2-core machine, float32, Numba's TBB layer, with
    `optbench bench --threshold --rule R ...` (serial and parallel kernels timed side by
    side at 2^10..2^24): the arithmetic-heavy rules (adam, rmsprop, adagrad) win from
    2^16-2^19, by 1.5-1.9x at 2^18-2^20; the light ones (sgd, momentum, nesterov, the
    average) break even from 2^18 on, within +-5%, as one core nearly saturates memory;
    below 2^16 every parallel kernel loses. 2^18 takes the gains and none of the losses.
CUDA_THREADS_PER_BLOCK, CUDA_MAX_BLOCKS
    Launch configuration of the grid-stride CUDA kernels.
cache_dir()
    Where generated kernel modules (and Numba's compiled cache beside them) live:
    $OPTBENCH_CACHE_DIR, else $XDG_CACHE_HOME/optbench, else ~/.cache/optbench.
"""

import os
from pathlib import Path

PARALLEL_THRESHOLD = 1 << 18
CUDA_THREADS_PER_BLOCK = 256
CUDA_MAX_BLOCKS = 1024


def cache_dir():
    if "OPTBENCH_CACHE_DIR" in os.environ:
        return Path(os.environ["OPTBENCH_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "optbench"
