"""Checking one program's derivatives: against NumPy, finite differences and the other mode.

``check_program(program)`` raises :class:`FuzzFailure` (an ``AssertionError`` whose
message ends with the runnable repro) when optad

* computes a different value than the plain NumPy function (``value``: optad
  differentiated a different function, so every derivative is silently wrong);
* returns a gradient of the wrong structure, or NaN where the value is finite (``nan``);
* disagrees with itself: ``vjp``'s pullback against ``value_and_grad`` and linearity
  (``vjp``), forward mode against reverse mode in the dot-product test
  ⟨Jᵀu, v⟩ = ⟨u, J v⟩, which holds to rounding whatever the function (``fwd-rev``);
* disagrees with central differences in a random direction (``fd``): Richardson
  extrapolation of steps h and h/2, trusted only where no kink (sign under ``abs``,
  argmax of ``max``, a mask, a sort order) changes over the stencil, trying smaller
  steps until none does;
* returns a Hessian-vector product that is not symmetric (⟨u, H v⟩ = ⟨v, H u⟩) or that
  disagrees with finite differences of the gradient or (small inputs) with
  ``optad.hessian`` (``hvp``; a NotDifferentiableError
  there, e.g. ``np.prod`` at two exact zeros, is a documented limit: ``hvp="refused"``);
* hands out arrays it later overwrites, or changes its arguments (``alias``);
* raises anything but a documented refusal (``crash``, or ``refused`` when optad
  refuses a program of a family it must run).

``engine`` is a context-manager factory every optad call runs inside (for instance
``optad.reference`` once the core has it); ``compare_engines`` runs the same program
under two of them and compares values, gradients, tangents and Hessian-vector products.

>>> from fuzz.programs import Program, Input, Op, Term
>>> p = Program((Input("x0", (3,), seed=1),), (), (Op("v0 = np.sin(x0)", "sin"),),
...             (Term("sum", "v0"),))
>>> check_program(p).outcome
'ok'
"""

import contextlib
import time
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

import optad

__all__ = ["check_program", "compare_engines", "FuzzFailure", "Checked", "REFUSAL_OK"]

# Families where optad may refuse instead of computing (DESIGN.md: a write into an array
# with live views "is carried into them or refused", an overlapping write "is refused",
# complex values are refused until complex support lands).
REFUSAL_OK = frozenset({"view_write", "stale_view", "overlap_write", "complex"})
HESSIAN_MAX = 24                 # inputs up to this size also get optad.hessian checked
STEPS = (1e-3, 1e-5, 1e-7)      # finite-difference steps, largest first (inputs are O(1))
EPS = np.finfo(float).eps


class FuzzFailure(AssertionError):
    """A program on which optad is wrong; ``kind`` says how, ``str`` ends with the repro."""

    def __init__(self, kind, detail, program):
        self.kind, self.detail, self.program = kind, detail, program
        super().__init__(f"[{kind}] {detail}\n\n--- repro ---\n{program}\n")


@dataclass
class Checked:
    """What :func:`check_program` did: ``outcome`` ok/refused, whether finite differences
    (``fd``) and the Hessian check (``hvp``) ran ("checked") or why not, and the time."""
    outcome: str
    fd: str = "not run"
    hvp: str = "not run"
    step: float = 0.0
    seconds: float = 0.0


@contextlib.contextmanager
def _quiet():
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _copy(x):
    """A copy with the same memory layout (Fortran order, strides, negative strides):
    optad must see the inputs as the program's inputs are, not compacted."""
    if not isinstance(x, np.ndarray):
        return x
    if x.ndim and x.strides[0] < 0:
        return _copy(x[::-1])[::-1]
    if x.ndim and not (x.flags.c_contiguous or x.flags.f_contiguous):
        wide = np.empty(x.shape[:-1] + (2 * x.shape[-1],))
        view = wide[..., ::2]
        view[...] = x
        return view
    return np.copy(x, order="K")


def _copies(args):
    return tuple(_copy(a) for a in args)


def _inner(a, b):
    return float(sum(np.sum(np.asarray(x, float) * np.asarray(y, float)) for x, y in zip(a, b)))


def _abs_inner(a, b):
    return float(sum(np.sum(np.abs(np.asarray(x, float) * np.asarray(y, float)))
                     for x, y in zip(a, b)))


def _norm(a):
    return float(np.sqrt(sum(np.sum(np.square(x)) for x in a)))


def _shifted(args, v, t):
    """args + t v, each in its argument's layout (NumPy's reshape of a Fortran-ordered array
    copies where that of a C-ordered one is a view: the layout is part of the function)."""
    out = []
    for a, d in zip(args, v):
        if isinstance(a, np.ndarray):
            y = _copy(a)
            y[...] = a + t * d
            out.append(y)
        else:
            out.append(a + t * d)
    return tuple(out)


