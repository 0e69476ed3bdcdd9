"""The conformance matrix's cost: every library x rule x implementation x scenario x dtype.

`track_matrix_seconds[library]` is the wall time of one library's whole matrix once every
jitted function is compiled and every kernel loaded (a first pass in the same process
does that); `track_seconds_inside_library[library]` is the part spent inside the
library's own make and step calls, the rest being the reference runs, the comparison
and the diagnosis. Both come from one setup_cache run, in one process.
"""

import time

from .common import Benchmark, load, require, safe_import

with safe_import() as imports:
    MATRIX = load("optbench.conformance.matrix")
    ADAPTERS = load("optbench.conformance.adapters")

LIBRARIES = list(getattr(ADAPTERS, "LIBRARIES", ())) if imports.error is None else ["optbench"]


class Matrix(Benchmark):
    params = [LIBRARIES]
    param_names = ["library"]
    timeout = 1200

    def setup_cache(self):
        if imports.error is not None:
            return {}
        figures = {}
        for library in LIBRARIES:
            MATRIX.matrix([library])  # compiles and loads: not counted
            timings = {}
            start = time.perf_counter()
            MATRIX.matrix([library], timings=timings)
            figures[library] = (time.perf_counter() - start, timings[library][1])
        return figures

    def setup(self, figures, library):
        require(imports)

    def track_matrix_seconds(self, figures, library):
        return figures[library][0]

    track_matrix_seconds.unit = "seconds"

    def track_seconds_inside_library(self, figures, library):
        return figures[library][1]

    track_seconds_inside_library.unit = "seconds"
