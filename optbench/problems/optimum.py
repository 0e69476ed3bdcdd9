"""f* for problems without a closed form: the value scipy's L-BFGS-B reaches from
x0(seed=0) at tight tolerance (gtol=1e-12, ftol=1e-15), within the problem's
`f_star_maxiter` iterations (a ReLU net never meets such tolerances: its kinks keep
L-BFGS-B creeping, so it gets a budget instead).

Computed once and cached in memory and on disk, as one small JSON file per problem in
`config.cache_dir()` (in memory only when OPTBENCH_CACHE_DIR is ""). The cache key is a
hash of the problem's name and options, the scipy version, and the loss and gradient at
x0, so that a change to the data, the formula or the start point computes f* afresh
instead of reading a stale value.
"""

import hashlib
import json

import numpy as np
import scipy
import scipy.optimize

from optbench import config
from optbench.files import atomic_write

# scipy's L-BFGS-B at tight tolerance: for f* here, and for the report's reference lines.
TIGHT_LBFGSB = {"maxcor": 10, "gtol": 1e-12, "ftol": 1e-15}

_in_memory = {}


def best_known_f_star(problem):
    """min f found by L-BFGS-B from problem.x0(0), cached (see module docstring)."""
    x0 = problem.x0(0)
    f0, g0 = problem.loss_and_gradient(x0)
    key = _cache_key(problem, f0, g0)
    if key in _in_memory:
        return _in_memory[key]
    folder = config.cache_dir()
    path = None if folder is None else folder / f"f_star-{problem.name}-{key[:16]}.json"
    if path is not None and path.is_file():
        try:
            record = json.loads(path.read_text())
            if record["key"] == key:
                _in_memory[key] = float(record["f_star"])
                return _in_memory[key]
        except (OSError, ValueError, KeyError):
            pass  # unreadable or foreign file: compute afresh and overwrite it
    budget = {"maxiter": problem.f_star_maxiter, "maxfun": 2 * problem.f_star_maxiter}
    result = scipy.optimize.minimize(
        problem.loss_and_gradient, x0, jac=True, method="L-BFGS-B", options=TIGHT_LBFGSB | budget
    )
    _in_memory[key] = float(result.fun)
    if path is not None:
        _write(path, {"key": key, "problem": repr(problem), "f_star": float(result.fun),
                      "nit": int(result.nit), "message": str(result.message)})
    return _in_memory[key]


def _cache_key(problem, f0, g0):
    digest = hashlib.sha256()
    identity = (problem.name, sorted(problem.options.items()), problem.f_star_maxiter, scipy.__version__)
    digest.update(repr(identity).encode())
    digest.update(np.float64(f0).tobytes())
    digest.update(np.ascontiguousarray(g0, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _write(path, record):
    """Write the record atomically; a read-only cache is not an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(record, indent=1))
    except OSError:
        pass
