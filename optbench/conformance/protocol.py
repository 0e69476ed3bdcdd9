"""The implementation protocol: how anyone's optimizer is put under test.

An implementation of a rule is a factory

    make(x0, **hyperparameters) -> step          step(dx, learning_rate) -> x

`make` receives the start point (a NumPy array of the scenario's dtype, which it may
keep or copy) and every hyperparameter of the rule under optbench's names, the learning
rate excepted; `step` does one update with the gradient `dx` (a NumPy array it must not
modify) and this update's learning rate, and returns the new parameters as anything
`np.asarray` takes. Optionally `step.state()` returns the state under the lecture's
names (`velocity`, `cache`, `m`, `v`), which is then compared as well. A factory that
cannot express a setting (Adam without bias correction, say) raises `Unsupported`.

    def make(x0, momentum):
        x, v = x0.copy(), np.zeros_like(x0)
        def step(dx, learning_rate):
            v[...] = momentum * v - learning_rate * dx
            x[...] += v
            return x
        return step
"""

import importlib
import sys
from dataclasses import dataclass
from typing import Callable, Optional


class Unsupported(Exception):
    """The implementation has no way to compute the rule with these hyperparameters."""


@dataclass(frozen=True)
class Implementation:
    """One implementation of a rule under test.

    name: what it is ("torch.optim.Adam (foreach)"); library: where it comes from;
    setting: the library setting chosen to match the lecture ("" for its defaults);
    make: the factory, or None with `skipped` saying why it cannot run here.
    """

    name: str
    library: str
    rule: str
    make: Optional[Callable]
    setting: str = ""
    skipped: str = ""


def load_factory(spec):
    """`MODULE:FACTORY` as the factory it names, MODULE importable from the current folder."""
    module_name, sep, attribute = str(spec).partition(":")
    if not sep or not module_name or not attribute or not all(p.isidentifier() for p in module_name.split(".")) \
            or not all(p.isidentifier() for p in attribute.split(".")):
        raise ValueError(f"expected MODULE:FACTORY (for example my_optimizers:make_adam), got {spec!r}")
    if "" not in sys.path:
        sys.path.insert(0, "")
    try:
        target = importlib.import_module(module_name)
    except ImportError as error:
        raise ValueError(f"cannot import {module_name!r} from the current folder: {error}") from None
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ValueError(f"module {module_name!r} has no {attribute!r}")
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{spec} is a {type(target).__name__}, not a factory make(x0, **hyperparameters)")
    return target
