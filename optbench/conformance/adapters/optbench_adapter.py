"""optbench's own backends as implementations: `optimizer(rule, backend, form)`, fed each
update's rate by setting `opt.learning_rate` to a constant schedule, with its state
exposed; the kernel backends in both forms (`optbench.optim.form`).

The cuda backend copies the gradient to the device and x back every step, which is what a
check needs and no benchmark wants; under Numba's CUDA simulator it is left out of the
matrix (each GPU thread a Python thread: too slow for full scenarios), and the tests run
it at small sizes.
"""

import numba

from optbench.conformance.protocol import Implementation
from optbench.kernels import get_backend, unavailable as backend_unavailable
from optbench.optim import optimizer, schedule
from optbench.optim.form import DEFAULT_FORM, FORMS

LABEL = "optbench"
BACKENDS = ("reference", "cpu", "cuda")


def unavailable():
    return None


def factory(rule, backend, form=DEFAULT_FORM):
    """make(x0, **hyperparameters) -> step for `rule` on optbench's `backend`, in `form`."""
    module = get_backend(backend)

    def make(x0, **hyperparameters):
        opt = optimizer(rule, backend, form=form, **hyperparameters)
        x = module.to_device(x0.copy())
        state = opt.init(x)

        def step(dx, learning_rate):
            opt.learning_rate = schedule("constant", learning_rate)
            opt.update(x, module.to_device(dx), state)
            return module.to_host(x)

        step.state = lambda: {name: module.to_host(state[name]) for name in opt.rule.state}
        return step

    return make


def implementations(rule):
    found = []
    for backend in BACKENDS:
        reason = backend_unavailable(backend)
        if backend == "cuda" and numba.config.ENABLE_CUDASIM:
            reason = "Numba's CUDA simulator is too slow for whole scenarios; the tests check it at small sizes"
        for form in ("exact",) if backend == "reference" else FORMS:
            name = f"optbench ({backend})" if backend == "reference" else f"optbench ({backend}, {form})"
            found.append(Implementation(name, "optbench", rule, None if reason else factory(rule, backend, form),
                                        skipped=reason or ""))
    return found
