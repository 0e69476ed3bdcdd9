"""torch.optim under the protocol: SGD (plain, momentum, nesterov), Adagrad, RMSprop and
Adam, each in every implementation torch has on the CPU (forloop, foreach, fused).

The parameter is a CPU tensor started at x0 and its `.grad` is set to the gradient each
step; the rate goes into `param_groups[0]["lr"]`, as a scheduler would put it. Names:
epsilon -> eps, decay_rate -> alpha, beta1, beta2 -> betas. torch's own defaults already
compute the lecture's Adagrad (initial_accumulator_value=0, lr_decay=0) and RMSprop
(centered=False, momentum=0), so no setting is needed. Its state is exposed where it
means the lecture's: Adagrad's `sum` and RMSprop's `square_avg` as cache, Adam's
`exp_avg` and `exp_avg_sq` as m and v; SGD's momentum buffer sums raw gradients (the
rate multiplies it afterwards) and is not the lecture's velocity.
"""

import functools

import numpy as np

from optbench.conformance.adapters import not_installed, require_bias_correction
from optbench.conformance.protocol import Implementation
from optbench.optim import get_rule

LABEL = "torch"
MODES = ("forloop", "foreach", "fused")
OPTIMIZERS = {
    "sgd": ("SGD", lambda h: {}),
    "sgd_momentum": ("SGD", lambda h: {"momentum": h["momentum"]}),
    "nesterov": ("SGD", lambda h: {"momentum": h["momentum"], "nesterov": True}),
    "adagrad": ("Adagrad", lambda h: {"eps": h["epsilon"]}),
    "rmsprop": ("RMSprop", lambda h: {"alpha": h["decay_rate"], "eps": h["epsilon"]}),
    "adam": ("Adam", lambda h: {"betas": (h["beta1"], h["beta2"]), "eps": h["epsilon"]}),
}
STATE = {"Adagrad": {"cache": "sum"}, "RMSprop": {"cache": "square_avg"}, "Adam": {"m": "exp_avg", "v": "exp_avg_sq"}}
MODE_OPTIONS = {"forloop": {"foreach": False}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def unavailable():
    return not_installed("torch")


def factory(rule, mode):
    import torch

    name, options = OPTIMIZERS[rule]

    def make(x0, **hyperparameters):
        require_bias_correction(rule, hyperparameters, f"torch.optim.{name}")
        param = torch.from_numpy(x0.copy())
        opt = getattr(torch.optim, name)([param], lr=0.0, **options(hyperparameters), **MODE_OPTIONS[mode])
        group = opt.param_groups[0]

        def step(dx, learning_rate):
            group["lr"] = learning_rate
            param.grad = torch.from_numpy(dx)
            opt.step()
            return param.numpy()

        def state():
            held = opt.state.get(param, {})
            return {ours: held[theirs].numpy() for ours, theirs in STATE.get(name, {}).items() if theirs in held}

        step.state = state
        return step

    return make


@functools.cache
def has_mode(rule, mode, dtype="float32"):
    """Whether this torch has `mode` of the rule's optimizer on the CPU, tried once."""
    try:
        settings = {k: v for k, v in get_rule(rule).defaults.items() if k != "learning_rate"}
        step = factory(rule, mode)(np.zeros(2, dtype), **settings)
        step(np.ones(2, dtype), 0.1)
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


def implementations(rule):
    import torch

    if rule not in OPTIMIZERS:
        return [Implementation("torch.optim", "torch", rule, None, skipped=f"torch.optim has no {rule}")]
    name = OPTIMIZERS[rule][0]
    found = []
    for mode in MODES:
        label = f"torch.optim.{name} ({mode})"
        if has_mode(rule, mode):
            found.append(Implementation(label, "torch", rule, factory(rule, mode)))
        else:
            found.append(Implementation(label, "torch", rule, None,
                                        skipped=f"torch {torch.__version__} has no {mode} {name} on the CPU"))
    return found
