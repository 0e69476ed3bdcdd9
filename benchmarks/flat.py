"""A model's many parameter arrays in one kernel call, through its flat buffer.

The two-layer net keeps W1, b1, W2, b2 as views into one flat vector x (`params(x)`).
`time_update[rule, "per_array"]` updates the four arrays one call each, as a framework
that holds them apart must; `time_update[rule, "flat"]` updates x (and so all four) in
one call. At this size (3,760 parameters with 50 hidden units) the call cost dominates,
so the flat update should take about a quarter of the time.
"""

import numpy as np

from .common import Benchmark, require, rule_names, safe_import

with safe_import() as imports:
    from optbench import optimizer
    from optbench.problems import get_problem


class TwoLayerFlatBuffer(Benchmark):
    params = [rule_names(), ["flat", "per_array"]]
    param_names = ["rule", "layout"]

    def setup(self, rule, layout):
        require(imports)
        problem = get_problem("two_layer")
        x = problem.x0(seed=self.seed).astype(np.float32)
        dx = np.random.default_rng(self.seed).standard_normal(x.size, dtype=np.float32)
        opt = optimizer(rule, "cpu")
        if layout == "flat":
            pairs = [(x, dx)]
        else:
            params, grads = problem.params(x), problem.params(dx)
            pairs = [(params[name], grads[name]) for name in params]
        updates = [(p, g, opt.init(p)) for p, g in pairs]
        update = opt.update

        def call():
            for p, g, state in updates:
                update(p, g, state)

        self.call = call
        self.call()

    def time_update(self, rule, layout):
        self.call()
