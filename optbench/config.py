"""Settings, in one place. Every other module may import this one; it imports nothing of
optbench.

DTYPES
    The floating-point types every kernel, reference and verification runs in.
PARALLEL_THRESHOLD
    Arrays with at least this many elements are updated by the parallel kernel, smaller
    ones by the serial loop: below it, starting the worker threads costs more than the
    second core saves. Measured on the 2-core machine, float32, Numba's TBB layer, with
    `optbench bench --threshold --rule R ...` (serial and parallel kernels timed side by
    side at 2^10..2^24): the arithmetic-heavy rules (adam, rmsprop, adagrad) win from
    2^16-2^19, by 1.5-1.9x at 2^18-2^20; the light ones (sgd, momentum, nesterov, the
    average) break even from 2^18 on, within +-5%, as one core nearly saturates memory;
    below 2^16 every parallel kernel loses. 2^18 takes the gains and none of the losses.
ALIGN_FROM
    From this many elements the serial CPU kernel aligns its loop to 64 bytes first
    (`kernels/cpu.py`); below it, it runs over the arrays as they are. Measured on the
    2-core machine (Adam's fast form, float32, both loops timed in turn in one process):
    aligning costs about 0.15 us of slicing, and the unaligned loop was faster at every
    size up to 2^14 (0.46 against 0.60 us at 1e3); at 2^16 the aligned one won by 2.5%,
    from 2^17 they tie.
CUDA_THREADS_PER_BLOCK, CUDA_MAX_BLOCKS
    Launch configuration of the grid-stride CUDA kernels.
cache_dir()
    Where optbench keeps what it computes once per machine: generated kernel modules
    (with Numba's compiled cache beside them) and the best known f* of the problems.

        $OPTBENCH_CACHE_DIR          when set and not empty
        nothing on disk              when set to "" (kernels then live in a temporary
                                     folder removed at exit, f* in memory)
        $XDG_CACHE_HOME/optbench     otherwise, when XDG_CACHE_HOME is set and not empty
        ~/.cache/optbench            otherwise
"""

import os
from pathlib import Path

DTYPES = ("float32", "float64")
PARALLEL_THRESHOLD = 1 << 18
ALIGN_FROM = 1 << 16
CUDA_THREADS_PER_BLOCK = 256
CUDA_MAX_BLOCKS = 1024


def cache_dir():
    """The cache folder as a Path, or None when $OPTBENCH_CACHE_DIR is "" (no disk cache)."""
    chosen = os.environ.get("OPTBENCH_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "optbench"
