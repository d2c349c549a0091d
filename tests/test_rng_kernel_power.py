"""The counter-based generator (olearn.core.rng) against independent definitions, and the kernel Compiler
(olearn.core.kernel) with a fake jit, so nothing here is compiled by numba.

rng.  ``mix`` is the splitmix64 finaliser of Steele, Lea and Flood (2014): z ^= z >> 30; z *= 0xbf58476d1ce4e5b9;
z ^= z >> 27; z *= 0x94d049bb133111eb; z ^= z >> 31 (mod 2^64).  SplitMix64 seeded with 0 outputs
mix(k G) for k = 1, 2, ... with G = 0x9e3779b97f4a7c15 (the golden gamma), whose first four outputs are the
published test vector e220a8397b1dcdaf, 6e789e6aa1b965f4, 06c45d188009454f, f88bb8a8724c81ec.  A draw is
mix(key + t G + i O) with key = mix(seed G + stream O + G) (the module docstring; O = 0xd1b54a32d192ed03 is the
module's second odd constant, pinned so that a seed keeps its trajectory across versions), re-implemented
here on Python integers.  Independently of the constants, G and O differ, so the counters (seed + 1, stream)
and (seed, stream + 1), and (t + 1, i) and (t, i + 1), hash apart.

Gamma(a >= 1) is Marsaglia and Tsang's (2000) rejection sampler, written here from the paper with the
module's documented sub-indices: d = a - 1/3, c = 1 / sqrt(9 d); attempt j draws z = normal(512 i + 2 j)
(uniforms 1024 i + 4 j and + 1) and U = uniform(1024 i + 4 j + 2); v = (1 + c z)^3 must be > 0, and the
draw d v is accepted iff ln U < z^2 / 2 + d - d v + d ln v (the squeeze U < 1 - 0.0331 z^4 only skips
logarithms: the paper shows it lies inside that region).  Below 1, Gamma(a) = Gamma(a + 1) U^(1/a).
Beta(a, b) = X / (X + Y) for those two gammas (draws 2i and 2i + 1) is evaluated here in 60-digit mpmath
arithmetic, where X = core U^(1/a) never underflows, which checks the module's log-ratio fallback.

Categorical draws by inversion: the first arm k with u < p_0 + ... + p_k (strict, so that the arm's
probability is P(U < F_k) - P(U < F_{k-1}) = p_k for U uniform on the grid of multiples of 2^-53 in [0, 1)):
with p_0 = u exactly the answer is arm 1.  ``permuted`` is the four-round Feistel network with cycle walking
of its docstring, re-implemented here round by round; half_bits(n) is the smallest h >= 1 with 4^h >= n.

kernel.  Compiling a kernel rebuilds it with every kernel it names (as a global, as a module attribute or in
its closure) replaced by the nested compiler's output, once per kernel object, and leaves the original
function, its module's globals, non-kernel functions and modules without kernels untouched.
"""
import math
import types

import mpmath
import numpy as np
from scipy import stats

from olearn.core import rng
from olearn.core.kernel import Compiler, is_kernel, kernel

MASK = (1 << 64) - 1
G = 0x9E3779B97F4A7C15  # splitmix64's golden gamma
O = 0xD1B54A32D192ED03  # the module's second odd constant


def _mix_ref(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def _bits_ref(seed, stream, t, i):
    key = _mix_ref((seed * G + stream * O + G) & MASK)
    return _mix_ref((key + t * G + i * O) & MASK)


# ------------------------------------------------------------------------------------------------ rng


def test_mix_reproduces_the_published_splitmix64_test_vector():
    vector = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F, 0xF88BB8A8724C81EC]
    assert [_mix_ref((k * G) & MASK) for k in range(1, 5)] == vector  # the reference itself is right
    assert [int(rng._mix(np.uint64((k * G) & MASK))) for k in range(1, 5)] == vector
    assert int(rng._GOLDEN) == G
    z = np.random.default_rng(0).integers(0, 2**63, size=200, dtype=np.int64)
    for v in z:
        w = (int(v) << 1) | 1  # odd numbers reaching the top bit too
        assert int(rng._mix(np.uint64(w))) == _mix_ref(w)


