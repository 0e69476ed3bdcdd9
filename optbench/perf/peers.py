"""torch.optim as a peer: one torch step of the same rule, timed beside optbench's kernel.

`torch_call(target, n, dtype, implementation)` builds the torch optimizer of a rule in
one of its implementations ("forloop", "foreach", "fused"), with optbench's default
hyperparameters under torch's names and the keyword that picks each implementation
(both the conformance adapter's), on tensors of torch's own (its allocator, its
alignment), the gradient set once. On cuda a step returns once its kernels are
launched, as optbench's do: whoever reads a clock waits for the device first
(`torch.cuda.synchronize()`), so that neither side pays a synchronization per step. The
NumPy reference is the other peer; it runs through optbench's own interface
(`bench.kernel_call(target, "reference", ...)`).
"""

from optbench.conformance.adapters.torch_adapter import MODE_OPTIONS, MODES as IMPLEMENTATIONS
from optbench.conformance.adapters.torch_adapter import OPTIMIZERS as TORCH_OPTIMIZERS
from optbench.optim import get_rule


def torch_or_none():
    try:
        import torch
    except ImportError:
        return None
    return torch


def torch_on(device):
    """torch, where it is installed and runs on `device` ("cpu"; "cuda" with a CUDA device), else None."""
    torch = torch_or_none()
    if torch is None or (device != "cpu" and not torch.cuda.is_available()):
        return None
    return torch


def torch_call(target, n, dtype, implementation, device="cpu", seed=0):
    """`call()` doing one `torch.optim` step of the same rule on `device` ("cpu" or "cuda"),
    or None if there is none (no torch, no such optimizer, no CUDA device for torch)."""
    torch = torch_on(device)
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
            [param], lr=defaults["learning_rate"], **options(defaults), **MODE_OPTIONS[implementation]
        )
        opt.step()
    except (RuntimeError, TypeError, ValueError):
        return None  # this torch has no such implementation for this rule, dtype or device
    return opt.step
