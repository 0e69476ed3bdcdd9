"""`vecmath.exp` and `vecmath.tanh`: within `ULPS` of a higher-precision truth, exact at the
special values, float32 in float32 out, and vectorized in a loop (packed instructions, no
call to libm)."""

import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optbench.blocks.sigmoid import ACTIVATION as SIGMOID
from optbench.blocks.tanh import ACTIVATION as TANH
from optbench.kernels import vecmath
from optbench.kernels.vecmath import exp, tanh
from optbench.perf.machine_code import ARITHMETIC, compiled_loop, hot_loop

F32, F64 = np.float32, np.float64
# the truth: float64 NumPy for float32 results, 80-bit long double NumPy for float64 ones
WIDER = {F32: F64, F64: np.longdouble}
extended = pytest.mark.skipif(np.finfo(np.longdouble).nmant < 63, reason="long double is not 80-bit here")


@numba.njit(error_model="numpy")
def _exp_loop(x, out):
    for i in range(x.size):
        out[i] = exp(x[i])


@numba.njit(error_model="numpy")
def _tanh_loop(x, out):
    for i in range(x.size):
        out[i] = tanh(x[i])


LOOPS = {"exp": _exp_loop, "tanh": _tanh_loop}
TRUTH = {"exp": np.exp, "tanh": np.tanh}


def bound(name, dtype):
    return vecmath.ULPS[np.dtype(dtype).name][name]


def apply(name, x):
    out = np.empty_like(x)
    LOOPS[name](x, out)
    return out


def ulps(y, x, name):
    """|y - f(x)| in units of the spacing of y's dtype at f(x) (2^-149, 2^-1074 below the
    normals), f(x) computed in the wider type; inf where one of y, round(f(x)) is infinite
    and they differ, 0 where they are the same infinity."""
    dtype = y.dtype.type
    with np.errstate(over="ignore"):
        truth = TRUTH[name](x.astype(WIDER[dtype]))
    info = np.finfo(dtype)
    _, e = np.frexp(truth)
    e = np.where(truth == 0, info.minexp - info.nmant, e)  # 0: the smallest subnormal's spacing
    spacing = np.ldexp(np.ones_like(truth), np.maximum(e - (info.nmant + 1), info.minexp - info.nmant))
    with np.errstate(over="ignore", invalid="ignore"):
        error = np.abs(y.astype(truth.dtype) - truth) / spacing
        rounded = truth.astype(dtype)
    infinite = np.isinf(y) | np.isinf(rounded)
    error[infinite] = np.where(y[infinite] == rounded[infinite], 0, np.inf)
    return error.astype(np.float64)


def float32_grid(lo, hi, stride):
    """Every `stride`-th float32 of [lo, hi], by bit pattern, both signs (lo < 0 < hi)."""
    up = np.arange(0, np.float32(hi).view(np.uint32) + 1, stride, dtype=np.uint32)
    down = np.arange(0x80000000, 0x80000000 + np.float32(-lo).view(np.uint32) + 1, stride, dtype=np.uint32)
    return np.concatenate([up, down]).view(np.float32)


def log_uniform(rng, lo, hi, n, dtype):
    """n values of random sign with magnitudes log-uniform in [lo, hi]."""
    magnitudes = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
    return (magnitudes * rng.choice([-1.0, 1.0], n)).astype(dtype)


# the smallest x whose exp is normal: below it exp may flush to 0 (see the module docstring)
NORMAL_FROM = {F32: np.nextafter(F32(np.log(np.finfo(F32).tiny)), F32(0)),
               F64: np.nextafter(F64(np.log(np.finfo(F64).tiny)), F64(0))}
# the largest x whose exp is finite
OVERFLOW_FROM = {F32: F32(88.72283172607421875), F64: F64(709.782712893383973096)}


def samples(name, dtype, rng):
    if dtype is F32:
        if name == "exp":
            x = float32_grid(NORMAL_FROM[F32], 89.0, 641)
            return x[x >= NORMAL_FROM[F32]]
        return np.concatenate([float32_grid(-20.0, 20.0, 641), log_uniform(rng, 1e-30, 1.0, 10**5, F32)])
    if name == "exp":
        lo = NORMAL_FROM[F64]
        return np.concatenate([rng.uniform(lo, 710.0, 10**6), rng.uniform(-1.0, 1.0, 10**5),
                               log_uniform(rng, 1e-300, 1.0, 10**5, F64)])
    return np.concatenate([rng.uniform(-20.0, 20.0, 10**6), rng.uniform(-0.1, 0.1, 3 * 10**5),
                           log_uniform(rng, 1e-300, 1.0, 2 * 10**5, F64)])


