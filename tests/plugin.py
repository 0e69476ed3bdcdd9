"""A third-party rule, installed as a real distribution: `sgd_weight_decay`, SGD with an
L2 pull towards 0 through a hyperparameter no built-in rule has (`weight_decay`).

`install(folder)` writes the module and its dist-info (entry point in the group
`optbench.rules`) into `folder`; with `folder` on sys.path (or PYTHONPATH) optbench's
registry finds the rule, as it would after `pip install`.
"""

import textwrap

NAME = "sgd_weight_decay"

MODULE = '''
"""SGD with weight decay: x += -learning_rate * (dx + weight_decay * x)."""

from optbench.optim import Hyperparameter, Rule
from optbench.optim.hyperparameters import step_size


def step(x, dx, learning_rate, weight_decay):
    x += -learning_rate * (dx + weight_decay * x)
    return x


def scalars(learning_rate, t, weight_decay):
    return (learning_rate, weight_decay)


def sgd_weight_decay(w, dw, config=None):
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("weight_decay", 1e-4)
    config.setdefault("t", 0)
    config["t"] += 1
    next_w = w + -config["learning_rate"] * (dw + config["weight_decay"] * w)
    return next_w, config


rule = Rule(
    "sgd_weight_decay",
    step,
    scalars,
    state=(),
    hyperparameters={
        "learning_rate": step_size(1e-2),
        "weight_decay": Hyperparameter(1e-4, low=0.0, sample=(0.0, 1e-2)),
    },
    reference=sgd_weight_decay,
)
'''


def install(folder):
    """Write the plug-in distribution into `folder`; returns `folder`."""
    (folder / "weight_decay_plugin.py").write_text(textwrap.dedent(MODULE))
    info = folder / "weight_decay_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: weight-decay-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[optbench.rules]\n{NAME} = weight_decay_plugin:rule\n")
    return folder
