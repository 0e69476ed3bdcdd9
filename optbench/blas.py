"""BLAS on one thread, for the small matrix products of the problems and the solvers.

On a shared 2-core machine, BLAS threads waiting for one another made the digits
problems' products (and scipy's L-BFGS-B) hundreds of times slower under load. The
limit comes from threadpoolctl, installed with scikit-learn; without it BLAS keeps its
default. The controller is made once: scanning the loaded libraries costs milliseconds.
"""

import contextlib
import functools


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
