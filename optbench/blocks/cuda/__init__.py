"""Hand-written CUDA (numba-cuda) kernels of the blocks that are not one elementwise step, one module per block; imported only when the cuda backend is asked for."""
