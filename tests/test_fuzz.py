"""The fuzzer in the suite: a fixed, derandomized number of random programs, and its oracle's own tests.

``tests/fuzz/programs.py`` draws straight-line NumPy programs; ``check_program`` checks
optad's value against NumPy, the gradient against central differences, reverse against
forward mode and ``hvp`` against differences of the gradient. Here a bounded number of
programs runs (derandomized: the same ones on every run), at small sizes and at sizes
past every fast-path threshold; ``python tests/fuzz/run.py --minutes N`` runs it longer.

The oracle is tested too: a deliberately wrong value, gradient, tangent or Hessian-vector
product must be caught, and kinks must not raise false alarms.
"""

import contextlib
from contextlib import redirect_stdout
from io import StringIO

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings

import optad
from fuzz.oracle import REFUSAL_OK, FuzzFailure, check_program, compare_engines
from fuzz.programs import (FAMILIES, KNOWN_BROKEN, SUITE_FAMILIES, Input, Op, Program, Term,
                           programs)

FUZZ = dict(deadline=None, derandomize=True, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                   HealthCheck.filter_too_much])


@settings(max_examples=800, **FUZZ)
@given(programs("small"))
def test_small_programs(program):
    assert program.families <= SUITE_FAMILIES
    check_program(program)


# 4096..8191 and 32768..40000 elements: value dropping, LinearForm tangents, dot-product
# sums (4096) and the array pool (256 KiB = 32768 float64) all engage.
@settings(max_examples=300, **FUZZ)
@given(programs("large"))
def test_large_programs(program):
    assert program.size >= 4096 and program.families <= SUITE_FAMILIES
    check_program(program, hvp=len(program.ops) % 3 == 0)   # hvp costs a few gradients


# The fast engine against the reference (optad.reference()): the same values, gradients,
# tangents and Hessian-vector products on random programs, small and past every threshold.
@settings(max_examples=200, **FUZZ)
@given(programs("small"))
def test_small_programs_on_both_engines(program):
    compare_engines(program, optad.reference, contextlib.nullcontext)


@settings(max_examples=60, **FUZZ)
@given(programs("large"))
def test_large_programs_on_both_engines(program):
    compare_engines(program, optad.reference, contextlib.nullcontext)


# --- the generator ------------------------------------------------------------------------
def _drawn(profile, families, n=150):
    out = []

    @settings(max_examples=n, phases=[Phase.generate], **FUZZ)
    @given(programs(profile, families))
    def collect(program):
        out.append(program)

    collect()
    return out


def test_every_known_broken_family_is_drawn_when_enabled():
    # (the rarer FOUND_BROKEN families have their own tests in test_fuzz_found.py)
    seen = set().union(*(p.families for p in _drawn("small", FAMILIES, 300)))
    missing = KNOWN_BROKEN - seen
    assert not missing, f"the generator never drew {sorted(missing)}"


def test_large_programs_reach_both_thresholds():
    sizes = [p.size for p in _drawn("large", SUITE_FAMILIES, 30)]
    assert any(s >= 32768 for s in sizes) and any(s < 8192 for s in sizes)


def test_the_printed_program_is_the_checked_function():
    for program in _drawn("small", SUITE_FAMILIES, 20):
        namespace = {}
        with redirect_stdout(StringIO()) as out:
            try:
                exec(str(program), namespace)   # the repro runs as printed, optad call included
            except optad.errors.OptadError:
                assert program.families & REFUSAL_OK   # a documented refusal (complex, overlap)
        assert out.getvalue().startswith("numpy:")
        args = program.arguments()
        assert namespace["f"](*args) == program.function()(*program.arguments())


# --- the oracle -----------------------------------------------------------------------------
def _program(*lines, shape=(4,), result=("weighted", "v0"), constants=()):
    ops = tuple(Op(line, line.split("=")[1].strip().split("(")[0]) for line in lines)
    weight = "c9" if result[0] == "weighted" else ""
    constants = tuple(constants) + ((("c9", "np.linspace(-1.0, 2.0, 4)"),) if weight else ())
    return Program((Input("x0", shape, seed=3),), constants, ops, (Term(result[0], result[1], weight),))


@contextlib.contextmanager
def _patched(name, wrap):
    """A dummy 'engine': optad.<name> replaced by a deliberately wrong version."""
    original = getattr(optad, name)
    setattr(optad, name, wrap(original))
    try:
        yield
    finally:
        setattr(optad, name, original)