def _direction(args, rng):
    return tuple(rng.standard_normal(np.shape(a)) if np.shape(a) else float(rng.standard_normal())
                 for a in args)


def _call(kind, program, fn, *args, refusal_ok=True):
    """Run an optad call; a documented refusal in a family that allows it returns None."""
    try:
        with _quiet():
            return fn(*args)
    except optad.errors.OptadError as e:
        if refusal_ok and program.families & REFUSAL_OK:
            return None
        raise FuzzFailure("refused", f"{kind}: {type(e).__name__}: {e}", program) from e
    except FuzzFailure:
        raise
    except Exception as e:
        where = "".join(traceback.format_exception_only(type(e), e)).strip()
        frames = traceback.extract_tb(e.__traceback__)
        inner = next((f"{fr.filename.split('/optad/')[-1]}:{fr.lineno} in {fr.name}"
                      for fr in reversed(frames) if "/optad/" in fr.filename), "?")
        raise FuzzFailure("crash", f"{kind} raised {where} (at optad/{inner})", program) from e


def _kinks_equal(a, b):
    return len(a) == len(b) and all(
        np.shape(x) == np.shape(y) and np.array_equal(x, y) for x, y in zip(a, b))


def _stable_step(program, args, v):
    """The largest step at which no kink changes between x ± h v and x ± h/2 v (or None)."""
    kinks = program.function("kinks")
    if not program.has_kinks:
        return STEPS[0]
    def same(t):
        try:    # a changed mask changes shapes downstream: later kinks may not even evaluate
            return _kinks_equal(base, kinks(*_shifted(args, v, t)))
        except Exception:
            return False

    with _quiet():
        base = kinks(*_copies(args))
        for h in STEPS:
            if all(same(t) for t in (h, -h, h / 2, -h / 2)):
                return h
    return None


def _richardson(phi, h):
    """Central differences of phi at steps h and h/2, extrapolated; and their disagreement."""
    d1 = (phi(h) - phi(-h)) / (2 * h)
    d2 = (phi(h / 2) - phi(-h / 2)) / h
    return (4 * d2 - d1) / 3, abs(d1 - d2)


