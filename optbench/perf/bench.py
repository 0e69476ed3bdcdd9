"""The benchmark grid: every rule (and the parameter average) on every backend, in both
forms, each case raced against its same-pattern bound, its peers and the machine's
memory speed in one run, and the table.

Every figure is measured side by side: each candidate of a case (the kernel in its
exact and its fast form, its bound from `bound.py`, the NumPy reference, torch.optim
forloop, foreach and fused, and the memory measures of `memory.py`: on the cpu the triad
and the copy, on cuda the device's copy) is sampled in turn, round after round
(`timing.race`), and the median of each candidate's samples is kept. On cuda every
candidate is launched asynchronously, torch's steps as well, and the race waits for
the device (numba's and torch's synchronize both) before it reads the clock.

    rows = measure_grid(["adam"], sizes=[10**7], dtypes=["float32"])
    print(format_table(rows))
"""

import functools
import json
import math
from dataclasses import asdict, dataclass, field

import numba
import numpy as np

from optbench import config
from optbench.files import atomic_write
from optbench.kernels import cpu, get_backend, unavailable
from optbench.optim import get_rule, optimizer, parameter_average, rule_names
from optbench.optim.averaging import ELEMENTWISE as AVERAGE_ELEMENTWISE
from optbench.optim.form import FORMS, check_form
from optbench.perf import memory
from optbench.perf.bound import bound_of, bytes_per_parameter
from optbench.perf.peers import IMPLEMENTATIONS, torch_call, torch_on
from optbench.perf.timing import best, median, race

AVERAGE = "average"
SIZES = (10**3, 10**5, 10**7)
PEERS = ("reference", "torch")


def targets():
    """Everything there is to measure: every registered rule, and the parameter average."""
    return [*rule_names(), AVERAGE]


def elementwise_of(target, form="exact"):
    """The kernel shape of `target` in `form`; the average has one expression for both."""
    return AVERAGE_ELEMENTWISE if target == AVERAGE else get_rule(target).form(form).elementwise


def timed_backends():
    """Kernel backends whose time means something here: cpu, and cuda on a real device only.

    The CUDA simulator (NUMBA_ENABLE_CUDASIM=1) runs kernels in Python threads, so it is
    never timed.
    """
    found = ["cpu"]
    if not numba.config.ENABLE_CUDASIM and unavailable("cuda") is None:
        found.append("cuda")
    return found


def untimed(backend):
    """Why `backend` cannot be timed here, or None if it can."""
    if backend in timed_backends():
        return None
    if backend != "cuda":
        return f"the {backend} backend has no kernels to time"
    if numba.config.ENABLE_CUDASIM:
        return "Numba's CUDA simulator is on (NUMBA_ENABLE_CUDASIM=1), and it is never timed"
    return "no CUDA GPU with its driver"


def bytes_needed(target, n, dtype, peers=PEERS):
    """Memory a case allocates at size n: its arrays, as much again for each peer, and
    the memory measures' own three arrays."""
    itemsize = np.dtype(dtype).itemsize
    arrays = len(elementwise_of(target).array_names) * n * itemsize
    return arrays * (1 + len(peers)) + 3 * n * itemsize


# ---------------------------------------------------------------------------------------
# Cases: one callable per candidate, on its own arrays


def _data(n, dtype, seed, count):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n, dtype=np.dtype(dtype).type) for _ in range(count)]


def updates_and_bound(target, backend, n, dtype, seed=0, forms=FORMS):
    """({form: update}, bound): calls over the same arrays (x, dx and the state, or x_test and x).

    `update()` does one update of `target` on `backend` in that form through its public
    interface; `bound()` runs the same-pattern bound over those arrays, leaving them as
    they are (None on the reference backend, which has no kernels).
    """
    module = get_backend(backend)
    x, dx = map(module.to_device, _data(n, dtype, seed, 2))
    if target == AVERAGE:
        average = parameter_average(backend)
        x_test = average.init(x)
        arrays = (x_test, x)
        updates = dict.fromkeys(forms, functools.partial(average.update, x_test, x))
    else:
        updates, state = {}, None
        for form in forms:
            opt = optimizer(target, backend, form=form)
            state = opt.init(x) if state is None else state
            updates[form] = functools.partial(opt.update, x, dx, state)
        arrays = (x, dx, *(state[name] for name in get_rule(target).state))
    if not hasattr(module, "launcher"):
        return updates, None
    return updates, functools.partial(module.launcher(bound_of(elementwise_of(target))), arrays, (0.0,))


def kernel_call(target, backend, n, dtype, seed=0, form="fast"):
    """`call()` doing one update of `target` on `backend` in `form` through its public interface."""
    return updates_and_bound(target, backend, n, dtype, seed, forms=(check_form(form),))[0][form]


def reference_call(target, n, dtype, seed=0):
    return kernel_call(target, "reference", n, dtype, seed, form="exact")


def threshold_curve(target="adam", dtype="float32", sizes=None, rounds=5, min_time=0.01):
    """[(n, serial seconds, parallel seconds)]: the CPU kernel pair of `target` side by side.

    `config.PARALLEL_THRESHOLD` is the smallest size from which the parallel kernel wins.
    """
    elementwise = elementwise_of(target)
    serial, parallel = cpu.kernels(elementwise)
    scalars = (0.5,) * elementwise.n_scalars
    curve = []
    for n in sizes or [1 << k for k in range(10, 25)]:
        arrays = _data(n, dtype, 0, len(elementwise.array_names))
        for a in arrays[1:]:
            np.abs(a, out=a)  # a valid state for every rule (caches >= 0)
        threads = numba.get_num_threads()
        fastest = best(race(
            {"serial": lambda: serial(*arrays, *scalars), "parallel": lambda: parallel(threads, *arrays, *scalars)},
            rounds,
            min_time,
        ))
        curve.append((n, fastest["serial"], fastest["parallel"]))
    return curve


