"""The adapters: every library's implementations run under the protocol, and the
departures each library is known for are found and named. The peers are test
dependencies (optbench[peers]): their absence here is a failure, not a skip."""

import pytest

from optbench.conformance import adapters
from optbench.conformance.harness import Harness
from optbench.optim import get_rule, rule_names


def rows(library, rule, scenarios, dtype="float32", setting=None):
    harness = Harness()
    settings = get_rule(rule).settings({})
    found = {}
    for implementation in adapters.implementations(library, rule):
        if setting is None or implementation.setting == setting:
            found[implementation.name] = [harness.row(implementation, rule, s, dtype, settings) for s in scenarios]
    return found


@pytest.mark.parametrize("library", adapters.PEERS)
def test_every_library_implements_every_lecture_rule(library):
    for rule in rule_names():
        implementations = adapters.implementations(library, rule)
        assert implementations and any(i.make for i in implementations), (library, rule, implementations)


@pytest.mark.parametrize("library, rule", [("torch", "adam"), ("torch", "adagrad"), ("torch", "rmsprop"),
                                           ("optax", "adam"), ("optax", "sgd"), ("keras", "sgd_momentum"),
                                           ("optbench", "nesterov")])
def test_these_conform(library, rule):
    for name, found in rows(library, rule, ["constant", "near_epsilon", "first_step"], setting="").items():
        assert all(r.verdict in ("conforms", "skipped") for r in found), (name, [(r.verdict, r.reason) for r in found])


def named(library, rule, scenario, dtype="float32", setting=""):
    return {name: (found[0].verdict, tuple(found[0].variants))
            for name, found in rows(library, rule, [scenario], dtype, setting).items()}


def test_torch_and_optax_momentum_keep_the_rate_outside_the_velocity():
    for library in ("torch", "optax"):
        for name, (verdict, found) in named(library, "sgd_momentum", "rate_change").items():
            assert (verdict, found) == ("departs", ("learning_rate_outside_velocity",)), name


def test_torch_foreach_nesterov_modifies_the_gradient():
    (row,) = rows("torch", "nesterov", ["constant"])["torch.optim.SGD (foreach)"]
    assert (row.verdict, row.reason) == ("error", "step 1 modified the gradient it was given")


def test_optax_adagrad_needs_its_setting_and_still_puts_epsilon_inside():
    assert set(named("optax", "adagrad", "constant", "float64").values()) == {
        ("departs", ("accumulator_start(c0=0.1) + epsilon_inside_sqrt",))}
    assert set(named("optax", "adagrad", "constant", "float64", "initial_accumulator_value=0.0").values()) == {
        ("departs", ("epsilon_inside_sqrt",))}


def test_optax_rmsprop_conforms_with_eps_in_sqrt_false():
    assert set(named("optax", "rmsprop", "near_epsilon").values()) == {("departs", ("epsilon_inside_sqrt",))}
    assert set(named("optax", "rmsprop", "near_epsilon", setting="eps_in_sqrt=False").values()) == {("conforms", ())}


def test_keras_adam_computes_epsilon_hat_and_a_float32_rate():
    assert set(named("keras", "adam", "first_step").values()) == {("departs", ("epsilon_hat",))}
    assert set(named("keras", "sgd", "constant", "float64").values()) == {("departs", ("learning_rate_in_float32",))}
    assert set(named("keras", "sgd", "constant", "float64", "floatx=float64").values()) == {("conforms", ())}


def test_adam_without_bias_correction_is_skipped_where_a_library_cannot_express_it():
    harness = Harness()
    rule = get_rule("adam")
    settings = rule.settings({"bias_correction": False})
    for library in adapters.PEERS:
        implementation = next(i for i in adapters.implementations(library, "adam") if i.make)
        row = harness.row(implementation, rule, "first_step", "float32", settings)
        assert row.verdict == "skipped" and "bias correction" in row.reason


def test_a_library_that_is_not_installed_gives_skipped_rows(monkeypatch):
    module = adapters.adapter("optax")
    monkeypatch.setattr(module, "unavailable", lambda: adapters.not_installed("optax_that_is_not_there"))
    (implementation,) = adapters.implementations("optax", "adam")
    assert implementation.make is None
    assert implementation.skipped == "not installed (pip install optbench[peers])"


def test_an_unknown_library_names_the_valid_ones():
    with pytest.raises(ValueError, match=r"\['optbench', 'torch', 'optax', 'keras'\]"):
        adapters.adapter("tensorflow")
