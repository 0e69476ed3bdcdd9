"""Measuring update kernels: the same-pattern bound, timing, table rows, machine info.

An update is memory-bound. A step over `n_arrays` arrays that writes back `updated` of
them moves, per parameter,

    bytes = itemsize * (n_arrays + len(updated))       Adam, float32: 4 * (4 + 3) = 28

The limit on a machine is the speed of a kernel with the same reads and writes and
trivial arithmetic: `bound_elementwise` generates it from the step's shape alone (each
updated element plus the read-only ones times a scalar), and the backend turns it into
kernels exactly as it does a rule, with the same alignment and parallel/serial dispatch.
It runs over the very arrays the rule updates, with the scalar 0, so that it rewrites
their values unchanged and both see the same memory pages.

Every figure is measured side by side in one run: each candidate of a case (the kernel,
its bound, the NumPy reference, torch.optim foreach and fused) is sampled in turn, round
after round, and the fastest sample of each is kept, so that a burst of load from other
processes on a shared machine is not mistaken for the speed of one candidate.

    rows = measure_grid(["adam"], sizes=[10**7], dtypes=["float32"])
    print(format_table(rows))
"""

import functools
import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numba
import numpy as np

from optbench import machine
from optbench.averaging import ELEMENTWISE as AVERAGE_ELEMENTWISE
from optbench.averaging import parameter_average
from optbench.backends import get_backend, unavailable
from optbench.backends.generate import load_module
from optbench.elementwise import Elementwise
from optbench.optimizer import optimizer
from optbench.registry import get_rule, rule_names

AVERAGE = "average"
SIZES = (10**3, 10**5, 10**7)
DTYPES = ("float32", "float64")
PEERS = ("reference", "torch")


def targets():
    """Everything there is to measure: every registered rule, and the parameter average."""
    return [*rule_names(), AVERAGE]


def elementwise_of(target):
    return AVERAGE_ELEMENTWISE if target == AVERAGE else get_rule(target).elementwise


def traffic(elementwise):
    """(arrays read, arrays written) per parameter by one pass of the step."""
    return elementwise.n_arrays, len(elementwise.updated)


def bytes_per_parameter(elementwise, dtype):
    return np.dtype(dtype).itemsize * sum(traffic(elementwise))


@functools.cache
def bound_elementwise(n_arrays, updated):
    """A step with the reads and writes of one shaped (n_arrays, updated), and trivial arithmetic.

    For Adam's shape (x, dx, m, v; x, m, v updated): `return a0 + a1 * s, a2 + a1 * s,
    a3 + a1 * s`; with s = 0 it writes every value back unchanged.
    """
    names = [f"a{j}" for j in range(n_arrays)]
    read_only = [name for j, name in enumerate(names) if j not in updated] or [names[updated[0]]]
    total = read_only[0] if len(read_only) == 1 else f"({' + '.join(read_only)})"
    values = ", ".join(f"{names[k]} + {total} * s" for k in updated)
    text = f"def bound({', '.join(names)}, s):\n    return {values}\n"
    module = load_module("bound", text, hashlib.sha256(text.encode()).hexdigest()[:16])
    return Elementwise(module.bound, n_arrays, tuple(updated))


def bound_of(elementwise):
    return bound_elementwise(elementwise.n_arrays, tuple(elementwise.updated))


def timed_backends():
    """Kernel backends whose time means something here: cpu, and cuda on a real device only.

    The CUDA simulator (NUMBA_ENABLE_CUDASIM=1) runs kernels in Python threads, so it is
    never timed.
    """
    found = ["cpu"]
    if not numba.config.ENABLE_CUDASIM and unavailable("cuda") is None:
        found.append("cuda")
    return found


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


# ---------------------------------------------------------------------------------------
# Cases: one callable per candidate, on its own arrays


def _data(n, dtype, seed, count):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n, dtype=np.dtype(dtype).type) for _ in range(count)]


def _to_device(backend):
    return getattr(get_backend(backend), "to_device", None) or (lambda a: a)


def update_and_bound(target, backend, n, dtype, seed=0):
    """(update, bound): two calls over the same arrays (x, dx and the state, or x_test and x).

    `update()` does one update of `target` on `backend` through its public interface;
    `bound()` runs the same-pattern bound over those arrays, leaving them as they are
    (None on the reference backend, which has no kernels).
    """
    x, dx = map(_to_device(backend), _data(n, dtype, seed, 2))
    if target == AVERAGE:
        average = parameter_average(backend)
        x_test = average.init(x)
        arrays = (x_test, x)
        update = functools.partial(average.update, x_test, x)
    else:
        opt = optimizer(target, backend)
        state = opt.init(x)
        arrays = (x, dx, *(state[name] for name in opt.rule.state))
        update = functools.partial(opt.update, x, dx, state)
    module = get_backend(backend)
    if not hasattr(module, "launcher"):
        return update, None
    return update, functools.partial(module.launcher(bound_of(elementwise_of(target))), arrays, (0.0,))


