"""Throughput: how fast each kernel updates parameters in each form, and how close it
runs to the memory-bandwidth bound, beside the NumPy reference and torch.optim when
installed, with the bound itself checked against a STREAM triad.

`optbench.perf.bench.measure_grid`: every registered rule and the parameter average, on every
backend that can be timed here, both forms of each case raced against its same-pattern
trivial kernel (the bound), its peers and the memory measures in the same run, the
median of each candidate's samples kept.
"""

import numpy as np

from optbench.perf import bench, machine
from optbench.perf.peers import torch_or_none
from optbench.report import style

TITLE = "Throughput: parameters per second and the bandwidth bound"

plt = style.plt
PEERS = (("reference", "NumPy reference", "0.6"), ("torch_forloop", "torch.optim forloop", "tab:brown"),
         ("torch_foreach", "torch.optim foreach", "tab:orange"), ("torch_fused", "torch.optim fused", "tab:red"))
FORM_COLORS = {("cpu", "exact"): "tab:cyan", ("cpu", "fast"): "tab:blue", ("cuda", "exact"): "yellowgreen",
               ("cuda", "fast"): "tab:green"}


def label(target):
    return "average" if target == bench.AVERAGE else style.name(target)


def build(section, budget, progress):
    targets = [t for t in style.rules() if t in bench.targets()] + [t for t in bench.targets() if t not in style.rules()]
    backends = bench.timed_backends()
    total = len(targets) * len(backends) * len(budget.throughput_sizes) * len(budget.throughput_dtypes)
    task = progress.task(section.name, total)
    load = machine.load_average()
    rows = bench.measure_grid(
        rules=targets, backends=backends, sizes=budget.throughput_sizes, dtypes=budget.throughput_dtypes,
        rounds=budget.throughput_rounds, min_time=budget.throughput_min_time,
        progress=lambda row: task.advance(f"{row.rule} {row.backend} {bench.size_label(row.n)} {row.dtype}"),
    )
    task.finish("done")
    torch = torch_or_none()
    section.text(
        "One update of n parameters in place, timed through the public `optimizer(...).update` interface. "
        "An update rule is memory-bound: the bound is a trivial kernel with the same reads and writes, "
        "generated and launched the same way and measured in the same run, so \"fraction of bound\" is a "
        "ratio of two numbers taken side by side on this shared machine. Backends timed here: "
        f"{', '.join(backends)}. Peers: the NumPy reference"
        + (f" and torch.optim {torch.__version__} (forloop, foreach and fused implementations)." if torch
           else "; torch is not installed, so torch.optim is not compared.")
        + " Each rule runs in both forms (`optbench.optim.form`): exact, bit for bit with the reference, and fast, "
        "rearranged for the machine and verified within the derived tolerance. Every figure is the median of "
        f"{budget.throughput_rounds} samples taken in turn."
        + (f" Load average when the measurements began: {machine.describe_load(load)}, "
           f"on {machine.usable_cores()} usable cores." if load else "")
        + bound_check(rows)
    )
    biggest = max(budget.throughput_sizes)
    dtype = budget.throughput_dtypes[0]
    section.figure(rate_figure(rows, biggest, dtype, backends), "rates",
                   f"At n = {bench.size_label(biggest)} ({dtype}), every optbench kernel against the bandwidth bound "
                   "(black tick) and its peers: the closer a bar reaches the tick, the less time is left to win.")
    section.figure(fraction_figure(rows, budget), "bound-fraction", fraction_caption(rows))
    section.table(
        ("rule", "backend", "form", "n", "dtype", "µs/update", "params/s", "GB/s", "fraction of bound", "bound GB/s",
         "triad GB/s", *[f"× {name}" for _, name, _ in PEERS]),
        [(label(r.rule), r.backend, r.form, bench.size_label(r.n), r.dtype, f"{r.us:.3g}", f"{r.parameters_per_s:.3g}",
          f"{r.gb_per_s:.3g}", f"{r.bound_fraction:.2f}", f"{r.bound_gb_per_s:.3g}",
          "-" if r.memory_gb_per_s("triad") is None else f"{r.memory_gb_per_s('triad'):.3g}",
          *[("-" if r.speedup(peer) is None else f"{r.speedup(peer):.2f}") for peer, _, _ in PEERS]) for r in rows],
        caption="× peer: the peer's time per update divided by optbench's (above 1: optbench is faster); "
                "-: not measured (no such peer for this rule, or torch not installed). triad GB/s: a hand-written "
                "STREAM triad in the same race, counted as STREAM counts it (optbench/perf/memory.py).",
    )