# ---------------------------------------------------------------------------------------
# Rows and the table


@dataclass
class Row:
    rule: str
    backend: str
    form: str
    n: int
    dtype: str
    seconds: float
    bound_seconds: float
    bytes_per_parameter: int
    peers: dict = field(default_factory=dict)  # peer name -> seconds per update
    memory: dict = field(default_factory=dict)  # memory measure (memory.py) -> seconds per pass

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

    def memory_gb_per_s(self, measure):
        """GB/s of a memory measure ("triad", "copy") in this case's race, as `memory.py` counts it."""
        seconds = self.memory.get(measure)
        return None if seconds is None else self.n * memory.bytes_per_element(measure, self.dtype) / seconds / 1e9

    def memory_fraction(self, measure):
        """The kernel's GB/s over a memory measure's from the same race (1: as fast as a copy)."""
        speed = self.memory_gb_per_s(measure)
        return None if speed is None else self.gb_per_s / speed

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
            "memory_gb_per_s": {measure: self.memory_gb_per_s(measure) for measure in self.memory},
            "memory_fraction": {measure: self.memory_fraction(measure) for measure in self.memory},
            "speedup": {peer: self.speedup(peer) for peer in self.peers},
        }
        return {**asdict(self), **figures}


PEER_COLUMNS = (("reference", "x ref"), ("torch_forloop", "x forloop"), ("torch_foreach", "x foreach"),
                ("torch_fused", "x fused"))


def measure(target, backend, n, dtype, peers=PEERS, rounds=10, min_time=0.03, seed=0, forms=FORMS):
    """One `Row` per form: `target` on `backend` at size n and dtype, both forms raced in one
    run beside the bound, the peers and the memory measures (medians of `rounds` samples)."""
    module = get_backend(backend)
    updates, bound = updates_and_bound(target, backend, n, dtype, seed, forms)
    calls = {f"kernel {form}": update for form, update in updates.items()}
    calls["bound"] = bound
    if "reference" in peers:
        calls["reference"] = reference_call(target, n, dtype, seed)
    device = "cuda" if backend == "cuda" else "cpu"
    if "torch" in peers:
        for implementation in IMPLEMENTATIONS:
            call = torch_call(target, n, dtype, implementation, device=device, seed=seed)
            if call is not None:
                calls[f"torch_{implementation}"] = call
    calls.update(memory.calls(n, dtype, seed, backend))
    synchronize = getattr(module, "synchronize", None)
    if device == "cuda" and any(label.startswith("torch_") for label in calls):
        synchronize = functools.partial(_in_turn, synchronize, torch_on(device).cuda.synchronize)
    times = median(race(calls, rounds, min_time, synchronize))
    bound_seconds = times.pop("bound")
    measured = {measure: times.pop(measure) for measure in memory.MEASURES if measure in times}
    kernels = {form: times.pop(f"kernel {form}") for form in updates}
    return [
        Row(rule=target, backend=backend, form=form, n=n, dtype=dtype, seconds=seconds, bound_seconds=bound_seconds,
            bytes_per_parameter=bytes_per_parameter(elementwise_of(target, form), dtype), peers=dict(times),
            memory=dict(measured))
        for form, seconds in kernels.items()
    ]


def _in_turn(*calls):
    for call in calls:
        call()


def measure_grid(rules=None, backends=None, sizes=SIZES, dtypes=config.DTYPES, peers=PEERS, rounds=10, min_time=0.03,
                 progress=None, forms=FORMS):
    rows = []
    for target in rules or targets():
        for backend in backends or timed_backends():
            for dtype in dtypes:
                for n in sizes:
                    case = measure(target, backend, n, dtype, peers, rounds, min_time, forms=forms)
                    rows += case
                    if progress:
                        progress(case[0])
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
        f"{'rule':<14}{'backend':<8}{'form':<6}{'n':>6} {'dtype':<8}{'us/update':>11}{'params/s':>10}"
        f"{'GB/s':>8}{'bound':>7}{'bound GB/s':>11}{'triad GB/s':>11}"
        + "".join(f"{title:>11}" for _, title in PEER_COLUMNS)
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        speedups = [r.speedup(peer) for peer, _ in PEER_COLUMNS]
        triad = r.memory_gb_per_s("triad")
        lines.append(
            f"{r.rule:<14}{r.backend:<8}{r.form:<6}{size_label(r.n):>6} {r.dtype:<8}{r.us:>11.4g}"
            f"{_si(r.parameters_per_s):>10}{r.gb_per_s:>8.1f}{r.bound_fraction:>7.2f}{r.bound_gb_per_s:>11.1f}"
            f"{'-' if triad is None else f'{triad:.1f}':>11}"
            + "".join(f"{'-' if s is None else f'{s:.2f}':>11}" for s in speedups)
        )
    lines.append(
        "medians of the rounds; bound: fraction of the speed of a same-pattern trivial kernel measured in the same "
        "run; bound GB/s beside a STREAM triad (memory.py) from the same race; x peer: speed-up over it (>1: "
        "optbench faster); -: not measured"
    )
    return "\n".join(lines)


def write_json(path, rows, machine, extra=None):
    """The rows and the machine record as one JSON document at `path`, written atomically."""
    document = {"machine": machine, "rows": [r.as_dict() for r in rows], **(extra or {})}
    atomic_write(path, json.dumps(document, indent=2) + "\n")
    return path
