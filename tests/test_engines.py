"""The fast engine agrees with the reference engine, at sizes past every threshold.

The reference engine (optad.ref) is the specification; every trick of the fast engine
(optad.fast: value dropping from ``config.drop_min_size`` elements, LinearForm tangents
from ``config.form_min_size``, pooled buffers from ``config.pool_min_bytes``, dot rows of
``config.dot_row``, reference-count tricks) must give the same values, gradients, jvps
and hvps. Hypothesis draws the function family, the size (small, just past the 4096
thresholds, past the pool's 32768 elements), the data and the direction; the pool is
reused across calls and threads.
"""

import os
import subprocess
import sys
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optad
from optad.engines import using_reference


def _rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _smooth(x):
    return np.sum(np.sin(x) * x) + np.mean(x ** 2) - np.sum(np.tanh(x / 3.0) ** 2) * 0.5


def _writes(x):
    y = x * 1.0
    y[1:] += x[:-1] ** 2
    v = y[: x.size // 2]
    y[::3] = np.cos(x[::3])
    v *= 2.0
    return np.sum(y * y) + np.sum(v)


def _indexing(x):
    n = x.size
    idx = (np.arange(n) * 7) % (n // 2 + 1)          # many repeated indices
    y = np.zeros_like(x)
    y[idx] = x[::-1] * 2.0
    y[idx[:5]] += x[:5]
    np.add.at(y, idx[: n // 3], x[: n // 3] ** 2)
    return np.sum(y ** 2) + np.sum(x[idx] * x[:idx.size])


def _reductions(x):
    a = np.reshape(x, (4, -1))
    return (np.sum(np.max(a, axis=0)) + np.sum(np.std(a, axis=1)) + np.sum(np.mean(a, axis=1) ** 2)
            + np.sum(np.cumsum(a, axis=1)[:, -1] * 0.1) + np.min(x) * 2.0)


def _broadcasting(x):
    a = np.reshape(x, (-1, 4))
    w = np.array([1.0, -2.0, 0.5, 3.0])
    return np.sum((a * w[None, :] + a[:, :1]) ** 2) + np.sum(a.T @ a[:, ::-1]) * 1e-3


def _selection(x):
    return (np.sum(np.where(x > 0.1, x ** 3, -x)) + np.sum(np.clip(x, -0.5, 0.5) * x)
            + np.sum(np.maximum(x, 0.2 * x)))


def _forms(x):
    r = x - 1.0
    return 100.0 * np.sum(r ** 2) + np.mean((2.0 * x - r) ** 2) + np.sum((x ** 2 - 3.0 * x) ** 2)


def _joins(x):
    h = x.size // 2
    c = np.concatenate([x[:h] ** 2, np.exp(-x[h:] ** 2)])
    s = np.stack([x, c])
    return np.sum(s[0] * s[1]) + np.sum(np.log1p(c ** 2)) / (1.0 + np.sum(x ** 2))


def _slices(x):
    # plain slice and int keys: the fast reverse engine's short path (process_slice)
    a = np.reshape(x, (4, -1))
    y = x[1:-1] * x[2:] - x[:-2] + x[::-3][:3].sum()
    row = a[1] * a[-1]
    row[0] = x[0] * x[-1]              # a write into a value taken from a slice
    return np.sum(y ** 2) + np.sum(row[::2]) + x[3] ** 3 + np.sum(a[2][1:] * a[0][:-1])


FAMILIES = {f.__name__[1:]: f for f in (_rosen, _smooth, _writes, _indexing, _reductions,
                                       _broadcasting, _selection, _forms, _joins, _slices)}
# just below and past 4096 (value dropping, LinearForm), past 32768 (pooled buffers,
# several dot rows); all divisible by 4 for the reshapes
SIZES = [8, 4096, 4104, 32772, 40000]


def _both(transform, *args):
    with optad.reference():
        ref = transform(*args)
    return ref, transform(*args)


def _close(ref, fast, what, rtol=1e-10):
    ref, fast = np.asarray(ref, dtype=float), np.asarray(fast, dtype=float)
    scale = max(1.0, float(np.max(np.abs(ref))))
    err = float(np.max(np.abs(ref - fast))) / scale if ref.size else 0.0
    assert err <= rtol, f"{what}: fast engine differs from the reference by {err:.3g} (relative)"


def compare_engines(f, x, v):
    (rv, rg), (fv, fg) = _both(optad.value_and_grad(f), x)
    _close(rv, fv, "value")
    _close(rg, fg, "gradient")
    (_, rj), (_, fj) = _both(lambda x: optad.jvp(f, (x,), (v,)), x)
    _close(rj, fj, "jvp")
    _close(rj, np.dot(rg, v), "jvp vs gradient", rtol=1e-8)
    rh, fh = _both(lambda x: optad.hvp(f, x, v), x)
    _close(rh, fh, "hvp", rtol=1e-9)


@pytest.mark.parametrize("name", list(FAMILIES))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True)
@given(data=st.data())
def test_fast_engine_agrees_with_the_reference(name, data):
    n = data.draw(st.sampled_from(SIZES), label="n")
    seed = data.draw(st.integers(0, 2 ** 16), label="seed")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    v = rng.standard_normal(n)
    compare_engines(FAMILIES[name], x, v)


@pytest.mark.parametrize("refcounts", [True, False], ids=["refcounts", "no-refcounts"])
@pytest.mark.parametrize("n", [8, 4104, 40000])
def test_every_threshold_moved_and_reference_counts_off(n, refcounts):
    # The thresholds at 0 make every trick engage at every size; huge ones switch them off.
    rng = np.random.default_rng(n)
    x, v = rng.uniform(-1.0, 1.0, n), rng.standard_normal(n)
    for knobs in ({"drop_min_size": 0, "form_min_size": 1, "pool_min_bytes": 8, "dot_row": 2},
                  {"drop_min_size": 10 ** 9, "form_min_size": 10 ** 9,
                   "pool_min_bytes": 10 ** 12}):
        with optad.config.override(refcounts=refcounts and optad.config.refcounts, **knobs):
            for f in FAMILIES.values():
                compare_engines(f, x, v)


def test_the_pool_is_reused_across_calls_and_threads():
    rng = np.random.default_rng(5)
    xs = [rng.uniform(-1.0, 1.0, 40000) for _ in range(6)]
    with optad.reference():
        expected = [optad.grad(f)(x) for x in xs for f in (_rosen, _writes, _forms)]
    results = {}

    def work(k):
        for _ in range(3):      # the same calls again: now with buffers of earlier calls
            results[k] = [optad.grad(f)(x) for x in xs for f in (_rosen, _writes, _forms)]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        for e, r in zip(expected, results[k]):
            _close(e, r, f"thread {k}")


def test_reference_is_per_thread_and_restores():
    seen = {}

    def other():
        seen["other"] = using_reference()

    before = using_reference()
    with optad.reference():
        t = threading.Thread(target=other)
        t.start()
        t.join()
        seen["here"] = using_reference()
        with optad.reference(False):
            seen["inner"] = using_reference()
    assert seen == {"other": before, "here": True, "inner": False}
    assert using_reference() == before


def test_transforms_run_on_the_chosen_engine():
    kinds = []

    def f(x):
        kinds.append(type(x._trace).__module__)
        return np.sum(x ** 2)

    optad.grad(f)(np.ones(3))
    with optad.reference():
        optad.grad(f)(np.ones(3))
        optad.jvp(f, (np.ones(3),), (np.ones(3),))
    fast_kind = "optad.ref.reverse" if using_reference() else "optad.fast.reverse"
    assert kinds == [fast_kind, "optad.ref.reverse", "optad.ref.forward"]


def test_optad_reference_environment_variable():
    code = ("import numpy as np, optad; from optad.engines import using_reference; "
            "kinds = []; optad.grad(lambda x: kinds.append(type(x._trace).__module__) "
            "or np.sum(x))(np.ones(2)); print(using_reference(), kinds[0])")
    env = dict(os.environ, OPTAD_REFERENCE="1")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.split() == ["True", "optad.ref.reverse"]
    env["OPTAD_REFERENCE"] = "0"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.split() == ["False", "optad.fast.reverse"]
