"""What a path on a 2-D problem did: how far it got, how straight it went, how often it
swung across the valley. The report's trajectories section measures every path it draws
with `measure`, and its captions say only what these numbers say. Each problem's valley
comes from its definition:

    quadratic    along = the coordinate of x − x* on the shallowest principal direction,
                 across = on the steepest (in 2-D, the other one); the floor is the line
                 through x* along the shallow direction
    rosenbrock   along = x₁ − 1, across = x₂ − x₁² (the floor is the parabola x₂ = x₁²);
                 f − f* = (1 − x₁)² + 100 (x₂ − x₁²)², the along part and the across part

A path is on the valley floor once the across part of f − f* is no larger than the along
part. A swing across the floor (or past the minimum along the valley) is a change of sign
of `across` (or `along`), counting only values beyond `settings.TRAJECTORY_SWING` of their
size at the start.
"""

from dataclasses import dataclass

import numpy as np

from optbench.report import settings


def minimizer(problem):
    """x* of a problem of this section, from its definition (the quadratic's minimum is 0,
    Rosenbrock's all ones), checked against the problem's f*."""
    if problem.name == "quadratic":
        x = np.zeros(problem.n)
    elif problem.name == "rosenbrock":
        x = np.ones(problem.n)
    else:
        raise ValueError(f"no known minimizer for problem {problem.name!r}")
    if not abs(problem.loss(x) - problem.f_star) <= 1e-12 * max(1.0, abs(problem.f_star)):
        raise ValueError(f"{problem!r}: f({point_text(x)}) = {problem.loss(x)} is not f* = {problem.f_star}")
    return x


def point_text(x):
    return "(" + ", ".join(f"{v:g}" for v in x) + ")"


def principal_axes(problem):
    """The quadratic's shallowest and steepest directions: {"shallow": (unit vector,
    curvature), "steep": (unit vector, curvature)}, from its curvatures and rotation."""
    h = np.asarray(problem.curvatures)
    basis = np.eye(problem.n) if problem.rotation is None else problem.rotation
    low, high = int(np.argmin(h)), int(np.argmax(h))
    return {"shallow": (basis[:, low], float(h[low])), "steep": (basis[:, high], float(h[high]))}


def valley(problem, points):
    """(along, across, along_gap) at every point: the signed coordinate along the valley
    and the signed offset across it (both 0 at the minimum), and the part of f − f* that
    the along coordinate accounts for (see the module docstring)."""
    points = np.asarray(points, dtype=np.float64)
    if problem.n != 2:
        raise ValueError(f"the trajectories are drawn in 2-D; {problem!r} has n = {problem.n}")
    if problem.name == "quadratic":
        axes = principal_axes(problem)
        (shallow, curvature), (steep, _) = axes["shallow"], axes["steep"]
        delta = points - minimizer(problem)
        along = delta @ shallow
        return along, delta @ steep, 0.5 * curvature * along**2
    if problem.name == "rosenbrock":
        along = points[:, 0] - 1.0
        return along, points[:, 1] - points[:, 0] ** 2, along**2
    raise ValueError(f"no valley defined for problem {problem.name!r}")


def swings(values, fraction):
    """How often `values` change sign, counting only values beyond `fraction` of the first
    one's size (of the largest one's when the first is 0)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return 0
    scale = abs(values[0]) or float(np.max(np.abs(values)))
    large = values[np.abs(values) > fraction * scale]
    return int(np.count_nonzero(np.diff(np.sign(large)) != 0))


@dataclass
class PathStats:
    """What one path did (see `measure`)."""

    steps: int  # updates drawn
    diverged: bool  # x left the finite numbers (then the rest is measured before that)
    final_gap: float  # f − f* at the last point; inf when diverged
    steps_to_target: int | None  # first step with f − f* <= tol (f0 − f*); None if never
    distance: float  # |x_end − x*|; inf when diverged
    winding: float  # path length / |x_end − x_0|; 1 for a straight path
    floor_step: int | None  # first step on the valley floor; None if never
    crossings: int  # swings across the valley floor
    overshoots: int  # swings past the minimum along the valley
    along_left: float  # |along| at the end / |along| at the start


def measure(problem, points, tol=settings.TARGET_TOL, swing=settings.TRAJECTORY_SWING):
    """`PathStats` of `points` (x_0 .. x_k, as `path` returns them) on `problem`."""
    points = np.asarray(points, dtype=np.float64)
    finite = np.all(np.isfinite(points), axis=1)
    diverged = not finite.all()
    if diverged:
        points = points[: int(np.argmin(finite))]  # the finite points before the first bad one
    gaps = np.array([problem.loss(p) for p in points]) - problem.f_star
    reached = np.flatnonzero(gaps <= tol * gaps[0])
    along, across, along_gap = valley(problem, points)
    on_floor = np.flatnonzero(gaps - along_gap <= along_gap)
    length = float(np.sum(np.linalg.norm(np.diff(points, axis=0), axis=1)))
    straight = float(np.linalg.norm(points[-1] - points[0]))
    return PathStats(
        steps=len(points) - 1 + diverged,
        diverged=diverged,
        final_gap=np.inf if diverged else float(gaps[-1]),
        steps_to_target=int(reached[0]) if reached.size else None,
        distance=np.inf if diverged else float(np.linalg.norm(points[-1] - minimizer(problem))),
        winding=length / straight if straight > 0 else (1.0 if length == 0 else np.inf),
        floor_step=int(on_floor[0]) if on_floor.size else None,
        crossings=swings(across, swing),
        overshoots=swings(along, swing),
        along_left=abs(along[-1]) / abs(along[0]) if along[0] else np.nan,
    )
