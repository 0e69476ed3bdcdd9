"""exp and tanh in plain arithmetic, so that a Numba loop calling them vectorizes.

Without SVML, `math.exp` and `math.tanh` in a Numba loop are scalar libm calls and the
loop stays scalar. These are multiplies, fused multiply-adds, compare-selects and bit
operations only, inlined into the caller (`inline="always"`), where LLVM turns the loop
into packed instructions. float32 and float64 have separate implementations with
constants of their own dtype, so float32 stays float32 throughout (a Python float
literal would make it float64). No fastmath: every operation rounds as written; `_fma`
is llvm.fmuladd, one rounding on a cpu with FMA (as here), a multiply and an add without.

exp(x), after Cephes' exp, with the reduction taken by floor:

    n = floor(x log2 e)         as (x L - 1/2) + 1.5 2^p - 1.5 2^p, p = 23 (52)
    r = (x - n C1) - n C2       C1 + C2 = ln 2 (Cody-Waite), r in [0, ln 2]
    exp(x) = P(r) 2^n           2^n: n + bias put into the exponent bits (`_pow2`)

C1 (Cephes') has so few bits that n C1 is exact, and x - n C1 is rounded once (exact by
Sterbenz but for n = -1). P is the minimax polynomial for exp on [0, ln 2] with P(0) = 1,
degree 6 (float32) or 12 (float64), fitted for relative error by Remez in 60-digit mpmath:
truncation error 2.0e-9 (0.03 ulp) and 4.3e-20. L is log2 e rounded toward 0 by one more
ulp, so that where x log2 e is within rounding of an integer the computed n errs toward
0 only (r then a hair outside [0, ln 2], where P is as good): for x > 0, never one above
floor, which at x = ln(max) would make 2^n overflow where the result does not. Floor rather than round keeps P(r) in
[1, 2), so one normal factor 2^n serves every normal result; n = bias + 1 makes 2^n inf
and n = -bias makes it 0. Clamping x to [-88, 89] ([-709, 710]) first keeps n in that
range, so that the arithmetic itself gives:

    exp(x) = inf      x > 88.72283 (709.78271289338397), ln of the largest float
    exp(x) = 0        x < -87.33655 (-708.39641853226408), ln of the smallest normal: the
                      subnormal results are flushed to 0 (a few x just below the
                      threshold still give the correct subnormal)
    exp(+-0) = 1, exp(inf) = inf, exp(-inf) = 0, exp(NaN) = NaN

NaN passes the clamps (compare-selects that keep x when the compare fails) and all the
arithmetic: 2^n is a bit cast of s, defined for every input (fptosi of NaN is poison).

tanh(x), in one formula with no separate branch for small |x|:

    tanh x = sign(x) E / (E + 2),   E = expm1(2a) = 2^n (1 + q) - 1,   a = min(|x|, a_max)
    2a = n ln 2 + 2r,   n = floor(2a log2 e),   r = (a - n C1/2) - n C2/2 in [0, ln2 / 2]
    q = expm1(2r) = 2r + r^2 Q(r)   Q: minimax, degree 5 (float32) or 10 (float64),
                                    relative error 2.9e-10 and 2.8e-19

a - n C1/2 is exact (Sterbenz, as a >= 0). For n = 0, E = q to one rounding, so the
relative accuracy holds down to the subnormals (tanh x = x to the bit where x^3/3 is
below half an ulp); for n >= 1, 2^n (1 + q) >= 2 and E = fma(2^n, q, 2^n - 1) cancels at
most one bit. a_max = 10 (20), past which tanh rounds to 1, keeps E finite:
tanh(+-inf) = +-1, tanh(+-0) = +-0 (the sign by copysign), tanh(NaN) = NaN. This takes
about 0.8 (float32) and 0.7 (float64) of the time of Cephes' tanh, an odd polynomial
below |x| = 0.625 and 1 - 2 / (exp(2|x|) + 1) above, both computed and one selected: 22
vector instructions per vector of results instead of 29 (float32), 27 instead of 37 and
one division instead of two (float64), for a worst error of 2.4 ulps instead of 1.5.

Accuracy: |f(x) - t| / ulp(t), with t the float64 NumPy function for float32 results
(itself within 2^-29 float32 ulps) and the 80-bit long double one for float64 results,
and ulp(t) the dtype's spacing at t (2^-149, 2^-1074 below the normals); exp over normal
results only. The worst measured:

    ulps                                               exp     tanh
    float32  every float in [-87.34, 89] / [-20, 20]   1.64    2.42
    float64  4e7 uniform in [-708.4, 710] / [-20, 20]  1.52    2.40
             + 4e6 log-uniform in 1e-300 .. 1
    without FMA (fmuladd as a multiply and an add):
    float32  every float / every 3rd float             1.99    2.40
    float64  as above, 2e7 + 2e6                       1.82    2.32

The worst exp is at -ln 2 < x < 0 (n = -1, where x - n C1 rounds), the worst tanh at
|x| < 0.1, where the rounding of E + 2 counts in full.

`ULPS[dtype][function]` is that worst rounded up to whole ulps; the activation kernels
are verified against it.
"""

