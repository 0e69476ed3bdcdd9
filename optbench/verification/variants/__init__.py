"""The catalogue of named variants: the known departures from the lecture's rules.

Each variant is written once (`catalogue.py`: its formula and where it is found) and
computed by the rules' NumPy forms (`forms.py`), in which every catalogued departure is
a switch. A variant, or a pair of them, runs as an implementation of the rule like any
other (`implementation`), so the conformance harness can ask of an implementation that
departs from the reference: which known variant does it compute?

    names("adam")                                   # ['epsilon_hat', 'epsilon_inside_sqrt', ...]
    make = implementation("adagrad", {"epsilon_inside_sqrt": None, "accumulator_start": 0.1})
    step = make(x0, epsilon=1e-7)                   # the protocol of optbench.conformance
    x = step(dx, 1e-2)

A variant with a parameter (`accumulator_start`: the cache's starting value) is given
its value in the mapping; the diagnosis fits it.
"""

from optbench.verification.variants.catalogue import CATALOGUE, Variant
from optbench.verification.variants.forms import FORMS, implementation


def names(rule):
    """The catalogued variants of `rule` (a name), sorted; none for a rule without a form."""
    return sorted(name for name, v in CATALOGUE.items() if rule in FORMS and (v.rules is None or rule in v.rules))


def get(name):
    try:
        return CATALOGUE[name]
    except KeyError:
        raise ValueError(f"no variant {name!r}; the catalogue holds {sorted(CATALOGUE)}") from None


def every_variant():
    """[(rule, variant name)] over the whole catalogue."""
    return [(rule, name) for rule in sorted(FORMS) for name in names(rule)]


__all__ = ["CATALOGUE", "FORMS", "Variant", "every_variant", "get", "implementation", "names"]