def test_bits_and_uniform_follow_the_documented_counter_formula():
    gen = np.random.default_rng(1)
    cases = [(0, 0, 0, 0), (1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1), (2**63 - 1, 18, 2**40, 2**40)]
    cases += [tuple(int(x) for x in row) for row in zip(gen.integers(0, 2**62, 60), gen.integers(0, 19, 60),
                                                        gen.integers(0, 2**40, 60), gen.integers(0, 2**40, 60))]
    for seed, stream, t, i in cases:
        b = _bits_ref(seed, stream, t, i)
        assert int(rng.bits(seed, stream, t, i)) == b, (seed, stream, t, i)
        assert rng.uniform(seed, stream, t, i) == (b >> 11) / 2.0**53


def test_diagonal_neighbour_counters_draw_apart():
    """(seed + 1, stream) against (seed, stream + 1), and (t + 1, i) against (t, i + 1): equal multipliers for
    the two coordinates would make these pairs collide for every counter."""
    for seed in (0, 7, 2**40 + 1):
        for stream in (0, 1, 3, 17):
            assert rng.bits(seed + 1, stream, 5, 9) != rng.bits(seed, stream + 1, 5, 9)
            for t, i in ((0, 0), (3, 8), (2**30, 11)):
                assert rng.bits(seed, stream, t + 1, i) != rng.bits(seed, stream, t, i + 1)


def _marsaglia_tsang_ref(seed, stream, t, i, a):
    d = a - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    for j in range(255):
        z = rng.normal(seed, stream, t, 512 * i + 2 * j)
        if 1.0 + c * z <= 0.0:
            continue
        v = (1.0 + c * z) ** 3
        u = rng.uniform(seed, stream, t, 1024 * i + 4 * j + 2)
        if math.log(u) < 0.5 * z * z + d - d * v + d * math.log(v):
            return d * v, j
    raise AssertionError("no acceptance in 255 attempts")


def test_gamma_is_marsaglia_tsang_from_the_paper_at_documented_indices():
    """Shape 1 rejects about 5% of attempts (and v <= 0 for z < -2.45), so the sample reaches later attempts;
    shape 0.2 checks the boost with its own uniform 1024 i + 1023."""
    later = 0
    for shape in (1.0, 1.7, 6.0):
        for i in range(400):
            x, j = _marsaglia_tsang_ref(4, rng.LEARNER, 3, i, shape)
            later += j > 0
            assert math.isclose(rng.gamma(4, rng.LEARNER, 3, i, shape), x, rel_tol=1e-12), (shape, i, j)
    assert later > 20, "hardly any rejection: the comparison would not reach later attempts"
    for i in range(200):
        x, _ = _marsaglia_tsang_ref(4, rng.LEARNER, 3, i, 1.2)
        u = rng.uniform(4, rng.LEARNER, 3, 1024 * i + 1023)
        assert math.isclose(rng.gamma(4, rng.LEARNER, 3, i, 0.2), x * u**5.0, rel_tol=1e-12)


def test_beta_equals_x_over_x_plus_y_in_high_precision_even_where_both_underflow():
    """Beta(a, b) from the documented parts, X = core_x U_x^(1/a) and Y = core_y U_y^(1/b), in 60 digits:
    at a = 1e-3 and b = 3e-3 X and Y both underflow in about 5% of draws (0.475 x 0.107), where the module
    takes the log-ratio route; elsewhere the ratio is plain floating point.  Tolerance rel 1e-9 or abs 1e-12:
    the log-ratio route subtracts logarithms near -700 (an error of a few 1e-14), and where only X + Y is
    subnormal x / (x + y) is off by at most the tiny X / Y; the mutations this guards against move draws by
    far more (the wrong exponent, a swapped ratio, a shared uniform)."""
    mpmath.mp.dps = 60
    fallback = 0
    for a, b in ((1e-3, 3e-3), (0.3, 0.7), (2e-3, 0.5)):
        for i in range(200):
            core_x = rng._marsaglia_tsang(21, rng.LEARNER, 8, 2 * i, a + 1.0)
            core_y = rng._marsaglia_tsang(21, rng.LEARNER, 8, 2 * i + 1, b + 1.0)
            u_x = rng.uniform(21, rng.LEARNER, 8, 1024 * (2 * i) + 1023)
            u_y = rng.uniform(21, rng.LEARNER, 8, 1024 * (2 * i + 1) + 1023)
            x = mpmath.mpf(core_x) * mpmath.mpf(u_x) ** (1 / mpmath.mpf(a))
            y = mpmath.mpf(core_y) * mpmath.mpf(u_y) ** (1 / mpmath.mpf(b))
            want = float(x / (x + y))
            fallback += core_x * u_x ** (1.0 / a) + core_y * u_y ** (1.0 / b) == 0.0
            got = rng.beta(21, rng.LEARNER, 8, i, a, b)
            assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), (a, b, i, got, want)
    assert fallback > 5, "no draw took the log-ratio route"


