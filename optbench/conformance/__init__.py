"""Conformance: anyone's implementation of a rule, run beside the lecture's reference.

    protocol     make(x0, **hyperparameters) -> step; step(dx, learning_rate) -> x
    scenarios    seeded gradient streams and learning-rate sequences that expose departures
    trajectory   run a factory over a stream; compare two runs with the derived tolerance
    harness      the reference as the truth, the verdict rows; `check`
    diagnosis    which named variant a departing implementation computes
    adapters/    optbench's own backends, torch.optim, optax and Keras under the protocol
    matrix       every library x rule x implementation x scenario x dtype (`optbench conform`)
    verify       optbench's own kernels on the same engine (`optbench verify`)

    rows = check(make, "adam", dtype="float32", beta1=0.9)

May import the foundation modules, `kernels`, `optim`, `verification` and `reference`;
the peer libraries only inside their adapters, when asked for.
"""

from optbench.conformance.harness import Row, check
from optbench.conformance.protocol import Implementation, Unsupported, load_factory
from optbench.conformance.scenarios import SCENARIOS, scenario_names

__all__ = ["Implementation", "Row", "SCENARIOS", "Unsupported", "check", "load_factory", "scenario_names"]
