"""What an update rule is: its scalar step, its state, its hyperparameters."""

from dataclasses import dataclass, field
from typing import Callable, Optional

from optbench.kernels.elementwise import Elementwise
from optbench.optim.form import Form, check_form
from optbench.optim.hyperparameters import Hyperparameter
from optbench.optim.schedules import Schedule


@dataclass(frozen=True)
class Rule:
    """An elementwise update rule.

    name
        The registry name, also the name of its reference function.
    step
        `step(x, dx, *state, *scalars) -> (x, *state)`: the math for one element, in the
        lecture's order of operations (the exact form, `optbench.optim.form`).
    scalars
        `scalars(learning_rate, t, **hyperparameters) -> tuple`: the step's scalar
        arguments for update number `t` (1 for the first), computed once per update on
        the host in double precision.
    fast_step, fast_scalars
        The fast form: the same rule rearranged for the machine, with scalars of its
        own, which the cpu backend compiles with Numba (arithmetic and `math` only, like
        the step). Not given: the exact expression is already as cheap as the rule
        allows, and it is both forms.
    state
        Names of the state arrays, shaped like x and zeroed by `init`.
    hyperparameters
        {name: `Hyperparameter`} for every hyperparameter, `learning_rate` included:
        default, valid range, and the range tests and searches draw from.
    memory
        `memory(**hyperparameters) -> float`: for how many updates, at most, a rounding
        in the state keeps acting on x: 1 / (1 - momentum) where a velocity is integrated
        into x, 1 / (1 - beta1) for Adam's first moment; 1 when not given. The derived
        tolerance of `optbench.verification.errors` scales with it.
    reference
        A CS231n-style `(w, dw, config) -> (next_w, config)` function; by default
        `optbench.reference.rules.<name>.<name>`.
    """

    name: str
    step: Callable
    scalars: Callable
    state: tuple
    hyperparameters: dict
    memory: Optional[Callable] = field(default=None, compare=False)
    reference: Optional[Callable] = field(default=None, compare=False)
    fast_step: Optional[Callable] = None
    fast_scalars: Optional[Callable] = None

    def __post_init__(self):
        if (self.fast_step is None) != (self.fast_scalars is None):
            raise ValueError(f"rule {self.name!r}: give fast_step and fast_scalars together, or neither")
        if "learning_rate" not in self.hyperparameters:
            raise ValueError(f"rule {self.name!r} must declare learning_rate among its hyperparameters")
        for name, declaration in self.hyperparameters.items():
            if not isinstance(declaration, Hyperparameter):
                raise TypeError(
                    f"rule {self.name!r}: hyperparameter {name!r} must be declared as an "
                    f"optbench.optim.Hyperparameter (its default and range), got {declaration!r}"
                )

    @property
    def defaults(self):
        """{name: default} for every hyperparameter."""
        return {name: declaration.default for name, declaration in self.hyperparameters.items()}

    def settings(self, hyperparameters):
        """The defaults updated by `hyperparameters`, each checked against its declaration
        (a `ValueError` naming an unknown one and the valid ones); the learning rate may
        also be a schedule, which checked itself when it was made."""
        unknown = set(hyperparameters) - set(self.hyperparameters)
        if unknown:
            raise ValueError(
                f"unknown hyperparameter(s) {sorted(unknown)} for rule {self.name!r}; "
                f"it takes {sorted(self.hyperparameters)}"
            )
        settings = {**self.defaults, **hyperparameters}
        rate = settings.pop("learning_rate")
        checked = {"learning_rate": rate if isinstance(rate, Schedule)
                   else self.hyperparameters["learning_rate"].check("learning_rate", rate)}
        checked.update((name, self.hyperparameters[name].check(name, value)) for name, value in settings.items())
        return checked

    def memory_of(self, hyperparameters):
        """`memory` at these hyperparameters (names beyond the rule's own are ignored)."""
        if self.memory is None:
            return 1.0
        return float(self.memory(**{k: v for k, v in hyperparameters.items() if k in self.hyperparameters
                                    and k != "learning_rate"}))

    @property
    def elementwise(self):
        """The exact form's kernel shape: x, dx and the state in; x and the state updated."""
        return self._elementwise(self.step)

    def _elementwise(self, step):
        n_state = len(self.state)
        return Elementwise(step, 2 + n_state, (0, *range(2, 2 + n_state)))

    @property
    def has_fast_form(self):
        """Whether the fast form is an expression of its own (else it is the exact one)."""
        return self.fast_step is not None

    def form(self, name):
        """The `Form` "exact" or "fast" (a ValueError naming the choices otherwise)."""
        if check_form(name) == "fast" and self.has_fast_form:
            return Form("fast", self.fast_step, self.fast_scalars, self._elementwise(self.fast_step))
        return Form(name, self.step, self.scalars, self.elementwise)

    def __hash__(self):
        return hash((self.name, self.step, self.scalars, self.state, self.fast_step, self.fast_scalars))
