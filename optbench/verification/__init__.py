"""Verification: what is right, and how far from it an implementation may be.

`errors` holds the error measure and the derived tolerance; `variants` is the catalogue of
named departures from the lecture's rules (each written once, computed by the rules'
NumPy forms); `gradient` checks an analytic gradient against centered differences, and
`hessian` an analytic Hessian against centred differences of the gradient, with its
symmetry (and validates a Hessian for a solver). The engine that runs implementations beside the reference is `optbench.conformance`.

May import the foundation modules, `kernels`, `optim` and `reference`; never
`conformance`, `training`, `solvers`, `perf`, `report` or `cli`.
"""