def _wrong_value(vg):
    return lambda f, **k: (lambda *a: (lambda r: (r[0] + 1e-6, r[1]))(vg(f, **k)(*a)))


def _wrong_tangent(jvp):
    return lambda f, p, t: (lambda r: (r[0], r[1] * (1 + 1e-7)))(jvp(f, p, t))


def _wrong_hvp(hvp):
    return lambda f, x, v: tuple(h * 1.001 for h in hvp(f, x, v))


def _wrong_hessian(hessian):
    return lambda f: (lambda x: hessian(f)(x) * 1.001)


SMOOTH = _program("v0 = np.sin(x0) * np.exp(np.tanh(x0))")


@pytest.mark.parametrize("name, wrap, kind", [
    ("value_and_grad", _wrong_value, "value"),
    ("jvp", _wrong_tangent, "fwd-rev"),
    ("hvp", _wrong_hvp, "hvp"),
    ("hessian", _wrong_hessian, "hvp"),
])
def test_the_oracle_catches_a_deliberately_wrong_result(name, wrap, kind):
    check_program(SMOOTH)
    with pytest.raises(FuzzFailure) as info:
        check_program(SMOOTH, engine=lambda: _patched(name, wrap))
    assert info.value.kind == kind
    assert "def f(x0):" in str(info.value)        # the report carries the repro


class _WithNamespace(Program):
    def namespace(self):
        env = super().namespace()
        env["mysin"] = MYSIN
        return env


# A primitive whose derivative is 1 % off in both modes: only finite differences see it.
MYSIN = optad.primitive(np.sin)
optad.defvjp(MYSIN, lambda g, ans, x: g * np.cos(x) * 1.01)
optad.defjvp(MYSIN, lambda t, ans, x: t * np.cos(x) * 1.01)


def test_finite_differences_catch_a_rule_wrong_in_both_modes():
    p = SMOOTH
    program = _WithNamespace(p.inputs, p.constants, (Op("v0 = mysin(x0)", "mysin"),), p.result)
    with pytest.raises(FuzzFailure) as info:
        check_program(program, hvp=False)
    assert info.value.kind == "fd"


def test_an_unhelpful_crash_is_reported_with_where_it_rose():
    program = _program("v0 = np.unwrap(x0)")
    with pytest.raises(FuzzFailure) as info:
        check_program(program)
    assert info.value.kind == "refused" and "UnsupportedFunctionError" in info.value.detail


def _abs_at(offset):
    """sum(w * |x0 - c0|) where every x0 - c0 is ``-offset``."""
    x0 = Input("x0", (4,), seed=3)
    return Program((x0,), (("c0", f"{x0.code()} + {offset}"), ("c9", "np.linspace(-1.0, 2.0, 4)")),
                   (Op("v0 = np.abs(x0 - c0)", "abs", kinks=("np.sign(x0 - c0)",)),),
                   (Term("weighted", "v0", "c9"),))


def test_a_kink_under_the_step_is_stepped_over_not_reported():
    # 1e-4 from the kink: the largest step crosses it, the next one does not
    done = check_program(_abs_at(1e-4))
    assert done.fd == "checked" and done.step == 1e-5


def test_a_kink_at_the_point_skips_finite_differences():
    assert check_program(_abs_at(0.0)).fd == "kink"   # every step changes the sign


def test_engines_are_compared_on_values_gradients_tangents_and_hvps():
    program = SMOOTH
    compare_engines(program, contextlib.nullcontext, contextlib.nullcontext)
    for name, wrap in (("value_and_grad", _wrong_value), ("jvp", _wrong_tangent),
                       ("hvp", _wrong_hvp)):
        with pytest.raises(FuzzFailure) as info:
            compare_engines(program, contextlib.nullcontext, lambda: _patched(name, wrap))
        assert info.value.kind == "engines"


def test_a_refusal_is_accepted_only_where_documented():
    # An overlapping write is refused (DESIGN.md); the same program not marked as that
    # family is reported as a failure.
    overlap = Program((Input("x0", (6,), seed=1),), (), (
        Op("v0 = x0 * 1.0", "copy"),
        Op("v0[::2] = v0[:3]", "setitem-basic=", families=("overlap_write",))),
        (Term("sum", "v0"),))
    assert check_program(overlap).outcome == "refused"
    as_core = Program(overlap.inputs, (), tuple(Op(o.code, o.name) for o in overlap.ops),
                      overlap.result)
    with pytest.raises(FuzzFailure, match="ViewWriteError"):
        check_program(as_core)