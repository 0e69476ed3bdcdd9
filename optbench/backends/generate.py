"""Write a generated kernel module to the cache directory and import it.

Numba caches compiled code only for functions that live in a source file, so kernels
generated from a step's source are written out as a module (named by a digest of
their text, written atomically) rather than exec'd.
"""

import importlib.util
import os
import sys
import tempfile

from optbench import config


def load_module(prefix, source, digest):
    name = f"optbench_kernels_{prefix}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    folder = config.cache_dir() / "kernels"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[name] = module
    return module