def test_beta_below_one_with_unequal_shapes_follows_the_beta_law():
    """KS against scipy's Beta(0.3, 0.7) (both shapes boosted, each with its own exponent 1/a, 1/b)."""
    x = np.array([rng.beta(2, rng.LEARNER, 1, i, 0.3, 0.7) for i in range(1500)])
    assert stats.kstest(x, "beta", args=(0.3, 0.7)).pvalue > 1e-4


def test_categorical_inversion_is_strict_at_a_cumulative_probability_equal_to_u():
    hits = 0
    for t in range(50):
        u = rng.uniform(6, rng.LEARNER, t, 0)
        if u == 0.0:
            continue
        hits += 1
        # 1 - u is exact (u is a multiple of 2^-53 in (0, 1)), so the cumulative sums are exactly u and 1
        assert rng.categorical(6, rng.LEARNER, t, 0, np.array([u, 1.0 - u]), 2) == 1
        assert rng.categorical(6, rng.LEARNER, t, 0, np.array([0.0, u, 0.0, 1.0 - u]), 4) == 3
    assert hits > 40


def test_half_bits_is_the_smallest_h_of_at_least_one_with_four_to_the_h_covering_n():
    expected = {1: 1, 2: 1, 4: 1, 5: 2, 16: 2, 17: 3, 64: 3, 65: 4, 4096: 6, 4097: 7}
    assert {n: rng.half_bits(n) for n in expected} == expected


def _permuted_ref(seed, stream, i, n, half):
    size = 1 << half
    x = i
    for _ in range(10_000):
        left, right = x >> half, x & (size - 1)
        for r in range(4):
            left, right = right, left ^ int(rng.uniform(seed, stream, r, right) * size)
        x = (left << half) | right
        if x < n:
            return x
    raise AssertionError("cycle walking did not end")


def test_permuted_is_the_four_round_feistel_network_of_its_docstring():
    for n in (3, 10, 64, 100):
        half = rng.half_bits(n)
        for seed in (0, 3, 2**50 + 7):
            got = [rng.permuted(seed, rng.REPLAY_ORDER, i, n, half) for i in range(n)]
            assert got == [_permuted_ref(seed, rng.REPLAY_ORDER, i, n, half) for i in range(n)], (n, seed)


# ------------------------------------------------------------------------------------------------ kernel


class _FakeJit:
    """A jit that wraps: the wrapper counts its calls and remembers the (rebound) function it was given."""

    def __init__(self, tag):
        self.tag = tag
        self.given = []

    def __call__(self, fn):
        self.given.append(fn)

        def compiled(*args):
            compiled.calls += 1
            return fn(*args)

        compiled.calls = 0
        compiled.tag = self.tag
        compiled.source = fn
        return compiled


def _plain_helper(x):
    return x - 1


@kernel
def _leaf(x):
    return x + 1


@kernel
def _mid(x):
    return _leaf(x) * 2


@kernel
def _top(x, y=10):
    """top's docstring"""
    return _mid(x) + _plain_helper(y) + math.sqrt(4.0)


_fake_module = types.ModuleType("fake_kernels")
_fake_module.SCALE = 3.0
_fake_module.leaf = _leaf
_fake_module.unused = kernel(lambda x: x)


