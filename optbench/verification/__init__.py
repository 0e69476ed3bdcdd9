"""Verification: is an implementation of a rule right, and if not, how far off?

`errors` holds the error measure and the derived tolerance; `verify` runs an
implementation beside the NumPy reference step by step (`verify`, `verify_average`,
`verify_all`, the matrix of `optbench verify`); `variants` is the catalogue of named
wrong variants that verification must reject; `gradient` checks an analytic gradient
against centered differences.

May import the foundation modules, `kernels`, `optim` and `reference`; never
`training`, `solvers`, `perf`, `report` or `cli`.
"""
