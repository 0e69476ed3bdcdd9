"""torch.nn.functional's network blocks under the block protocol of `conformance/blocks.py`.

Each block's forward runs in torch on CPU tensors copied from the inputs, with autograd
recording; `out.backward(dout)` gives the gradients of the inputs, and batch norm's
running averages are read back from the tensors torch updated in place. Names: leaky
ReLU's slope -> negative_slope; batch norm's momentum m -> torch's 1 - m (torch keeps
`running = (1 - momentum) running + momentum batch`), and torch updates its running
variance with the unbiased batch variance, where CS231n keeps the biased one. torch has
no maxout: it is built from torch's own operations, `stack(x @ w_j + b_j).max(0)`. Its
dropout draws its mask from torch's generator, so it cannot be compared element by
element with a mask drawn from optbench's seed: that row is skipped, with the reason.
"""

from optbench.conformance.adapters import not_installed

LABEL = "torch.nn.functional"


def unavailable():
    return not_installed("torch")


def _tensor(torch, a, grad=False):
    return torch.tensor(a, requires_grad=grad)


def _elementwise(function):
    def forward(torch, F, inputs, parameters):
        x = _tensor(torch, inputs[0], grad=True)
        return function(torch, F, x, parameters), (x,), {}

    return forward


def _batchnorm(torch, F, inputs, parameters):
    x, gamma, beta, bn_param = inputs
    tensors = [_tensor(torch, a, grad=True) for a in (x, gamma, beta)]
    running = {key: _tensor(torch, bn_param[key]) for key in ("running_mean", "running_var")}
    out = F.batch_norm(tensors[0], running["running_mean"], running["running_var"], weight=tensors[1],
                       bias=tensors[2], training=bn_param["mode"] == "train",
                       momentum=1 - bn_param.get("momentum", 0.9), eps=bn_param.get("eps", 1e-5))
    return out, tensors, running


def _maxout(torch, F, inputs, parameters):
    tensors = [_tensor(torch, a, grad=True) for a in inputs]
    x, w, b = tensors
    return torch.stack([x @ w[j] + b[j] for j in range(w.shape[0])]).max(dim=0).values, tensors, {}


FORWARD = {
    "sigmoid": _elementwise(lambda torch, F, x, p: torch.sigmoid(x)),
    "tanh": _elementwise(lambda torch, F, x, p: torch.tanh(x)),
    "relu": _elementwise(lambda torch, F, x, p: F.relu(x)),
    "leaky_relu": _elementwise(lambda torch, F, x, p: F.leaky_relu(x, negative_slope=p["slope"])),
    "elu": _elementwise(lambda torch, F, x, p: F.elu(x, alpha=p["alpha"])),
    "batchnorm": _batchnorm,
    "maxout": _maxout,
}
SKIPPED = {"dropout": "torch draws its dropout mask from its own generator, not from optbench's seed"}


def why_not(block):
    """Why torch cannot be compared on `block`, or None."""
    return unavailable() or SKIPPED.get(block) or (None if block in FORWARD else f"no torch counterpart of {block}")


def implementation(block):
    """`run(inputs, parameters, dout) -> results` for `block` (a Block) in torch."""
    import torch
    import torch.nn.functional as F

    forward = FORWARD[block.name]

    def run(inputs, parameters, dout):
        out, tensors, state = forward(torch, F, inputs, parameters)
        out.backward(torch.tensor(dout))
        results = {"out": out.detach().numpy()}
        results.update(zip(block.gradients, (t.grad.numpy() for t in tensors)))
        results.update((key, t.numpy()) for key, t in state.items())
        return results

    return run