@kernel
def _via_module(x):
    return _fake_module.leaf(x) * _fake_module.SCALE


def _factory(inner, offset):
    @kernel
    def closed(x):
        return inner(x) + offset

    return closed


def _names(jit):
    return sorted(f.__name__ for f in jit.given)


def test_compiler_rebinds_global_kernels_once_each_and_leaves_the_originals_alone():
    jit = _FakeJit("a")
    comp = Compiler(jit)
    top = comp(_top)
    assert top.tag == "a" and _names(jit) == ["_leaf", "_mid", "_top"]
    assert comp(_top) is top and comp(_mid) is top.source.__globals__["_mid"]  # cached per kernel object
    assert _names(jit) == ["_leaf", "_mid", "_top"], "a kernel was compiled twice"
    assert top(1) == 15.0 and top(1, 4) == 9.0  # (1 + 1) 2 + (y - 1) + 2, with top's default y = 10
    mid = top.source.__globals__["_mid"]
    assert mid.calls == 2 and mid.source.__globals__["_leaf"].calls == 2
    # the rebound copy keeps its identity; the module's own globals and non-kernels are untouched
    src = top.source
    assert (src.__name__, src.__qualname__, src.__module__, src.__doc__) == ("_top", "_top", __name__, "top's docstring")
    assert src.__globals__["_plain_helper"] is _plain_helper and src.__globals__["math"] is math
    assert globals()["_mid"] is _mid and globals()["_leaf"] is _leaf and _top.__globals__ is globals()


def test_is_kernel_accepts_marked_plain_functions_only():
    class Marked:
        __olearn_kernel__ = True

        def __call__(self, x):
            return x

    assert is_kernel(_leaf) and not is_kernel(_plain_helper) and not is_kernel(Marked()) and not is_kernel(None)


def test_module_attribute_kernels_are_compiled_through_a_proxy_only_when_used():
    jit = _FakeJit("a")
    fn = Compiler(jit)(_via_module)
    proxy = fn.source.__globals__["_fake_module"]
    assert proxy is not _fake_module and proxy.leaf.source is not None and proxy.leaf.tag == "a"
    assert proxy.SCALE == 3.0 and proxy.unused is _fake_module.unused  # other attributes as they were
    assert _fake_module.leaf is _leaf and _names(jit) == ["_leaf", "_via_module"]  # `unused` is not compiled
    assert fn(2) == 9.0 and proxy.leaf.calls == 1


def test_closure_kernels_are_compiled_and_other_cells_keep_their_values():
    jit = _FakeJit("a")
    closed = _factory(_mid, 0.5)
    fn = Compiler(jit)(closed)
    cells = dict(zip(fn.source.__code__.co_freevars, fn.source.__closure__))
    assert cells["inner"].cell_contents.tag == "a"
    assert cells["offset"].cell_contents == 0.5
    assert fn(1) == 4.5 and cells["inner"].cell_contents.calls == 1
    assert fn.source.__qualname__ == "_factory.<locals>.closed"
    assert dict(zip(closed.__code__.co_freevars, closed.__closure__))["inner"].cell_contents is _mid  # the original closure still holds the Python kernel


def test_nested_compiler_compiles_the_called_kernels_and_rebind_uses_the_outer_one():
    """Compiler(A, nested=Compiler(B)): the top kernel by A, everything it calls by B.  rebind(fn) compiles the
    kernels fn calls with this compiler (A, each of them calling B's kernels), fn itself left uncompiled."""
    a, b = _FakeJit("a"), _FakeJit("b")
    outer = Compiler(a, nested=Compiler(b))
    top = outer(_top)
    assert top.tag == "a" and _names(a) == ["_top"] and _names(b) == ["_leaf", "_mid"]
    c, d = _FakeJit("c"), _FakeJit("d")
    outer2 = Compiler(c, nested=Compiler(d))
    loose = outer2.rebind(_top)
    assert not hasattr(loose, "tag") and loose(1) == 15.0
    assert loose.__globals__["_mid"].tag == "c" and loose.__globals__["_mid"].source.__globals__["_leaf"].tag == "d"