@pytest.mark.parametrize("dtype", [F32, pytest.param(F64, marks=extended)], ids=["float32", "float64"])
@pytest.mark.parametrize("name", ["exp", "tanh"])
def test_within_ulps_on_a_dense_sample(name, dtype):
    x = samples(name, dtype, np.random.default_rng(0))
    y = apply(name, x)
    error = ulps(y, x, name)
    worst = int(np.argmax(error))
    assert error[worst] <= bound(name, dtype), f"{name}({x[worst]!r}) = {y[worst]!r}: {error[worst]:.3f} ulps"
    assert error.max() > bound(name, dtype) - 1, "the bound is looser than measured: tighten ULPS"


@pytest.mark.parametrize("dtype", [F32, pytest.param(F64, marks=extended)], ids=["float32", "float64"])
def test_the_measure_would_see_an_error_past_the_bound(dtype):
    """Results ULPS + 1 ulps above the rounded truth, and a polynomial one term short, both fail."""
    x = samples("exp", dtype, np.random.default_rng(1))
    x = x[x < OVERFLOW_FROM[dtype] - 1]
    off = np.exp(x.astype(WIDER[dtype])).astype(dtype)  # correctly rounded, bar double rounding
    for _ in range(bound("exp", dtype) + 1):
        off = np.nextafter(off, dtype(np.inf))
    assert ulps(off, x, "exp").min() > bound("exp", dtype)
    assert ulps(_truncated_exp(x), x, "exp").max() > bound("exp", dtype)


@numba.njit(error_model="numpy")
def _truncated_loop(x, out, coefficients, log2e, shift, c1, c2, half):
    """`vecmath`'s exp core with the polynomial's highest-degree term dropped."""
    for i in range(x.size):
        s = vecmath._fma(x[i], log2e, -half) + shift
        n = s - shift
        r = vecmath._fma(-n, c2, vecmath._fma(-n, c1, x[i]))
        p = coefficients[1]
        for c in coefficients[2:]:
            p = vecmath._fma(p, r, c)
        out[i] = p * vecmath._pow2(s)


def _truncated_exp(x):
    m = vecmath
    if x.dtype == F32:
        constants = (m._P_32, m._LOG2E_32, m._SHIFT_32, m._C1_32, m._C2_32, m._HALF_32)
    else:
        constants = (m._P_64, m._LOG2E_64, m._SHIFT_64, m._C1_64, m._C2_64, m._HALF_64)
    out = np.empty_like(x)
    _truncated_loop(x, out, *constants)
    return out


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_exp_special_values(dtype):
    info = np.finfo(dtype)
    top = OVERFLOW_FROM[dtype]
    bottom = np.log(F64(info.smallest_subnormal)) - np.log(2.0)  # exp rounds to 0 below, even unflushed
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, top, np.nextafter(top, dtype(np.inf)), 1e30, -1e30,
                  info.max, -info.max, np.nextafter(dtype(bottom), dtype(-np.inf)), -1000.0], dtype=dtype)
    y = apply("exp", x)
    assert y.dtype == dtype
    assert list(y[:4]) == [1.0, 1.0, np.inf, 0.0] and np.isnan(y[4])
    assert np.isfinite(y[5]) and ulps(y[5:6], x[5:6], "exp")[0] <= bound("exp", dtype)
    assert list(y[6:]) == [np.inf, np.inf, 0.0, np.inf, 0.0, 0.0, 0.0]
    # between the normals' threshold and the subnormals' 0, exp is 0 or the right subnormal
    x = np.linspace(dtype(bottom), NORMAL_FROM[dtype], 10000, endpoint=False, dtype=dtype)
    y = apply("exp", x)
    error = ulps(y, x, "exp")
    assert np.all((y == 0) | (error <= bound("exp", dtype))) and np.all(y <= info.tiny)


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_tanh_special_values(dtype):
    info = np.finfo(dtype)
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 10.0, -10.0, 25.0, 1e30, -info.max,
                  info.smallest_subnormal, -info.smallest_subnormal, info.tiny, 1e-20], dtype=dtype)
    y = apply("tanh", x)
    assert y.dtype == dtype
    assert y[0] == 0 and not np.signbit(y[0]) and y[1] == 0 and np.signbit(y[1])
    assert list(y[2:4]) == [1.0, -1.0] and np.isnan(y[4])
    assert list(y[7:10]) == [1.0, 1.0, -1.0]  # saturated: 1 - tanh |x| is below half an ulp of 1
    if dtype is F32:
        assert list(y[5:7]) == [1.0, -1.0]
    assert list(y[10:]) == list(x[10:])  # tanh x = x to the last bit where x^3/3 is below half an ulp


