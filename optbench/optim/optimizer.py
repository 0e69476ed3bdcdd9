"""`optimizer(name, backend, **hyperparameters)`: one interface for every rule.

An optimizer is a pair `init`/`update`:

    opt = optimizer("adam", backend="cpu", learning_rate=1e-3)
    state = opt.init(x)          # zeroed state arrays shaped like x, and "t": 0
    opt.update(x, dx, state)     # one step, in place on x and state

`form` chooses the kernels' form of the rule (`optbench.optim.form`): "fast" (the
default) or "exact" (bit for bit with the NumPy reference); the reference backend runs
the literal reference whatever the form.

Every check runs before anything is written: on an error, x and state are exactly
as they were. On the cpu backend a small update is mostly fixed cost, so for
one-dimensional x the checks run in compiled code: the serial kernel is compiled for
exactly the arrays accepted and checks their sizes first (`kernels/cpu.py`), and
whatever it refuses, before writing anything, comes back through the checks here, for
the message that names the problem. A fast form's scalars are compiled too, and a small
update computes them inside its one kernel call.
"""

import functools
import inspect
import operator

import numpy as np

from optbench import checks
from optbench.kernels import get_backend
from optbench.optim.form import DEFAULT_FORM, check_form
from optbench.optim.registry import get_rule, reference
from optbench.optim.schedules import as_schedule


class Optimizer:
    def __init__(self, rule, backend, hyperparameters, form=DEFAULT_FORM):
        self.rule = rule
        self.backend = get_backend(backend)
        self.form = check_form(form)
        settings = rule.settings(hyperparameters)
        self.learning_rate = as_schedule(settings.pop("learning_rate"))
        self.hyperparameters = settings
        # the hot path's fixed parts, worked out once: the state's labels and keys
        self._state_labels = tuple((name, f"state[{name!r}]") for name in rule.state)
        self._state_keys = frozenset({*rule.state, "t"})
        self._n_keys = len(self._state_keys)
        self._fetch = _getter(rule.state)
        self._small = None
        if self.backend.name == "reference":
            self._reference = reference(rule)
        else:
            self._reference = None
            kernel_form = rule.form(form)
            self._launch = self.backend.launcher(kernel_form.elementwise)
            self._scalars, self._scalar_arguments = _bound(kernel_form.scalars, settings)
            if hasattr(self.backend, "small_launcher"):  # kernels that check their arrays themselves
                # a fast form's own scalars are compiled, and a small update computes them in its kernel call
                compiled = rule.has_fast_form and self.form == "fast" and self._scalars is kernel_form.scalars
                self._small, self._small_size, scalars = self.backend.small_launcher(
                    kernel_form.elementwise, kernel_form.scalars if compiled else None, self._scalar_arguments)
                self._small_takes_settings = scalars is not None
                if scalars is not None:
                    self._scalars = scalars

    @property
    def learning_rate(self):
        """The learning-rate schedule; set it to a number or a schedule at any time."""
        return self._schedule

    @learning_rate.setter
    def learning_rate(self, value):
        self._schedule = as_schedule(value)
        # a constant rate is read as it is on the small-update path, without a call
        self._constant_rate = self._schedule.learning_rate if self._schedule.kind == "constant" else None

    def __repr__(self):
        settings = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters.items())
        return (f"optimizer({self.rule.name!r}, backend={self.backend.name!r}, form={self.form!r}, "
                f"learning_rate={self.learning_rate!r}, {settings})")

    def init(self, x):
        """Zeroed state arrays shaped like x, and the update count t = 0."""
        self.backend.check_array("x", x, writeable=False)
        state = {name: self.backend.zeros_like(x) for name in self.rule.state}
        state["t"] = 0
        return state

    def update(self, x, dx, state):
        """One update of x and state, in place."""
        if self._small is not None and type(state) is dict and len(state) == self._n_keys:
            t = state.get("t")
            if type(t) is int and t >= 0:
                try:
                    if x.ndim == 1 and x.size < self._small_size:
                        arrays = self._fetch(state)
                        rate = self._constant_rate
                        if rate is None:
                            rate = self._schedule(t)
                        if self._small_takes_settings:
                            self._small(x, dx, *arrays, rate, t + 1, *self._scalar_arguments)
                        else:
                            self._small(x, dx, *arrays, *self._scalars(rate, t + 1, *self._scalar_arguments))
                        state["t"] = t + 1
                        return
                except (AttributeError, KeyError, TypeError, ValueError):  # refused before any write: every check
                    pass
        t = self._check(x, dx, state)
        learning_rate = self.learning_rate(t)
        arrays = self._fetch(state)
        if self._reference is not None:
            self._update_reference(x, dx, arrays, learning_rate, t)
        else:
            scalars = self._scalars(learning_rate, t + 1, *self._scalar_arguments)
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


def _getter(names):
    """`get(state) -> tuple` of the state arrays `names`, in order."""
    if len(names) >= 2:
        return operator.itemgetter(*names)
    if names:
        name, = names
        return lambda state: (state[name],)
    return lambda state: ()


def _bound(scalars, settings):
    """(function, arguments) with `function(learning_rate, t, *arguments)` the scalars at
    these settings: passed by position where the function names each of them, the
    cheapest call; by keyword otherwise."""
    parameters = list(inspect.signature(scalars).parameters.values())[2:]
    if (sorted(p.name for p in parameters) == sorted(settings)
            and all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters)):
        return scalars, tuple(settings[p.name] for p in parameters)
    return functools.partial(scalars, **settings), ()


def _same_layout(label, a, x):
    if a.shape != x.shape:
        raise ValueError(f"{label} has shape {a.shape}, x has {x.shape}; they must match")
    if a.dtype is not x.dtype and a.dtype != x.dtype and dtype_of(a) != dtype_of(x):
        raise TypeError(f"{label} has dtype {a.dtype}, x has {x.dtype}; they must match")


def dtype_of(a):
    """a's dtype as a numpy dtype, also for device arrays that name theirs otherwise (torch.float32)."""
    interface = getattr(a, "__cuda_array_interface__", None)
    return np.dtype(interface["typestr"]) if interface else a.dtype


def optimizer(name, backend="reference", form=DEFAULT_FORM, **hyperparameters):
    """An update rule by name on a backend ("reference", "cpu" or "cuda"), in `form`
    ("fast" or "exact", `optbench.optim.form`)."""
    return Optimizer(get_rule(name), backend, hyperparameters, form)