import math

import llvmlite.ir as llvm
import numba
import numpy as np
from numba import types
from numba.extending import intrinsic, overload

ULPS = {"float32": {"exp": 2, "tanh": 3}, "float64": {"exp": 2, "tanh": 3}}

F32, F64 = np.float32, np.float64
_inline = numba.njit(error_model="numpy", inline="always")


def _float_width(t):
    return {types.float32: 32, types.float64: 64}.get(t)


@intrinsic
def _fma(typingctx, a, b, c):
    """a b + c as llvm.fmuladd: one fused rounding where the cpu has FMA (here), else two."""
    if not (_float_width(a) and a == b == c):
        return None

    def codegen(context, builder, signature, arguments):
        t = arguments[0].type
        f = builder.module.declare_intrinsic("llvm.fmuladd", [t], llvm.FunctionType(t, [t, t, t]))
        return builder.call(f, arguments)

    return a(a, a, a), codegen


@intrinsic
def _clamp(typingctx, x, lo, hi):
    """min(max(x, lo), hi), NaN left as NaN: two compare-selects, one vmaxps and one vminps."""
    if not (_float_width(x) and x == lo == hi):
        return None

    def codegen(context, builder, signature, arguments):
        x, lo, hi = arguments
        x = builder.select(builder.fcmp_ordered("<", x, lo), lo, x)
        return builder.select(builder.fcmp_ordered(">", x, hi), hi, x)

    return x(x, x, x), codegen


@intrinsic
def _pow2(typingctx, s):
    """2^n from s = n + 1.5 2^p (p = 23, 52), whose significand's low bits hold n:
    bits(s) = bits(1.5 2^p) + n, and (bits(s) + bias) << p drops the high part, leaving
    the bits of 2^n: 0 for n = -bias, inf for n = bias + 1. A bit cast is defined for
    every input, NaN included (fptosi of NaN would be poison)."""
    width = _float_width(s)
    if not width:
        return None
    p, bias = {32: (23, 127), 64: (52, 1023)}[width]

    def codegen(context, builder, signature, arguments):
        i = llvm.IntType(width)
        k = builder.add(builder.bitcast(arguments[0], i), llvm.Constant(i, bias))
        return builder.bitcast(builder.shl(k, llvm.Constant(i, p)), arguments[0].type)

    return s(s), codegen


# float32; polynomial coefficients from the highest degree down
_LOG2E_32 = np.nextafter(F32(1.44269504088896341), F32(0))
_SHIFT_32 = F32(1.5 * 2.0 ** 23)
_C1_32 = F32(0.693359375)
_C2_32 = F32(-2.12194440e-4)
_LO_32, _HI_32 = F32(-88.0), F32(89.0)
_P_32 = tuple(F32(c) for c in (0.0019487983081489801, 0.007792221382260323, 0.04191502928733826,
                               0.16661012172698975, 0.500005841255188, 0.9999998211860657, 1.0))
_HALF_32, _ONE_32, _TWO_32 = F32(0.5), F32(1.0), F32(2.0)


@_inline
def _exp32_core(x):
    """exp(x) for x in [-88, 89]."""
    s = _fma(x, _LOG2E_32, -_HALF_32) + _SHIFT_32
    n = s - _SHIFT_32
    r = _fma(-n, _C2_32, _fma(-n, _C1_32, x))
    p = _P_32[0]
    for c in _P_32[1:]:
        p = _fma(p, r, c)
    return p * _pow2(s)


@_inline
def _exp32(x):
    return _exp32_core(_clamp(x, _LO_32, _HI_32))


