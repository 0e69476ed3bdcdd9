"""Reference backend: the plain NumPy functions of `optbench.reference`, on host arrays.

It has no kernels: `optbench.optim` calls the reference function of a rule directly.
"""

from optbench.kernels.host import check_array, copy, empty_like, to_device, to_host, zeros_like  # noqa: F401

name = "reference"
