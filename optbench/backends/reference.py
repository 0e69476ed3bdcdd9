"""Reference backend: the plain NumPy functions of `optbench.reference`, on host arrays."""

from optbench.backends.cpu import check_array, copy, zeros_like  # noqa: F401  (host arrays alike)

name = "reference"