# float64
_LOG2E_64 = np.nextafter(F64(1.4426950408889634073599), F64(0))
_SHIFT_64 = F64(1.5 * 2.0 ** 52)
_C1_64 = F64(6.93145751953125e-1)
_C2_64 = F64(1.42860682030941723212e-6)
_LO_64, _HI_64 = F64(-709.0), F64(710.0)
_P_64 = tuple(F64(c) for c in (2.9424948153109036e-09, 2.328030746177418e-08, 2.776458854102912e-07,
                               2.754189890701679e-06, 2.4802354732374748e-05, 0.00019841243820198595,
                               0.0013888889488141419, 0.008333333324169478, 0.041666666667555086,
                               0.16666666666661642, 0.5000000000000014, 1.0, 1.0))
_HALF_64, _ONE_64, _TWO_64 = F64(0.5), F64(1.0), F64(2.0)


@_inline
def _exp64_core(x):
    """exp(x) for x in [-709, 710]."""
    s = _fma(x, _LOG2E_64, -_HALF_64) + _SHIFT_64
    n = s - _SHIFT_64
    r = _fma(-n, _C2_64, _fma(-n, _C1_64, x))
    p = _P_64[0]
    for c in _P_64[1:]:
        p = _fma(p, r, c)
    return p * _pow2(s)


@_inline
def _exp64(x):
    return _exp64_core(_clamp(x, _LO_64, _HI_64))


# tanh(x) = sign(x) E / (E + 2), E = expm1(2|x|) = 2^n (1 + q) - 1, q = expm1(2r), 2|x| = n ln2 + 2r
_Q_32 = tuple(F32(c) for c in (0.03428404778242111, 0.0845603421330452, 0.26767367124557495,
                               0.6665498614311218, 1.3333394527435303, 1.9999998807907104))
_SATURATED_32 = F32(10.0)


@_inline
def _tanh32(x):
    a = abs(x)
    a = _SATURATED_32 if a > _SATURATED_32 else a  # NaN stays
    s = _fma(a, _LOG2E_32 + _LOG2E_32, -_HALF_32) + _SHIFT_32
    n = s - _SHIFT_32
    r = _fma(-n, _HALF_32 * _C2_32, _fma(-n, _HALF_32 * _C1_32, a))
    q = _Q_32[0]
    for c in _Q_32[1:]:
        q = _fma(q, r, c)
    q = _fma(r * r, q, r + r)
    t = _pow2(s)
    e = _fma(t, q, t - _ONE_32)
    return math.copysign(e / (e + _TWO_32), x)


_Q_64 = tuple(F64(c) for c in (1.1761181544109892e-05, 4.826352936148649e-05, 0.00028379673552717053,
                               0.0014104017694346299, 0.006349321914007577, 0.025396808803908235,
                               0.08888889044441499, 0.26666666657524585, 0.6666666666697791,
                               1.3333333333332806, 2.0000000000000004))
_SATURATED_64 = F64(20.0)


@_inline
def _tanh64(x):
    a = abs(x)
    a = _SATURATED_64 if a > _SATURATED_64 else a
    s = _fma(a, _LOG2E_64 + _LOG2E_64, -_HALF_64) + _SHIFT_64
    n = s - _SHIFT_64
    r = _fma(-n, _HALF_64 * _C2_64, _fma(-n, _HALF_64 * _C1_64, a))
    q = _Q_64[0]
    for c in _Q_64[1:]:
        q = _fma(q, r, c)
    q = _fma(r * r, q, r + r)
    t = _pow2(s)
    e = _fma(t, q, t - _ONE_64)
    return math.copysign(e / (e + _TWO_64), x)


def _by_dtype(stub, float32, float64):
    def select(x):
        if x == types.float32:
            return lambda x: float32(x)
        if x == types.float64:
            return lambda x: float64(x)
        if isinstance(x, (types.Integer, types.Boolean)):
            return lambda x: stub(np.float64(x))
        return None
    return select


def _exp(x):
    """exp(x) by dtype (Numba only)."""


def _tanh(x):
    """tanh(x) by dtype (Numba only)."""


_OPTIONS = {"error_model": "numpy"}
overload(_exp, jit_options=_OPTIONS, inline="always")(_by_dtype(_exp, _exp32, _exp64))
overload(_tanh, jit_options=_OPTIONS, inline="always")(_by_dtype(_tanh, _tanh32, _tanh64))


@numba.njit(error_model="numpy", cache=True, inline="always")
def exp(x):
    """e^x in x's dtype (float32 or float64; integers as float64), within `ULPS`."""
    return _exp(x)


@numba.njit(error_model="numpy", cache=True, inline="always")
def tanh(x):
    """tanh(x) in x's dtype (float32 or float64; integers as float64), within `ULPS`."""
    return _tanh(x)