def kernel_call(target, backend, n, dtype, seed=0):
    """`call()` doing one update of `target` on `backend` through its public interface."""
    return update_and_bound(target, backend, n, dtype, seed)[0]


TORCH_OPTIMIZERS = {
    "sgd": ("SGD", lambda h: {}),
    "sgd_momentum": ("SGD", lambda h: {"momentum": h["momentum"]}),
    "nesterov": ("SGD", lambda h: {"momentum": h["momentum"], "nesterov": True}),
    "adagrad": ("Adagrad", lambda h: {"eps": h["epsilon"]}),
    "rmsprop": ("RMSprop", lambda h: {"alpha": h["decay_rate"], "eps": h["epsilon"]}),
    "adam": ("Adam", lambda h: {"betas": (h["beta1"], h["beta2"]), "eps": h["epsilon"]}),
}


def torch_call(target, n, dtype, implementation, device="cpu", seed=0):
    """`call()` doing one `torch.optim` step of the same rule, or None if there is none.

    `implementation` is "foreach" or "fused". Tensors are torch's own (its allocator,
    its alignment), with the gradient set once.
    """
    torch = torch_or_none()
    if torch is None or target not in TORCH_OPTIMIZERS:
        return None
    name, options = TORCH_OPTIMIZERS[target]
    defaults = get_rule(target).defaults
    generator = torch.Generator().manual_seed(seed)
    kind = getattr(torch, dtype)
    param = torch.randn(n, generator=generator, dtype=kind).to(device).requires_grad_()
    param.grad = torch.randn(n, generator=generator, dtype=kind).to(device)
    try:
        opt = getattr(torch.optim, name)(
            [param], lr=defaults["learning_rate"], **options(defaults), **{implementation: True}
        )
        opt.step()
    except (RuntimeError, TypeError, ValueError):
        return None  # this torch has no such implementation for this rule, dtype or device
    if device == "cpu":
        return opt.step
    return lambda: (opt.step(), torch.cuda.synchronize())


def reference_call(target, n, dtype, seed=0):
    return kernel_call(target, "reference", n, dtype, seed)


# ---------------------------------------------------------------------------------------
# Timing


def sample(call, number, synchronize=None):
    """Seconds per call over `number` back-to-back calls (device work included)."""
    if synchronize:
        synchronize()
    start = time.perf_counter()
    for _ in range(number):
        call()
    if synchronize:
        synchronize()
    return (time.perf_counter() - start) / number


def autorange(call, min_time, synchronize=None):
    """How many calls make a sample of at least `min_time` seconds (after one warm-up call)."""
    call()
    number = 1
    while True:
        seconds = sample(call, number, synchronize) * number
        if seconds >= min_time or number >= 1 << 24:
            return number
        number = max(number * 2, int(number * min_time / max(seconds, 1e-9) * 1.2))


def race(calls, rounds=10, min_time=0.03, synchronize=None, pause=0.002):
    """{label: best seconds per call}, the candidates sampled in turn, round after round.

    Each round starts one candidate further along, so that none always runs right after
    the same other one (whose threads may still be spinning), and a short pause before
    each sample lets the previous candidate's worker threads go to sleep.
    """
    labels = list(calls)
    numbers = {label: autorange(calls[label], min_time, synchronize) for label in labels}
    best = dict.fromkeys(labels, math.inf)
    for round_ in range(rounds):
        k = round_ % len(labels)
        for label in labels[k:] + labels[:k]:
            time.sleep(pause)
            best[label] = min(best[label], sample(calls[label], numbers[label], synchronize))
    return best


def threshold_curve(target="adam", dtype="float32", sizes=None, rounds=5, min_time=0.01):
    """[(n, serial seconds, parallel seconds)]: the CPU kernel pair of `target` side by side.

    `config.PARALLEL_THRESHOLD` is the smallest size from which the parallel kernel wins.
    """
    from optbench.backends import cpu

    elementwise = elementwise_of(target)
    serial, parallel = cpu.kernels(elementwise)
    scalars = (0.5,) * elementwise.n_scalars
    curve = []
    for n in sizes or [1 << k for k in range(10, 25)]:
        arrays = _data(n, dtype, 0, elementwise.n_arrays)
        for a in arrays[1:]:
            np.abs(a, out=a)  # a valid state for every rule (caches >= 0)
        threads = numba.get_num_threads()
        best = race(
            {"serial": lambda: serial(*arrays, *scalars), "parallel": lambda: parallel(threads, *arrays, *scalars)},
            rounds,
            min_time,
        )
        curve.append((n, best["serial"], best["parallel"]))
    return curve


