"""Plain NumPy references: the lecture's formulas, written out literally.

Deliberately naive and independent: these modules import numpy only, never optbench,
so agreement between them and optbench's kernels means something. They are kept in
subfolders by kind: `rules/` holds the update rules, each a CS231n-style function
`rule(w, dw, config) -> (next_w, config)` (config holds the hyperparameters and the
state, and `t` counts updates done), and the running parameter average.
"""
