"""Per-call cost of an update: what a small model pays on every step.

The `update` cases go through the public interface (validation, scalars, dispatch and
the kernel) at 1e3 and 1e5 parameters, in both forms; `torch` is torch.optim's step of
the same rule in each of its implementations (forloop, foreach, fused) at the same
sizes; `kernel` calls the compiled serial kernel alone, so the difference is optbench's
Python overhead. `two_layer` compares four calls (one per array) with one call on the
flat buffer.
"""

import numpy as np
import pytest

import optbench
from optbench.kernels import cpu
from optbench.optim.form import FORMS
from optbench.perf import bench, peers
from optbench.problems import get_problem

RULES = optbench.rule_names()


@pytest.mark.parametrize("n", [10**3, 10**5])
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("rule", RULES)
def bench_update(benchmark, rule, form, n):
    benchmark(bench.kernel_call(rule, "cpu", n, "float32", form=form))


@pytest.mark.parametrize("n", [10**3, 10**5])
@pytest.mark.parametrize("implementation", peers.IMPLEMENTATIONS)
@pytest.mark.parametrize("rule", RULES)
def bench_torch(benchmark, rule, implementation, n):
    pytest.importorskip("torch")
    call = peers.torch_call(rule, n, "float32", implementation)
    if call is None:
        pytest.skip(f"torch has no {implementation} implementation of {rule}")
    benchmark(call)


@pytest.mark.parametrize("rule", RULES)
def bench_kernel(benchmark, rule):
    elementwise = bench.elementwise_of(rule)
    serial, _ = cpu.kernels(elementwise)
    arrays = [np.ones(10**3, np.float32) for _ in range(elementwise.n_arrays)]
    scalars = (0.5,) * elementwise.n_scalars
    benchmark(serial, *arrays, *scalars)


def bench_average(benchmark):
    benchmark(bench.kernel_call("average", "cpu", 10**3, "float32"))


@pytest.mark.parametrize("layout", ["flat", "per_array"])
def bench_two_layer(benchmark, layout):
    problem = get_problem("two_layer")
    x = problem.x0(seed=0).astype(np.float32)
    dx = np.random.default_rng(0).standard_normal(x.size, dtype=np.float32)
    pairs = [(x, dx)] if layout == "flat" else list(zip(problem.params(x).values(), problem.params(dx).values()))
    opt = optbench.optimizer("adam", "cpu")
    updates = [(p, g, opt.init(p)) for p, g in pairs]

    def step():
        for p, g, state in updates:
            opt.update(p, g, state)

    benchmark(step)
