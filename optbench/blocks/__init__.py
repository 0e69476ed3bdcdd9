"""The network blocks of the lecture, each with its forward and backward pass:
activations (sigmoid, tanh, relu, leaky_relu, elu, maxout), batch normalization, dropout,
weight initialization and data preprocessing.

One module per block, with the same functions and signatures as its literal NumPy
reference in `optbench.reference.blocks` (CS231n's `<block>_forward(x, ...) -> (out,
cache)` and `<block>_backward(dout, cache) -> dx[, dparams]`), plus a `backend=` keyword
("cpu" by default, "cuda", or "reference" for the reference itself):

    >>> import numpy as np
    >>> from optbench.blocks.leaky_relu import leaky_relu_forward, leaky_relu_backward
    >>> out, cache = leaky_relu_forward(np.array([-2.0, 3.0]), slope=0.1)
    >>> out
    array([-0.2,  3. ])
    >>> leaky_relu_backward(np.ones(2), cache)
    array([0.1, 1. ])

The elementwise activations are one scalar definition each, compiled by the same
generator as the update rules (`activation.py`, `optbench.kernels`); the blocks that
reduce (batch norm over the batch, maxout over its pieces) have hand-written kernels in
`cpu/` and `cuda/`. Each registers a `BLOCK` (`block.py`) that verification,
conformance and the benchmarks find through `registry.py`.

May import the foundation modules, `kernels`, `optim.hyperparameters` (the parameter
declarations) and `reference`; never the packages above.
"""
