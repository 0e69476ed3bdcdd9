"""Hand-written CPU (Numba) kernels of the blocks that are not one elementwise step: batch norm and maxout (which reduce) and dropout (whose mask hashes the element index); one module per block."""
