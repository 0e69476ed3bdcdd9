"""Generated kernel modules: written as source files and imported.

Numba caches compiled code only for functions that live in a source file, so kernels
generated from a step's source are written out as a module named by a digest of their
text (written atomically, so concurrent processes never import half a file) and
imported, rather than exec'd. They live in `config.cache_dir() / "kernels"`; with the
disk cache turned off (OPTBENCH_CACHE_DIR="") in a private temporary folder that is
removed when the process exits, so nothing outlives the process.
"""

import atexit
import functools
import hashlib
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

from optbench import config
from optbench.files import atomic_write


def digest(*parts):
    """A short, stable name for a module's content."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def load_module(prefix, source, key=None):
    """Import `source` as the module `optbench_kernels_<prefix>_<digest>` (once per process)."""
    name = f"optbench_kernels_{prefix}_{key or digest(source)}"
    if name in sys.modules:
        return sys.modules[name]
    folder = kernel_folder()
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        atomic_write(path, source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # registered before it runs: eagerly compiled kernels load Numba's cache while the
    # module executes, and that looks the module up by name
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def kernel_folder():
    cache = config.cache_dir()
    if cache is None:
        return _private_folder()
    folder = cache / "kernels"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@functools.cache
def _private_folder():
    folder = tempfile.mkdtemp(prefix="optbench-kernels-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return Path(folder)
