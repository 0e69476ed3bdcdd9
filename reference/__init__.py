"""Plain NumPy references: the lecture's update formulas, written out literally.

Deliberately naive and independent: these modules import numpy only, never optbench,
so agreement between them and optbench's kernels means something. Each rule is a
CS231n-style function `rule(w, dw, config) -> (next_w, config)`; config holds the
hyperparameters and the state, and `t` counts updates done.
"""
