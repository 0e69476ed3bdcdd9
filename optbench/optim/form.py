"""The two forms of a rule's step: exact and fast.

exact
    The lecture's expression in the lecture's order of operations. Its kernels round
    exactly as the NumPy reference does, so they agree with it bit for bit (0 ulps): what
    verifying the kernels themselves needs.
fast
    The same rule rearranged for the machine: per-update factors folded into the host's
    scalars and divisions by them turned into multiplications by reciprocals computed
    once, so that each element costs as few divisions and square roots as the rule
    allows. It rounds differently, within the tolerance derived in
    `optbench.verification.errors`, and is checked like any other implementation by the
    conformance harness. fastmath stays off in both: results are deterministic.

`optimizer()` uses the fast form by default: an optimizer is for training, and the fast
form is verified to the same tolerance optbench holds every library to. Pass
`form="exact"` for bit-for-bit agreement with the reference. A rule whose exact
expression has no per-update factor to fold and no division by one (SGD, momentum,
Nesterov, AdaGrad, RMSProp) has one expression for both forms.
"""

from dataclasses import dataclass
from typing import Callable

from optbench.kernels.elementwise import Elementwise

FORMS = ("fast", "exact")
DEFAULT_FORM = "fast"


@dataclass(frozen=True)
class Form:
    """One form of a rule: its scalar step, the host's scalars for it, and its kernel shape."""

    name: str
    step: Callable
    scalars: Callable
    elementwise: Elementwise


def check_form(form):
    """`form` if it names one ("fast" or "exact"), else a ValueError naming the choices."""
    if not isinstance(form, str) or form not in FORMS:
        raise ValueError(f"form must be one of {list(FORMS)}, got {form!r}")
    return form
