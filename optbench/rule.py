"""What an update rule is: its scalar step, its state, its hyperparameters."""

from dataclasses import dataclass, field
from typing import Callable, Optional

from optbench.elementwise import Elementwise


@dataclass(frozen=True)
class Rule:
    """An elementwise update rule.

    name
        The registry name, also the name of its reference function.
    step
        `step(x, dx, *state, *scalars) -> (x, *state)`: the math for one element.
    scalars
        `scalars(learning_rate, t, **hyperparameters) -> tuple`: the step's scalar
        arguments for update number `t` (1 for the first), computed once per update on
        the host in double precision.
    state
        Names of the state arrays, shaped like x and zeroed by `init`.
    defaults
        Every hyperparameter with its default, `learning_rate` included.
    reference
        A CS231n-style `(w, dw, config) -> (next_w, config)` function; by default
        `optbench.reference.<name>.<name>`.
    """

    name: str
    step: Callable
    scalars: Callable
    state: tuple
    defaults: dict
    reference: Optional[Callable] = field(default=None, compare=False)

    @property
    def elementwise(self):
        n_state = len(self.state)
        return Elementwise(self.step, 2 + n_state, (0, *range(2, 2 + n_state)))

    def __hash__(self):
        return hash((self.name, self.step, self.scalars, self.state))