def bound_check(rows):
    """A sentence comparing the bound's GB/s with the triad's of the same races, computed from them."""
    pairs = [(r.bound_gb_per_s, r.memory_gb_per_s("triad")) for r in rows
             if r.form == "exact" and r.memory_gb_per_s("triad") is not None]
    if not pairs:
        return ""
    ratios = [bound / triad for bound, triad in pairs]
    low, high = min(ratios), max(ratios)
    verdict = ("at least as fast as the triad in every case, so it is no slow ceiling" if low >= 1
               else f"slower than the triad in {sum(q < 1 for q in ratios)} of {len(ratios)} cases, so there it "
                    "flatters the kernels divided by it")
    return (f" The bound is checked against a STREAM triad raced beside it: its GB/s over the triad's runs "
            f"from {low:.2f} to {high:.2f} across the cases, {verdict}.")


def fraction_caption(rows):
    """The bound-fraction figure's caption, with the median fraction per size measured."""
    text = ("Fraction of the bandwidth bound reached by each kernel, per size and dtype: near 1 the kernel "
            "moves its bytes as fast as a trivial kernel can")
    sizes = sorted({r.n for r in rows})
    if len(sizes) < 2:
        return text + "."
    median = {n: float(np.median([r.bound_fraction for r in rows if r.n == n and r.form == "fast"])) for n in sizes}
    small, large = sizes[0], sizes[-1]
    text += (f". Median over the fast-form kernels: {median[small]:.2f} at n = {bench.size_label(small)}, "
             f"{median[large]:.2f} at n = {bench.size_label(large)}")
    if median[small] < median[large]:
        return text + ": the small size pays the fixed cost of a call."
    return text + "."


def rate_figure(rows, n, dtype, backends):
    chosen = [r for r in rows if r.n == n and r.dtype == dtype]
    targets = list(dict.fromkeys(r.rule for r in chosen))
    series = [(backend, form, f"optbench {backend} {form}", FORM_COLORS[backend, form])
              for backend in backends for form in ("exact", "fast") if any(r.form == form for r in chosen)]
    peers = [(peer, name, color) for peer, name, color in PEERS if any(peer in r.peers for r in chosen)]
    width = 0.8 / (len(series) + len(peers))
    fig, ax = plt.subplots(figsize=(13, 4.6))
    x = np.arange(len(targets))
    column = 0
    for backend, form, name, color in series:
        mine = {r.rule: r for r in chosen if r.backend == backend and r.form == form}
        values = [mine[t].parameters_per_s if t in mine else np.nan for t in targets]
        bounds = [mine[t].n / mine[t].bound_seconds if t in mine else np.nan for t in targets]
        positions = x - 0.4 + width * (column + 0.5)
        ax.bar(positions, values, width, color=color, label=name)
        ax.plot(positions, bounds, "_", color="black", markersize=14, markeredgewidth=2,
                label="bandwidth bound" if column == 0 else None)
        column += 1
    for peer, name, color in peers:
        values = [next((r.n / r.peers[peer] for r in chosen if r.rule == t and peer in r.peers and r.backend == "cpu"
                        and r.form == "fast"), np.nan) for t in targets]
        ax.bar(x - 0.4 + width * (column + 0.5), values, width, color=color, label=name)
        column += 1
    ax.set_yscale("log")
    ax.set_xticks(x, [label(t) for t in targets])
    ax.set_xlabel("update rule")
    ax.set_ylabel("parameters updated per second (log scale)")
    ax.set_title(f"Update throughput at n = {bench.size_label(n)}, {dtype}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def fraction_figure(rows, budget):
    targets = list(dict.fromkeys(r.rule for r in rows))
    cases = [(backend, form, n, dtype) for backend in dict.fromkeys(r.backend for r in rows)
             for form in ("exact", "fast") for dtype in budget.throughput_dtypes for n in budget.throughput_sizes]
    width = 0.8 / len(cases)
    fig, ax = plt.subplots(figsize=(13, 4.2))
    x = np.arange(len(targets))
    colors = plt.get_cmap("tab20")
    for i, (backend, form, n, dtype) in enumerate(cases):
        values = [next((r.bound_fraction for r in rows
                        if (r.rule, r.backend, r.form, r.n, r.dtype) == (t, backend, form, n, dtype)), np.nan)
                  for t in targets]
        ax.bar(x - 0.4 + width * (i + 0.5), values, width, color=colors(i),
               label=f"{backend} {form}, n = {bench.size_label(n)}, {dtype}")
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xticks(x, [label(t) for t in targets])
    ax.set_xlabel("update rule")
    ax.set_ylabel("fraction of the bandwidth bound (1 = bound)")
    ax.set_title("How close each kernel runs to the bandwidth bound, in each form")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small")
    fig.tight_layout()
    return fig