# ---------------------------------------------------------------------------------------
# Rows and the table


@dataclass
class Row:
    rule: str
    backend: str
    n: int
    dtype: str
    seconds: float
    bound_seconds: float
    bytes_per_parameter: int
    peers: dict = field(default_factory=dict)  # peer name -> seconds per update

    @property
    def us(self):
        return self.seconds * 1e6

    @property
    def parameters_per_s(self):
        return self.n / self.seconds

    @property
    def gb_per_s(self):
        return self.n * self.bytes_per_parameter / self.seconds / 1e9

    @property
    def bound_gb_per_s(self):
        return self.n * self.bytes_per_parameter / self.bound_seconds / 1e9

    @property
    def bound_fraction(self):
        return self.bound_seconds / self.seconds

    def speedup(self, peer):
        seconds = self.peers.get(peer)
        return None if seconds is None else seconds / self.seconds

    def as_dict(self):
        figures = {
            "us_per_update": self.us,
            "parameters_per_s": self.parameters_per_s,
            "gb_per_s": self.gb_per_s,
            "bound_gb_per_s": self.bound_gb_per_s,
            "bound_fraction": self.bound_fraction,
            "speedup": {peer: self.speedup(peer) for peer in self.peers},
        }
        return {**asdict(self), **figures}


PEER_COLUMNS = (("reference", "x ref"), ("torch_foreach", "x foreach"), ("torch_fused", "x fused"))


def measure(target, backend, n, dtype, peers=PEERS, rounds=10, min_time=0.03, seed=0):
    """One `Row`: `target` on `backend` at size n and dtype, beside its bound and peers."""
    module = get_backend(backend)
    update, bound = update_and_bound(target, backend, n, dtype, seed)
    calls = {"kernel": update, "bound": bound}
    if "reference" in peers:
        calls["reference"] = reference_call(target, n, dtype, seed)
    if "torch" in peers:
        for implementation in ("foreach", "fused"):
            call = torch_call(target, n, dtype, implementation, device="cuda" if backend == "cuda" else "cpu", seed=seed)
            if call is not None:
                calls[f"torch_{implementation}"] = call
    synchronize = getattr(module, "synchronize", None)
    best = race(calls, rounds, min_time, synchronize)
    return Row(
        rule=target,
        backend=backend,
        n=n,
        dtype=dtype,
        seconds=best.pop("kernel"),
        bound_seconds=best.pop("bound"),
        bytes_per_parameter=bytes_per_parameter(elementwise_of(target), dtype),
        peers=best,
    )


def measure_grid(rules=None, backends=None, sizes=SIZES, dtypes=DTYPES, peers=PEERS, rounds=10, min_time=0.03, progress=None):
    rows = []
    for target in rules or targets():
        for backend in backends or timed_backends():
            for dtype in dtypes:
                for n in sizes:
                    rows.append(measure(target, backend, n, dtype, peers, rounds, min_time))
                    if progress:
                        progress(rows[-1])
    return rows


def size_label(n):
    """1e7 for powers of ten, 2^24 for powers of two, else the number."""
    if n >= 1000 and 10 ** round(math.log10(n)) == n:
        return f"1e{round(math.log10(n))}"
    if n >= 1024 and n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1}"
    return str(n)


def _si(value):
    for scale, suffix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def format_table(rows):
    header = (
        f"{'rule':<14}{'backend':<8}{'n':>6} {'dtype':<8}{'us/update':>11}{'params/s':>10}"
        f"{'GB/s':>8}{'bound':>7}" + "".join(f"{title:>11}" for _, title in PEER_COLUMNS)
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        speedups = [r.speedup(peer) for peer, _ in PEER_COLUMNS]
        lines.append(
            f"{r.rule:<14}{r.backend:<8}{size_label(r.n):>6} {r.dtype:<8}{r.us:>11.4g}{_si(r.parameters_per_s):>10}"
            f"{r.gb_per_s:>8.1f}{r.bound_fraction:>7.2f}"
            + "".join(f"{'-' if s is None else f'{s:.2f}':>11}" for s in speedups)
        )
    lines.append(
        "bound: fraction of the speed of a same-pattern trivial kernel measured in the same run; "
        "x peer: speed-up over it (>1: optbench faster); -: not measured"
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# The machine the figures come from


def machine_info():
    """The machine (`optbench.machine.info`), and torch's thread count when torch is here."""
    torch = torch_or_none()
    return {**machine.info(), "torch_threads": torch.get_num_threads() if torch else None}


def write_json(path, rows, machine_record, extra=None):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"machine": machine_record, "rows": [r.as_dict() for r in rows], **(extra or {})}
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