def check_program(program, args=None, engine=None, hvp=True, seed=0):
    """Check ``program``'s value and derivatives in optad; raise :class:`FuzzFailure` if wrong.

    ``args`` defaults to the program's inputs; ``engine`` is a context-manager factory
    every optad call runs inside; ``hvp=False`` skips the Hessian-vector checks.

    >>> from fuzz.programs import Program, Input, Op, Term
    >>> p = Program((Input("x0", (3,), seed=1),), (),
    ...             (Op("v0 = np.abs(x0)", "abs", kinks=("np.sign(x0)",)),), (Term("sum", "v0"),))
    >>> done = check_program(p)
    >>> done.outcome, done.fd, done.hvp
    ('ok', 'checked', 'checked')
    """
    start = time.perf_counter()
    engine = engine or contextlib.nullcontext
    f = program.function()
    args = program.arguments() if args is None else tuple(args)
    rng = np.random.default_rng(seed)
    nums = tuple(range(len(args)))

    def run(kind, fn, *a, refusal_ok=True):
        with engine():
            return _call(kind, program, fn, *a, refusal_ok=refusal_ok)

    with _quiet():
        value = float(f(*_copies(args)))
        magnitude = float(program.function("magnitude")(*_copies(args)))
    scale = magnitude + abs(value)

    # 1. the value, and the gradient's structure
    given = _copies(args)
    out = run("value_and_grad", lambda: optad.value_and_grad(f, argnums=nums)(*given))
    if out is None:
        return Checked("refused", seconds=time.perf_counter() - start)
    val, g = out
    _check_value(program, "value_and_grad", val, value, scale)
    _check_structure(program, g, args, value)
    if not program.writes_inputs and not all(np.array_equal(a, b) for a, b in zip(given, args)):
        raise FuzzFailure("alias", "value_and_grad changed its arguments", program)
    kept = tuple(np.copy(gi) for gi in g)   # must survive every later call (the array pool)

    # 2. vjp against value_and_grad, and the pullback's linearity (its tape is reused)
    y, pull = run("vjp", lambda: optad.vjp(f, *_copies(args)))
    _check_value(program, "vjp", y, value, scale)
    c1 = run("pullback", pull, np.float64(1.0))
    c2 = run("pullback", pull, np.float64(-2.5))
    gmax = max(float(np.max(np.abs(gi))) for gi in g) if g else 0.0
    for a, b, what in ((c1, g, "pullback(1.0) vs value_and_grad"),
                       (c2, tuple(-2.5 * np.asarray(gi) for gi in c1), "pullback(-2.5) vs -2.5 * pullback(1.0)")):
        for k, (ai, bi) in enumerate(zip(a, b)):
            # relative to the largest entry: cancelling adjoints leave rounding of their size
            if not np.allclose(ai, bi, rtol=0.0, atol=1e-10 * (1 + 2.5 * gmax)):
                raise FuzzFailure("vjp", f"{what} differ for x{k}: max |diff| = "
                                         f"{float(np.max(np.abs(np.asarray(ai) - bi))):.3g}", program)

    # 3. forward against reverse mode: <g, v> = J v
    v = _direction(args, rng)
    gv, gv_abs = _inner(g, v), _abs_inner(g, v)
    yj, tangent = run("jvp", lambda: optad.jvp(f, _copies(args), v), refusal_ok=False)
    _check_value(program, "jvp", yj, value, scale)
    tangent = float(np.real(tangent))
    if abs(tangent - gv) > 1e-10 * (gv_abs + abs(tangent)) + 1e-13 * _norm(v):
        raise FuzzFailure("fwd-rev", f"forward mode J v = {tangent!r} but reverse mode "
                                     f"<grad, v> = {gv!r} (sum |g v| = {gv_abs:.3g})", program)

    # 4. reverse mode against central differences in the same direction
    checked = Checked("ok")
    h = _stable_step(program, args, v)
    if h is None:
        checked.fd = checked.hvp = "kink"
    else:
        checked.step = h
        with _quiet():
            fd, err = _richardson(lambda t: float(f(*_shifted(args, v, t))), h)
        roundoff = 64 * EPS * scale / h
        # (the absolute floor of check 3 too: det(outer(v, v)) is 0 up to rounding, and
        # its slope of 2.5e-62 against differences of exactly 0 is no disagreement)
        if abs(fd - gv) > 1e-6 * max(abs(gv), abs(fd)) + 3 * err + roundoff + 1e-13 * _norm(v):
            raise FuzzFailure("fd", f"central differences give {fd!r} (step {h}, h vs h/2 differ "
                                    f"by {err:.2g}) but reverse mode <grad, v> = {gv!r}", program)
        checked.fd = "checked"
        if hvp:
            checked.hvp = _check_hvp(program, f, args, v, rng, h, run, nums)
    for k, (gi, ki) in enumerate(zip(g, kept)):
        if not np.array_equal(gi, ki):
            raise FuzzFailure("alias", f"the gradient for x{k} returned by value_and_grad changed "
                                       f"during later optad calls", program)
    checked.seconds = time.perf_counter() - start
    return checked


def _check_value(program, what, got, want, scale):
    if np.iscomplexobj(got) or np.ndim(got) != 0:
        raise FuzzFailure("value", f"{what} returned {got!r}, NumPy {want!r}", program)
    got = float(got)
    if not (abs(got - want) <= 1e-12 * scale + 1e-300 or (np.isnan(got) and np.isnan(want))):
        raise FuzzFailure("value", f"{what} computed {got!r}, NumPy {want!r} "
                                   f"(difference {got - want:.3g})", program)


def _check_structure(program, g, args, value):
    for k, (gi, a) in enumerate(zip(g, args)):
        if np.shape(gi) != np.shape(a) or np.iscomplexobj(gi):
            raise FuzzFailure("value", f"the gradient for x{k} has shape {np.shape(gi)} and dtype "
                                       f"{np.result_type(gi)}; the input {np.shape(a)}", program)
        if np.isfinite(value) and not np.all(np.isfinite(gi)):
            bad = int(np.sum(~np.isfinite(gi)))
            raise FuzzFailure("nan", f"{bad} non-finite gradient entries for x{k} where the value "
                                     f"{value!r} is finite", program)


