"""`optimizer(name, backend, **hyperparameters)`: one interface for every rule.

An optimizer is a pair `init`/`update`:

    opt = optimizer("adam", backend="cpu", learning_rate=1e-3)
    state = opt.init(x)          # zeroed state arrays shaped like x, and "t": 0
    opt.update(x, dx, state)     # one step, in place on x and state

Every check runs before anything is written: on an error, x and state are exactly
as they were.
"""

import numpy as np

from optbench import checks
from optbench.kernels import get_backend
from optbench.optim.registry import get_rule, reference
from optbench.optim.schedules import as_schedule


class Optimizer:
    def __init__(self, rule, backend, hyperparameters):
        self.rule = rule
        self.backend = get_backend(backend)
        settings = rule.settings(hyperparameters)
        self.learning_rate = as_schedule(settings.pop("learning_rate"))
        self.hyperparameters = settings
        # the hot path's fixed parts, worked out once: the state's labels and keys
        self._state_labels = tuple((name, f"state[{name!r}]") for name in rule.state)
        self._state_keys = frozenset({*rule.state, "t"})
        if self.backend.name == "reference":
            self._reference = reference(rule)
        else:
            self._reference = None
            self._launch = self.backend.launcher(rule.elementwise)

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return f"optimizer({self.rule.name!r}, backend={self.backend.name!r}, learning_rate={self.learning_rate!r}, {settings})"

    def init(self, x):
        """Zeroed state arrays shaped like x, and the update count t = 0."""
        self.backend.check_array("x", x, writeable=False)
        state = {name: self.backend.zeros_like(x) for name in self.rule.state}
        state["t"] = 0
        return state

    def update(self, x, dx, state):
        """One update of x and state, in place."""
        t = self._check(x, dx, state)
        learning_rate = self.learning_rate(t)
        arrays = [state[name] for name in self.rule.state]
        if self._reference is not None:
            self._update_reference(x, dx, arrays, learning_rate, t)
        else:
            scalars = self.rule.scalars(learning_rate, t + 1, **self.hyperparameters)
            self._launch((x, dx, *arrays), scalars)
        state["t"] = t + 1

    def _update_reference(self, x, dx, arrays, learning_rate, t):
        config = {**self.hyperparameters, "learning_rate": learning_rate, "t": t}
        config.update(zip(self.rule.state, arrays))
        next_x, config = self._reference(x, dx, config)
        x[...] = next_x
        for name, array in zip(self.rule.state, arrays):
            array[...] = config[name]

    def _check(self, x, dx, state):
        check_array = self.backend.check_array
        check_array("x", x)
        check_array("dx", dx, writeable=False)
        _same_layout("dx", dx, x)
        if not isinstance(state, dict):
            raise TypeError(f"state must be the dict returned by init(x), got {type(state).__name__}")
        if state.keys() != self._state_keys:
            raise ValueError(
                f"state has keys {sorted(state)}; rule {self.rule.name!r} keeps {sorted(self._state_keys)}"
            )
        for name, label in self._state_labels:
            check_array(label, state[name])
            _same_layout(label, state[name], x)
        t = state["t"]
        if type(t) is int and t >= 0:  # the common case, without the general check's cost
            return t
        return checks.whole_number("state['t']", t, low=0)


def _same_layout(label, a, x):
    if a.shape != x.shape:
        raise ValueError(f"{label} has shape {a.shape}, x has {x.shape}; they must match")
    if a.dtype is not x.dtype and a.dtype != x.dtype and dtype_of(a) != dtype_of(x):
        raise TypeError(f"{label} has dtype {a.dtype}, x has {x.dtype}; they must match")


def dtype_of(a):
    """a's dtype as a numpy dtype, also for device arrays that name theirs otherwise (torch.float32)."""
    interface = getattr(a, "__cuda_array_interface__", None)
    return np.dtype(interface["typestr"]) if interface else a.dtype


def optimizer(name, backend="reference", **hyperparameters):
    """An update rule by name on a backend ("reference", "cpu" or "cuda")."""
    return Optimizer(get_rule(name), backend, hyperparameters)
