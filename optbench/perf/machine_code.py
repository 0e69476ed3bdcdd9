"""What a rule's CPU loop compiles to: the packed arithmetic per element of its hot loop.

Where a kernel misses the bound, the reason is in the machine code, not in a guess:

    instruction_mix("adam", "exact")
    # {'width': 'ymm', 'lanes': 8, 'elements_per_iteration': 8,
    #  'per_element': {'vdivps': 0.375, 'vsqrtps': 0.125, ...}}

The kernel module is generated as the backend generates it (`kernels/cpu.py`), compiled
afresh without the disk cache (a kernel loaded from Numba's cache keeps no assembly),
and the loop of `_run` that does the most packed arithmetic is read: its packed
divisions, square roots, multiplies, adds and fused multiply-adds per element, with
elements per iteration counted from its vector stores (each updated array is stored
once per element). An "x per element" of 3/8 vdivps means three 8-lane divisions per
8 elements, as in Adam's exact form; the fast form has one.
"""

import collections
import re

from optbench.kernels import cpu
from optbench.kernels.modules import load_module

ARITHMETIC = ("vdiv", "vsqrt", "vmul", "vadd", "vsub", "vfmadd", "vfmsub", "vfnmadd", "vfnmsub")
LANES = {("xmm", 4): 4, ("ymm", 4): 8, ("zmm", 4): 16, ("xmm", 8): 2, ("ymm", 8): 4, ("zmm", 8): 8}


def compiled_loop(elementwise, dtype="float32"):
    """The assembly of `_run`, the generated loop, for `dtype` arrays, freshly compiled."""
    text = cpu.source(elementwise).replace("cache=True", "cache=False")
    module = load_module("asm", text)  # serial compiles eagerly at import, and _run with it for both dtypes
    listings = module._run.inspect_asm()
    return next(asm for signature, asm in listings.items() if dtype in str(signature[0]))


def hot_loop(asm):
    """The instructions of the loop (label .. backward jump) with the most packed arithmetic."""
    lines = [line.strip() for line in asm.splitlines()]
    labels = {line[:-1]: i for i, line in enumerate(lines) if re.fullmatch(r"\.LBB\S+:", line)}
    best, chosen = -1, []
    for i, line in enumerate(lines):
        jump = re.fullmatch(r"j\w+\s+(\.LBB\S+)", line)
        if jump and labels.get(jump.group(1), i) < i:
            body = lines[labels[jump.group(1)]:i + 1]
            count = sum(_arithmetic(b) is not None for b in body)
            if count > best:
                best, chosen = count, body
    return chosen


def _arithmetic(line):
    op = line.split()[0] if line.split() else ""
    if re.search(r"%[xyz]mm", line) and op.endswith(("ps", "pd")) and op.startswith(ARITHMETIC):
        return op
    return None


def instruction_mix(target, form="fast", dtype="float32"):
    """{'width', 'lanes', 'elements_per_iteration', 'per_element': {instruction: count per element}}
    of `target`'s generated CPU loop in `form` (a rule name or "average")."""
    from optbench.perf.bench import elementwise_of

    elementwise = elementwise_of(target, form)
    body = hot_loop(compiled_loop(elementwise, dtype))
    itemsize = 4 if dtype == "float32" else 8
    widths = collections.Counter(w for line in body for w in re.findall(r"%([xyz]mm)\d+", line))
    width = max(widths, key=lambda w: (w != "xmm", widths[w])) if widths else "xmm"
    lanes = LANES[width, itemsize]
    stores = sum(1 for line in body if line.startswith("vmovup") and re.search(r"%[xyz]mm\d+,\s*\S*\(", line))
    per_iteration = max(1, stores // len(elementwise.written)) * lanes
    counts = collections.Counter(op for op in map(_arithmetic, body) if op)
    return {"width": width, "lanes": lanes, "elements_per_iteration": per_iteration,
            "per_element": {op: counts[op] / per_iteration for op in sorted(counts)}}
