"""Thread settings: Numba's threading layer, and BLAS on one thread.

`make_tbb_loadable()` makes the `tbb` wheel's libtbb.so.12 visible to Numba's TBB
threading layer. Numba links that layer against libtbb.so.12 without a search path, and
the wheel puts the library in <prefix>/lib, off the loader's path: loaded here first,
by full path, it is found by name, and Numba then takes TBB, its first choice, for
parallel kernels. TBB is the layer measured best on a shared 2-core machine (`optbench
bench --threshold`): about 1.5 us to start a parallel kernel, against 2-4 us for OpenMP
when both cores are free and 5-20 ms for OpenMP's spinning threads when other processes
load them; workqueue costs 40-300 us. Without the wheel Numba picks OpenMP. `import
optbench` calls it, before any kernel can run.

`single_threaded_blas()` limits BLAS to one thread for the small matrix products of
the problems and the solvers: on a shared 2-core machine, BLAS threads waiting for one
another made the digits problems' products (and scipy's L-BFGS-B) hundreds of times
slower under load. The limit comes from threadpoolctl, installed with scikit-learn;
without it BLAS keeps its default. The controller is made once: scanning the loaded
libraries costs milliseconds.
"""

import contextlib
import ctypes
import functools
import sys
from pathlib import Path


def make_tbb_loadable():
    """Load the pip-installed libtbb.so.12 by full path, where there is one (Linux)."""
    if not sys.platform.startswith("linux"):
        return
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix)):
        library = Path(prefix) / "lib" / "libtbb.so.12"
        if library.exists():
            try:
                ctypes.CDLL(str(library), mode=ctypes.RTLD_GLOBAL)
            except OSError:
                pass
            return


@functools.cache
def _controller():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl.ThreadpoolController()


@contextlib.contextmanager
def single_threaded_blas():
    """Yields the BLAS thread count in force: 1, or "default" without threadpoolctl."""
    controller = _controller()
    if controller is None:
        yield "default"
        return
    with controller.limit(limits=1, user_api="blas"):
        yield 1