def _check_hvp(program, f, args, v, rng, h, run, nums):
    """Hessian-vector products: symmetric, and equal to differences of the gradient."""
    F = lambda xs: f(*xs)  # noqa: E731  (hvp takes one argument: the inputs as a tuple)
    u = _direction(args, rng)
    try:
        hv = run("hvp", lambda: optad.hvp(F, _copies(args), v), refusal_ok=False)
    except FuzzFailure as e:
        if "NotDifferentiableError" in e.detail:   # a documented limit of second derivatives
            return "refused"
        raise
    hu = run("hvp", lambda: optad.hvp(F, _copies(args), u), refusal_ok=False)
    grad = optad.grad(f, argnums=nums)
    g = run("grad", lambda: grad(*_copies(args)), refusal_ok=False)
    # rounding in a second derivative is relative to the first derivative's size
    g_abs = _abs_inner(u, g) + _abs_inner(v, g)
    uhv, vhu = _inner(u, hv), _inner(v, hu)
    size = _abs_inner(u, hv) + _abs_inner(v, hu)
    floor = 1e-13 * _norm(u) * _norm(v)    # rounding at O(1) curvature, where H v ~ 0
    if abs(uhv - vhu) > 1e-8 * size + 1e-12 * g_abs + floor:
        raise FuzzFailure("hvp", f"not symmetric: <u, H v> = {uhv!r}, <v, H u> = {vhu!r}", program)

    def phi(t):
        with _quiet():
            return _inner(u, run("grad", lambda: grad(*_shifted(args, v, t)), refusal_ok=False))

    fd, err = _richardson(phi, h)
    roundoff = 64 * EPS * (g_abs + size) / h
    if abs(fd - uhv) > 1e-5 * max(abs(uhv), abs(fd)) + 3 * err + roundoff + floor:
        raise FuzzFailure("hvp", f"differences of the gradient give <u, H v> = {fd!r} (step {h}, "
                                 f"h vs h/2 differ by {err:.2g}) but hvp gives {uhv!r}", program)
    if len(args) == 1 and np.size(args[0]) <= HESSIAN_MAX:
        # reverse over reverse (hessian) against reverse over forward (hvp)
        n = int(np.size(args[0]))
        H = np.reshape(run("hessian", lambda: optad.hessian(f)(_copy(args[0])), refusal_ok=False),
                       (n, n))
        hv_full = H @ np.ravel(v[0])
        tol = 1e-9 * (np.abs(H) @ np.abs(np.ravel(v[0]))) + 1e-12 * g_abs + floor
        if np.any(np.abs(hv_full - np.ravel(hv[0])) > tol):
            raise FuzzFailure("hvp", f"hessian(f) @ v and hvp(f, x, v) differ by up to "
                                     f"{float(np.max(np.abs(hv_full - np.ravel(hv[0])))):.3g}",
                              program)
    return "checked"


def _results(program, args, engine, v):
    """Everything compare_engines compares, computed under one engine (or the exception)."""
    f = program.function()
    nums = tuple(range(len(args)))
    try:
        with engine(), _quiet():
            val, g = optad.value_and_grad(f, argnums=nums)(*_copies(args))
            _, tangent = optad.jvp(f, _copies(args), v)
            hv = optad.hvp(lambda xs: f(*xs), _copies(args), v)
        return {"value": np.float64(val), "grad": tuple(np.asarray(gi) for gi in g),
                "jvp": np.float64(tangent), "hvp": tuple(np.asarray(h) for h in hv)}
    except Exception as e:
        return e


def compare_engines(program, engine_a, engine_b, args=None, seed=0, rtol=1e-9):
    """Raise :class:`FuzzFailure` (kind ``engines``) unless the two engines (context-manager
    factories) give the same value, gradient, forward-mode tangent and Hessian-vector
    product for ``program``, to rounding (``rtol`` of each result's magnitude); both
    raising the same type of error also counts as agreeing.

    >>> import contextlib
    >>> from fuzz.programs import Program, Input, Op, Term
    >>> p = Program((Input("x0", (3,), seed=1),), (), (Op("v0 = np.sin(x0)", "sin"),),
    ...             (Term("sum", "v0"),))
    >>> compare_engines(p, contextlib.nullcontext, contextlib.nullcontext)   # agrees: no error
    """
    args = program.arguments() if args is None else tuple(args)
    v = _direction(args, np.random.default_rng(seed))
    ra, rb = _results(program, args, engine_a, v), _results(program, args, engine_b, v)
    if isinstance(ra, Exception) or isinstance(rb, Exception):
        if type(ra) is type(rb):
            return
        raise FuzzFailure("engines", f"engine A gave {ra!r:.300}, engine B {rb!r:.300}", program)
    for key in ("value", "grad", "jvp", "hvp"):
        a = ra[key] if isinstance(ra[key], tuple) else (ra[key],)
        b = rb[key] if isinstance(rb[key], tuple) else (rb[key],)
        for k, (ai, bi) in enumerate(zip(a, b)):
            # (at least 1: a result that is 0 up to rounding, e.g. the hvp of a linear
            # function, compares its rounding against the inputs' scale, which is O(1))
            big = max(float(np.max(np.abs(ai), initial=0.0)), float(np.max(np.abs(bi), initial=0.0)),
                      1.0)
            if np.shape(ai) != np.shape(bi) or not np.allclose(ai, bi, rtol=rtol, atol=rtol * big,
                                                                equal_nan=True):
                raise FuzzFailure("engines", f"{key}[{k}] differs between the engines: max |diff| "
                                             f"= {float(np.max(np.abs(ai - bi))):.3g} of {big:.3g}",
                                  program)
