"""The blocks' conformance matrix: implementation x block x dtype x result, and its table.

    rows = block_matrix(["optbench", "torch"], blocks=["batchnorm"])
    print(format_block_matrix(rows))

optbench's implementations are its kernel backends that can run here; torch's are the
blocks of `torch.nn.functional` (`adapters/torch_blocks.py`). A row that departs names the
element where it departs most and the named variants that compute what it computes.
"""

from optbench import config
from optbench.blocks.registry import block_names, get_block
from optbench.conformance import blocks as harness
from optbench.conformance.adapters import torch_blocks
from optbench.kernels import get_backend, unavailable

BLOCK_LIBRARIES = ("optbench", "torch")
BACKENDS = ("cpu", "cuda")


def block_implementations(library, block):
    """[(label, run or None, reason, elements)] for every implementation of `block` in
    `library`; `elements` is the size it is checked at (None: the block's default)."""
    if library == "optbench":
        found = []
        for backend in BACKENDS:
            reason = unavailable(backend)
            run = None if reason else harness.backend_implementation(block, backend)
            found.append((f"optbench ({backend})", run, reason,
                          None if reason else getattr(get_backend(backend), "VERIFY_SIZE", None)))
        return found
    if library == "torch":
        reason = torch_blocks.why_not(block.name)
        return [(torch_blocks.LABEL, None if reason else torch_blocks.implementation(block), reason, None)]
    raise ValueError(f"unknown library {library!r} for blocks; choose from {list(BLOCK_LIBRARIES)}")


def block_matrix(libraries=BLOCK_LIBRARIES, blocks=None, dtypes=config.DTYPES, seed=0, shape=None):
    rows = []
    for library in libraries:
        for name in blocks or block_names():
            block = get_block(name)
            for label, run, reason, elements in block_implementations(library, block):
                for dtype in dtypes:
                    if run is None:
                        rows.extend(harness.skipped_rows(block, label, dtype, reason))
                    else:
                        size = shape or (block.shape(elements) if elements else None)
                        rows.extend(harness.check(block, run, label, dtype, size, seed))
    return rows


def format_block_matrix(rows, skipped=()):
    header = (f"{'block':<12}{'implementation':<22}{'dtype':<9}{'shape':<11}{'result':<14}{'worst ulps':>11}"
              f"{'tol ulps':>10}  verdict")
    lines = [header, "-" * len(header)]
    for r in rows:
        shape = "x".join(map(str, r.shape)) or "-"
        if r.where.startswith("skipped"):
            lines.append(f"{r.block:<12}{r.implementation:<22}{r.dtype:<9}{shape:<11}{r.output:<14}{'':>11}{'':>10}"
                         f"  {r.where}")
            continue
        verdict = r.verdict
        if not r.passed:
            verdict += f" {r.where}; " + (", ".join(r.matches) if r.matches else "unknown departure")
        lines.append(f"{r.block:<12}{r.implementation:<22}{r.dtype:<9}{shape:<11}{r.output:<14}{r.worst_ulps:>11.3g}"
                     f"{r.tolerance_ulps:>10.3g}  {verdict}")
    for s in skipped:
        lines.append(f"{s['backend']}: skipped: {s['reason']}")
    checked = [r for r in rows if not r.where.startswith("skipped")]
    failed = [r for r in checked if not r.passed]
    seeds = sorted({r.seed for r in checked})
    summary = f"blocks: {len(checked) - len(failed)} passed, {len(failed)} failed, {len(rows) - len(checked)} skipped"
    return "\n".join(lines + [summary + (f" (seed {seeds[0]})" if len(seeds) == 1 else "")])