@pytest.mark.parametrize("dtype", [F32, pytest.param(F64, marks=extended)], ids=["float32", "float64"])
def test_tanh_keeps_relative_accuracy_near_zero(dtype):
    x = log_uniform(np.random.default_rng(2), np.finfo(dtype).tiny, 1e-2, 10**5, dtype)
    assert ulps(apply("tanh", x), x, "tanh").max() <= bound("tanh", dtype)


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_tanh_is_odd_and_bounded(dtype):
    x = np.concatenate([np.random.default_rng(3).standard_normal(10**5) * 5, [0.0, 1e-30, 30.0]]).astype(dtype)
    y = apply("tanh", x)
    assert np.array_equal(apply("tanh", -x), -y)
    assert np.all(np.abs(y) <= 1)


@pytest.mark.parametrize("dtype", [F32, pytest.param(F64, marks=extended)], ids=["float32", "float64"])
@pytest.mark.parametrize("name", ["exp", "tanh"])
def test_at_any_float(name, dtype):
    """Within the bound everywhere but exp's flushed range, where it is 0 up to a subnormal."""
    @settings(max_examples=300, deadline=None)
    @given(st.floats(width=np.finfo(dtype).bits, allow_nan=False))
    def check(value):
        x = np.array([value], dtype=dtype)
        y = apply(name, x)
        if name == "exp" and x[0] < NORMAL_FROM[dtype]:
            assert 0 <= y[0] <= np.finfo(dtype).tiny
        else:
            assert ulps(y, x, name)[0] <= bound(name, dtype)

    check()


@pytest.mark.parametrize("function", [exp, tanh], ids=["exp", "tanh"])
def test_the_dtype_is_kept(function):
    @numba.njit(error_model="numpy")
    def call(x):
        return function(x)

    for argument, dtype in ((F32(0.5), numba.float32), (F64(0.5), numba.float64), (2, numba.float64)):
        call(argument)
        assert call.nopython_signatures[-1].return_type == dtype
    assert function(2) == function(2.0)
    assert function(F32(0.5)) == float(apply(function.__name__, np.array([0.5], dtype=F32))[0])


def _packed_arithmetic(body, suffix):
    """The packed arithmetic (on xmm, ymm or zmm) of `suffix` ("ps", "pd") in the loop."""
    return [line for line in body
            if line.split()[0].startswith(ARITHMETIC) and line.split()[0].endswith(suffix) and "mm" in line]


@pytest.mark.parametrize("dtype, suffix", [("float32", "ps"), ("float64", "pd")])
@pytest.mark.parametrize("name", ["exp", "tanh"])
def test_a_loop_over_it_vectorizes(name, dtype, suffix):
    loop = LOOPS[name]
    loop(np.ones(4, dtype), np.ones(4, dtype))
    signature = next(s for s in loop.signatures if str(s[0].dtype) == dtype)
    body = hot_loop(loop.inspect_asm(signature))
    assert len(_packed_arithmetic(body, suffix)) >= 12, body
    assert not any(line.startswith("call") for line in body), body
    assert not any("cvtps2pd" in line or "cvtpd2ps" in line for line in body), body  # float32 stays float32


@pytest.mark.parametrize("activation", [SIGMOID, TANH], ids=["sigmoid", "tanh"])
def test_the_generated_activation_kernel_vectorizes(activation):
    body = hot_loop(compiled_loop(activation.forward_elementwise, "float32"))
    assert len(_packed_arithmetic(body, "ps")) >= 12, body
    assert not any(line.startswith("call") for line in body), body


def test_a_cached_caller_reloads_from_the_cache(tmp_path):
    """A step that calls `exp` under `cache=True`, as the generated kernels do, is saved
    and, in a fresh process, loaded back rather than compiled, with the same results."""
    (tmp_path / "cached_step.py").write_text(textwrap.dedent("""\
        import numba
        import numpy as np
        from optbench.kernels.vecmath import exp, tanh

        def step(x, one):
            return one / (one + exp(-x)) + tanh(x)

        step = numba.njit(error_model="numpy", cache=True)(step)

        @numba.njit(error_model="numpy", cache=True)
        def run(x, out, one):
            for i in range(x.size):
                out[i] = step(x[i], one)

        x = np.linspace(-30, 30, 1001).astype(np.float32)
        out = np.empty_like(x)
        run(x, out, np.float32(1))
        print(len(run.stats.cache_hits), out.tobytes().hex())
    """))

    def run():
        done = subprocess.run([sys.executable, "cached_step.py"], cwd=tmp_path, capture_output=True, text=True,
                              check=True)
        hits, values = done.stdout.split()
        return int(hits), values

    first, second = run(), run()
    assert (first[0], second[0]) == (0, 1)
    assert first[1] == second[1]
