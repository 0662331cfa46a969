"""The problems registry and the Problem record: lookup, errors, sets, starts, pickling, layering."""

import pathlib
import pickle
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import problems
from problems import DimensionError, Problem, UnknownProblemError

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_unknown_name_is_rejected_with_the_known_names():
    with pytest.raises(UnknownProblemError) as err:
        problems.get("rosenbrok")
    text = str(err.value)
    assert "'rosenbrok'" in text and "rosenbrock" in text and "mgh35" in text
    assert "helical_valley" in text            # aliases listed too
    assert isinstance(err.value, LookupError)


@pytest.mark.parametrize("name,fixed", [("beale", 2), ("himmelblau", 2), ("mgh07", 3),
                                        ("wood", 4), ("mgh19", 11)])
def test_wrong_n_for_a_fixed_dimension_problem_is_a_clear_error(name, fixed):
    with pytest.raises(DimensionError, match=f"fixed dimension n={fixed}; got n=5"):
        problems.get(name, n=5)
    assert problems.get(name, n=fixed).n == fixed


@pytest.mark.parametrize("name,n,words", [
    ("extended_rosenbrock", 5, "even"), ("extended_powell_singular", 6, "multiple of 4"),
    ("watson", 40, "2 <= n <= 31"), ("rosenbrock", 1, "n >= 2"), ("sphere", 0, ">= 1"),
    ("linear_rank1_zero", 2, "n >= 3"), ("mlp_regression", 5, "n=33"),
])
def test_invalid_n_for_a_scalable_problem_names_the_rule(name, n, words):
    with pytest.raises(DimensionError, match=words):
        problems.get(name, n=n)


@pytest.mark.parametrize("n", [2.5, "3", True])
def test_non_integer_n_is_refused(n):
    with pytest.raises(DimensionError, match="integer"):
        problems.get("sphere", n=n)


def test_m_out_of_range_and_unknown_parameters():
    with pytest.raises(DimensionError, match="m >= n = 2"):
        problems.get("jennrich_sampson", m=1)
    with pytest.raises(DimensionError, match="3 <= m <= 100"):
        problems.get("gulf_research", m=101)
    with pytest.raises(DimensionError, match="m >= 5"):
        problems.get("linear_full_rank", n=5, m=4)
    with pytest.raises(TypeError, match="unknown parameter.*cnd.*valid: cond, rotate, seed"):
        problems.get("ill_conditioned_quadratic", cnd=10)
    with pytest.raises(TypeError, match="none besides n"):
        problems.get("beale", m=3)


def test_names_filter_by_every_given_tag_and_keep_order():
    all_names = problems.names()
    assert len(all_names) == len(set(all_names)) == 56
    assert problems.names(tags="ml") == ["least_squares", "logistic_regression",
                                         "mlp_regression"]
    both = problems.names(tags=("classic", "convex"))
    assert "sphere" in both and "rosenbrock" not in both
    assert all("convex" in problems.get(n).tags for n in both)
    assert "helical_valley" in problems.names(aliases=True)
    assert problems.names(tags="no-such-tag") == []


def test_lookup_is_forgiving_about_case_and_dashes():
    assert problems.get("Three-Hump-Camel").name == "three_hump_camel"
    assert problems.get("MGH07").name == "mgh07"


def test_suites():
    assert problems.suites() == ["default", "classic", "mgh", "ml", "all"]
    default = problems.suite("default")
    assert 5 <= len(default) <= 10
    assert all(p.f_star is not None and p.x_star is not None for p in default)
    assert sum(p.n for p in default) <= 60                      # small and fast
    assert [p.name for p in problems.suite("mgh")] == problems.names(tags="mgh")
    assert len(problems.suite("classic")) == len(problems.names(tags="classic")) == 18
    assert len(problems.suite("all")) == len(problems.names())
    with pytest.raises(UnknownProblemError, match="known suites: default, classic"):
        problems.suite("everything")


def test_params_recorded_and_problems_rebuilt_by_pickle():
    p = problems.get("ill_conditioned_quadratic", n=6, cond=50.0)
    assert p.params["cond"] == 50.0 and p.n == 6
    for q in (p, problems.get("mgh20", n=9), problems.get("mlp_regression"),
              problems.get("mgh06", m=12)):
        r = pickle.loads(pickle.dumps(q))
        assert r.name == q.name and r.n == q.n
        assert r.value(r.x0) == q.value(q.x0)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(min_value=1, max_value=2 ** 40),
       name=st.sampled_from(["rosenbrock", "mgh17", "mlp_regression", "goldstein_price",
                             "ackley", "mgh07"]))
def test_start_is_x0_for_seed_0_and_a_reproducible_perturbation_otherwise(seed, name):
    p = problems.get(name)
    v0, _ = problems.problem.tree.ravel(p.x0)
    assert np.array_equal(problems.problem.tree.ravel(p.start(0))[0], v0)
    a, b = p.start(seed), p.start(seed)
    va, ta = problems.problem.tree.flatten(a)
    vb, _ = problems.problem.tree.flatten(b)
    assert ta == problems.problem.tree.flatten(p.x0)[1]       # same pytree structure
    assert all(np.array_equal(x, y) for x, y in zip(va, vb))
    flat = problems.problem.tree.ravel(a)[0]
    assert flat.shape == v0.shape and not np.array_equal(flat, v0)
    assert not np.array_equal(flat, problems.problem.tree.ravel(p.start(seed + 1))[0])
    if p.bounds is not None:
        lo, hi = np.array(p.bounds).T
        assert np.all(lo <= flat) and np.all(flat <= hi)


def test_start_refuses_negative_seeds():
    with pytest.raises(ValueError, match="seed >= 0"):
        problems.get("sphere").start(-1)


def test_check_reports_and_catches_a_wrong_optimum_and_a_wrong_gradient():
    good = problems.get("wood")
    report = good.check()
    assert report["f_x0"] == 19192.0 and report["grad_error"] < 1e-8
    wrong_star = Problem("bad", lambda x: np.sum((x - 1.0) ** 2), np.zeros(2), f_star=0.5,
                         x_star=np.ones(2))
    with pytest.raises(ValueError, match="fun\\(x_star\\)"):
        wrong_star.check()

    import optad

    @optad.primitive
    def twisted(x):
        return x ** 2

    optad.defvjp(twisted, lambda g, ans, x: g * 3.0 * x)   # wrong on purpose (should be 2x)
    wrong_grad = Problem("bad", lambda x: np.sum(twisted(x)), np.ones(2))
    with pytest.raises(ValueError, match="central differences"):
        wrong_grad.check()


def test_logistic_optimum_is_computed_lazily_and_import_loads_no_scipy():
    code = (
        "import sys, problems\n"
        "p = problems.get('logistic_regression')\n"
        "before = 'scipy' in sys.modules\n"
        "f = p.f_star\n"
        "print(before, 'scipy' in sys.modules, f > 0,"
        " 'optimizers' in sys.modules, 'plots' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "True", "True", "False", "False"]


def test_problems_sources_never_import_optimizers_or_plots():
    for path in (ROOT / "problems").glob("*.py"):
        text = path.read_text()
        for layer in ("optimizers", "plots"):
            assert f"import {layer}" not in text and f"from {layer}" not in text, path


def test_register_refuses_a_taken_name():
    with pytest.raises(ValueError, match="already registered"):
        problems.register("sphere", tags=(), default_n=2)(lambda n: None)
