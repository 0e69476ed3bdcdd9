"""The network blocks of the lecture in CS231n's form, one module per block named as the
block: `<block>_forward(x, ...) -> (out, cache)` and `<block>_backward(dout, cache) ->
dx` (or a tuple `dx, dparams...` for a block with parameters)."""
