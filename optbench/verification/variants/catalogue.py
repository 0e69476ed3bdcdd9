"""The known departures from the lecture's rules, each with its formula and where it is
found. `forms.py` computes them.

    name                              rules                       the departure
    epsilon_inside_sqrt               adagrad, rmsprop, adam      x -= lr g / sqrt(s + eps)
    epsilon_hat                       adam                        eps -> eps / sqrt(1 - beta2^t)
    accumulator_start                 adagrad, rmsprop            cache starts at c0 > 0 (fitted)
    decay_rate_swapped                rmsprop                     cache = (1-rho) cache + rho dx^2
    no_bias_correction                adam                        mb = m, vb = v
    learning_rate_outside_velocity    sgd_momentum, nesterov      b = mu b + dx; x -= lr b
    velocity_starts_at_gradient       sgd_momentum, nesterov      v0 = -lr dx1 before the first update
    nesterov_as_momentum              nesterov                    the plain momentum update
    learning_rate_in_float32          every rule, float64 data    lr rounded to float32 first
"""

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Variant:
    """A named departure: `formula` says what it computes, `found_in` where it is computed.

    rules: the rules it applies to (None: every rule that has a form). parameter: the name
    of a value the diagnosis fits, with `bounds` for its log10. dtypes: the data types in
    which it differs from the reference at all (None: every dtype).
    """

    name: str
    rules: Optional[tuple]
    formula: str
    found_in: str
    parameter: Optional[str] = None
    bounds: tuple = ()
    dtypes: Optional[tuple] = None


CATALOGUE = {v.name: v for v in (
    Variant(
        "epsilon_inside_sqrt", ("adagrad", "rmsprop", "adam"),
        "x -= learning_rate * g / sqrt(s + epsilon), where the lecture has sqrt(s) + epsilon "
        "(s: the cache, or Adam's corrected second moment)",
        "optax.adagrad and optax.rmsprop (its default eps_in_sqrt=True), Keras Adagrad and RMSprop",
    ),
    Variant(
        "epsilon_hat", ("adam",),
        "x -= learning_rate * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon): the "
        "lecture's update with epsilon replaced by epsilon / sqrt(1 - beta2^t), the \"epsilon hat\" "
        "of Kingma and Ba's efficient form; it differs most in the first steps",
        "Keras Adam",
    ),
    Variant(
        "accumulator_start", ("adagrad", "rmsprop"),
        "cache starts at a value c0 > 0 instead of 0, which damps the first steps",
        "optax.adagrad and Keras Adagrad (initial_accumulator_value=0.1 by default)",
        parameter="c0", bounds=(-9.0, 1.0),
    ),
    Variant(
        "decay_rate_swapped", ("rmsprop",),
        "cache = (1 - decay_rate) * cache + decay_rate * dx**2: the roles of the two weights exchanged",
        "hand-written RMSProp that reads decay_rate as the weight of the new gradient",
    ),
    Variant(
        "no_bias_correction", ("adam",),
        "mb = m, vb = v whatever bias_correction says: the lecture's \"incomplete, but close\" Adam",
        "Adam written from the lecture's first slide",
    ),
    Variant(
        "learning_rate_outside_velocity", ("sgd_momentum", "nesterov"),
        "b = momentum * b + dx; x -= learning_rate * b (Nesterov: x -= learning_rate * (dx + momentum * b)): "
        "the velocity sums raw gradients and the current rate scales all of them; the same as the lecture "
        "at a constant rate, different from the first change of the rate on",
        "torch.optim.SGD, optax.sgd (optax.trace then the learning rate)",
    ),
    Variant(
        "velocity_starts_at_gradient", ("sgd_momentum", "nesterov"),
        "the velocity is seeded with the first step, v = -learning_rate * dx (b = dx with the rate outside), "
        "before the first update applies momentum to it, so the first step is (1 + momentum) times too long",
        "hand-written momentum that initializes the buffer from the first gradient and then updates it",
    ),
    Variant(
        "nesterov_as_momentum", ("nesterov",),
        "v = momentum * v - learning_rate * dx; x += v: the plain momentum update, no look-ahead",
        "a Nesterov flag that is ignored",
    ),
    Variant(
        "learning_rate_in_float32", None,
        "the learning rate is rounded to float32 before it is used on float64 parameters",
        "Keras, which keeps the learning rate in a variable of dtype floatx (float32 unless "
        "keras.config.set_floatx('float64'))",
        dtypes=("float64",),
    ),
)}
