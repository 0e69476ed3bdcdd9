"""Performance measurement: timing side by side (`timing`), the same-pattern bound
(`bound`), peers to compare with (`peers`: the NumPy reference, torch.optim), the
machine record that goes with every figure (`machine`), thread settings (`threads`),
the benchmark grid with its table (`bench`), and the project's history as asv recorded
it (`history`, read from results/asv/ without asv).

May import the foundation modules, `kernels` and `optim`; `problems`, `training`,
`solvers`, `report` and `cli` build on it, never the other way round. Importing this
package imports nothing else: `optbench` itself imports `threads`, which stays light.
"""
