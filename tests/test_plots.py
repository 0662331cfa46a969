"""Figures from synthetic records: they render with Agg, say what they claim, and are not blank.

These tests use ``plots.example_records`` and hand-made records only, so they do not
depend on the optimizers or problems layers.
"""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.image import imread

import plots
from plots.convergence import median_band
from plots.profiles import cost_table
from plots.records import example_records, label_of, references, solved_cost
from plots.style import pixels, save_figure

LABELS = ["gd", "adam(lr=0.01)", "BFGS"]


def legend_texts(legend):
    return [t.get_text() for t in legend.get_texts()]


def assert_not_blank(fig, tmp_path, name="fig.png"):
    """Rendered pixels vary, and so does the written PNG."""
    px = pixels(fig)[..., :3].astype(float)
    assert px.std() > 10, "figure renders as a flat image"
    path = save_figure(fig, tmp_path / name)
    img = imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    assert img[..., :3].std() > 0.04, "saved PNG is blank"
    # Not one colour: many distinct pixel values (lines, text, bands).
    assert len(np.unique((img[..., :3] * 255).astype(int).reshape(-1, 3), axis=0)) > 20


def failing(record):
    r = dict(record, status="failed", history=None, message="objective raised ValueError")
    return r


# ---------------------------------------------------------------- convergence


@pytest.mark.slow
def test_convergence_grid_one_subplot_per_problem_one_line_per_method(tmp_path):
    recs = example_records(problems=("booth", "rosenbrock", "noopt", "beale"), seeds=(0, 1, 2))
    fig = plots.convergence(recs, ncols=2)
    axes = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in axes] == ["booth (n=2)", "rosenbrock (n=2)",
                                               "noopt (n=2)", "beale (n=2)"]
    for ax in axes:
        assert ax.get_yscale() == "log"
        assert ax.get_xlabel() == "iterations"
        assert len(ax.get_lines()) == 3
        # A min–max band per method when there are several seeds.
        assert len(ax.collections) == 3
    assert axes[0].get_ylabel() == "f − f*"
    assert axes[2].get_ylabel() == "f"          # f* unknown, f stays positive
    assert legend_texts(fig.legends[0]) == LABELS
    assert "median over 3 seeds" in fig.get_suptitle()
    assert_not_blank(fig, tmp_path)


def test_convergence_single_problem_has_its_own_legend_and_axes(tmp_path):
    fig = plots.convergence(example_records(problems=("booth",), seeds=(0,)), x="time")
    (ax,) = fig.axes
    assert ax.get_xlabel() == "seconds" and ax.get_yscale() == "log"
    assert legend_texts(ax.get_legend()) == LABELS
    assert len(ax.collections) == 0             # one seed: no band
    assert_not_blank(fig, tmp_path)


@pytest.mark.parametrize("x, label", [("iterations", "iterations"),
                                      ("nfev", "function evaluations"),
                                      ("time", "seconds")])
def test_convergence_x_axes(x, label):
    ax = plots.convergence(example_records(problems=("booth",)), x=x).axes[0]
    assert ax.get_xlabel() == label


def test_convergence_medians_are_the_plotted_data():
    recs = example_records(problems=("booth",), seeds=(0, 1))
    ax = plots.convergence(recs).axes[0]
    gd = ax.get_lines()[0]
    # gd's gap halves from 24 (seed 0) and 48 (seed 1): the median starts at 36.
    assert gd.get_ydata()[0] == pytest.approx(36.0)
    assert gd.get_ydata()[1] == pytest.approx(18.0)
    assert gd.get_xdata()[:3].tolist() == [0.0, 1.0, 2.0]


def test_convergence_grad_norm_and_log_x():
    ax = plots.convergence(example_records(problems=("booth",)), y="grad_norm",
                           xscale="log").axes[0]
    assert ax.get_ylabel() == "‖∇f‖"
    assert ax.get_xscale() == "symlog" and ax.get_yscale() == "log"


def test_convergence_gap_to_best_when_f_star_unknown_and_f_negative():
    recs = example_records(problems=("noopt",), seeds=(0,))
    for r in recs:
        r["history"]["f"] = [v - 100.0 for v in r["history"]["f"]]
    ax = plots.convergence(recs).axes[0]
    assert ax.get_ylabel() == "f − f_best" and ax.get_yscale() == "log"
    assert np.all(np.asarray(ax.get_lines()[0].get_ydata()) > 0)


def test_convergence_gap_below_rounding_is_floored_not_dropped():
    recs = example_records(problems=("booth",), seeds=(0,))
    recs[2]["history"]["f"][-1] = -1e-3        # BFGS "below" f* = 0 by rounding
    ax = plots.convergence(recs).axes[0]
    y = np.asarray(ax.get_lines()[2].get_ydata())
    assert np.all(np.isfinite(y)) and y.min() > 0


def test_convergence_counts_failed_runs_and_still_draws_the_others():
    recs = example_records(problems=("booth",), seeds=(0, 1))
    recs[1] = failing(recs[1])                 # adam, seed 0
    ax = plots.convergence(recs).axes[0]
    assert len(ax.get_lines()) == 3
    assert any("adam(lr=0.01) ×1" in t.get_text() for t in ax.texts)


def test_convergence_rejects_unknown_axes_and_problems():
    recs = example_records()
    with pytest.raises(ValueError, match="unknown x axis"):
        plots.convergence(recs, x="epochs")
    with pytest.raises(ValueError, match="no records for problem"):
        plots.convergence(recs, problems=["nope"])


def test_same_name_different_sizes_are_different_problems():
    small = example_records(problems=("rosenbrock",), seeds=(0,))
    big = [dict(r, n=10) for r in example_records(problems=("rosenbrock",), seeds=(0,))]
    for r in big:
        r["history"] = dict(r["history"], f=[2 * v for v in r["history"]["f"]])
    recs = small + big
    fig = plots.convergence(recs)
    assert [ax.get_title() for ax in fig.axes if ax.axison] == [
        "rosenbrock (n=2)", "rosenbrock (n=10)"]
    assert [ax.get_title() for ax in plots.convergence(recs, problems=[("rosenbrock", 10)]).axes
            ] == ["rosenbrock (n=10)"]
    labels, inst, _ = cost_table(recs)
    assert inst == [("rosenbrock", 2, 0), ("rosenbrock", 10, 0)]
    rows = plots.summarize(recs)
    assert rows[0]["runs"] == 2 and rows[0]["solved"] == 2


def test_median_band_carries_finished_runs_forward():
    g, med, lo, hi = median_band([[0, 1, 2, 3], [0, 1]], [[8, 4, 2, 1], [6, 2]], integer=True)
    assert g.tolist() == [0, 1, 2, 3]
    assert lo.tolist() == [6, 2, 2, 1] and hi.tolist() == [8, 4, 2, 2]
    assert med.tolist() == [7, 3, 2, 1.5]


def test_median_band_on_evaluation_grid_is_a_step_function():
    g, med, lo, hi = median_band([[1, 3, 5]], [[9.0, 3.0, 1.0]])
    assert g.tolist() == [1, 3, 5] and med.tolist() == [9, 3, 1]
    g, med, _, _ = median_band([[1, 3], [2, 4]], [[8.0, 2.0], [6.0, 1.0]])
    assert g.tolist() == [1, 2, 3, 4]
    assert np.isnan(med[0]) or med[0] == 8.0   # only one series has started
    assert med[1:].tolist() == [7.0, 4.0, 1.5]


# ---------------------------------------------------------------- solved test and profiles


def test_solved_test_is_relative_reduction_of_the_initial_gap():
    rec = example_records(problems=("booth",), seeds=(0,))[0]  # gd: f* = 0, f = 24 · 0.5^k
    assert solved_cost(rec, 0.0, tol=0.5, measure="iterations") == 1.0     # 12 ≤ 0.5 · 24
    assert solved_cost(rec, 0.0, tol=1e-3, measure="iterations") == 10.0   # 24/1024 ≤ 0.024
    assert solved_cost(rec, 0.0, tol=1e-3, measure="nfev") == 11.0
    assert solved_cost(rec, 0.0, tol=1e-30) == math.inf
    assert solved_cost(failing(rec), 0.0, tol=0.5) == math.inf
    # The test is relative to the start's gap: with f_ref = 20 the gap starts at 4.
    assert solved_cost(rec, 20.0, tol=0.5, measure="iterations") == 1.0


def test_reference_is_f_star_or_best_found():
    refs = references(example_records(problems=("booth", "noopt"), seeds=(0,)))
    assert refs[("booth", 2)] == (0.0, True)
    value, known = refs[("noopt", 2)]
    assert not known and value == pytest.approx(48 * 0.5 ** 59)


def test_cost_table_and_performance_profile_values():
    recs = example_records(problems=("booth", "rosenbrock"), seeds=(0,))
    labels, inst, costs = cost_table(recs, "nfev", tol=0.1)
    assert labels == LABELS and inst == [("booth", 2, 0), ("rosenbrock", 2, 0)]
    assert costs[0].tolist() == [5.0, 12.0, 3.0]
    fig = plots.performance_profile(recs, tol=0.1)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_ylim()[1] >= 1.0
    assert ax.get_xlabel().startswith("performance ratio")
    assert ax.get_ylabel() == "fraction of problems solved"
    assert legend_texts(ax.get_legend()) == LABELS
    lines = ax.get_lines()
    assert len(lines) == 3
    # BFGS is the cheapest everywhere: its profile is 1 from τ = 1 on.
    assert lines[2].get_ydata()[0] == 1.0
    # gd needs 5/3 of BFGS's evaluations on booth: solved at τ = 5/3, not before.
    xs, ys = lines[0].get_xdata(), lines[0].get_ydata()
    assert ys[0] == 0.0 and xs[1] == pytest.approx(5 / 3) and ys[-1] == 1.0
    assert "solved: f − f* ≤ 0.1·(f0 − f*)" in ax.get_title()


def test_profiles_count_failed_runs_as_unsolved(tmp_path):
    recs = example_records(problems=("booth", "rosenbrock"), seeds=(0, 1))
    recs = [failing(r) if label_of(r) == "gd" and r["problem"] == "booth" else r for r in recs]
    ax = plots.data_profile(recs).axes[0]
    gd = ax.get_lines()[0]
    assert gd.get_ydata()[-1] == pytest.approx(0.5)     # 2 of 4 instances
    assert ax.get_lines()[2].get_ydata()[-1] == 1.0
    assert_not_blank(ax.figure, tmp_path)


def test_data_profile_budget_in_simplex_gradients():
    recs = example_records(problems=("booth",), seeds=(0,))
    ax = plots.data_profile(recs, tol=0.1).axes[0]
    assert "n + 1" in ax.get_xlabel()
    bfgs = ax.get_lines()[2]
    assert bfgs.get_xdata()[1] == pytest.approx(3 / 3)    # 3 evaluations, n + 1 = 3
    raw = plots.data_profile(recs, tol=0.1, per_dimension=False).axes[0]
    assert raw.get_lines()[2].get_xdata()[1] == pytest.approx(3.0)


def test_performance_profile_png_not_blank(tmp_path):
    assert_not_blank(plots.performance_profile(example_records()), tmp_path)


# ---------------------------------------------------------------- summary


def test_summary_counts_solved_and_failed():
    recs = example_records(problems=("booth",), seeds=(0, 1))
    recs[0] = failing(recs[0])
    rows = {r["label"]: r for r in plots.summarize(recs, tol=1e-6)}
    assert rows["gd"]["runs"] == 2 and rows["gd"]["failed"] == 1 and rows["gd"]["solved"] == 1
    assert rows["BFGS"]["solved"] == 2 and rows["BFGS"]["nit"] == 7
    text = plots.summary_table(recs)
    assert text.splitlines()[0].split()[:2] == ["method", "runs"]
    assert "1/2" in text and "2/2" in text


# ---------------------------------------------------------------- trajectories


class Bowl:
    name = "bowl"
    x0 = np.array([2.0, 1.5])
    x_star = np.zeros(2)
    bounds = None

    @staticmethod
    def fun(x):
        return x[0] ** 2 + 10.0 * x[1] ** 2


def test_trajectories_from_given_paths(tmp_path):
    paths = {"gd": [[2.0, 1.5], [1.6, 0.0], [1.2, 0.1], [0.0, 0.0]],
             "BFGS": [[2.0, 1.5], [0.0, 0.0]]}
    fig = plots.trajectories(Bowl, paths=paths)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "x₁" and ax.get_ylabel() == "x₂"
    assert len(ax.get_lines()) == 2
    assert legend_texts(ax.get_legend()) == ["gd (3 steps)", "BFGS (1 steps)"]
    assert "bowl" in ax.get_title()
    assert len(fig.axes) == 2                                  # the colour bar
    assert_not_blank(fig, tmp_path)


def test_trajectories_need_a_2d_problem():
    class Big(Bowl):
        x0 = np.ones(3)
    with pytest.raises(ValueError, match="2-D"):
        plots.trajectories(Big, paths={"gd": [[1, 1]]})


def test_trajectories_grid_handles_non_vectorised_objectives():
    class Summed(Bowl):
        @staticmethod
        def fun(x):
            return float(np.sum(np.asarray(x) ** 2))    # works on one point only
    fig = plots.trajectories(Summed, paths={"gd": [[2.0, 1.5], [0.0, 0.0]]})
    assert len(fig.axes[0].collections) > 2                    # contour sets were drawn


# ---------------------------------------------------------------- the trace graph


def test_draw_trace_of_the_seed_example(tmp_path):
    import optad

    t = optad.trace(lambda x1, x2: x1 * x2 + np.sin(x1), 2.0, 3.0)
    fig = plots.draw_trace(t)
    ax = fig.axes[0]
    boxes = [tx.get_text() for tx in ax.texts if tx.get_text()]
    assert len(boxes) == 5
    assert any("w5 = w3 + w4" in b and "6.909" in b for b in boxes)
    assert any(b.startswith("w1 = x1") and "2.584" in b for b in boxes)
    assert len(ax.texts) - len(boxes) == 5                    # five edges
    assert_not_blank(fig, tmp_path)


# ---------------------------------------------------------------- no windows


def test_figures_never_load_pyplot():
    code = (
        "import sys, plots\n"
        "r = plots.example_records()\n"
        "plots.convergence(r); plots.performance_profile(r); plots.data_profile(r)\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    env = dict(os.environ, MPLBACKEND="")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(__file__)), env=env)
    assert out.stdout.strip() == "False"


def test_load_records_skips_a_torn_last_line(tmp_path):
    import json

    path = tmp_path / "results.jsonl"
    recs = example_records(problems=("booth",), seeds=(0,))
    path.write_text("".join(json.dumps(r) + "\n" for r in recs) + '{"method": "gd", "pro')
    assert [label_of(r) for r in plots.load_records(path)] == LABELS


def _user_results():
    import optimizers

    rosen = lambda x: np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)  # noqa: E731
    x0 = np.array([-1.2, 1.0])
    return (optimizers.minimize(rosen, x0, "BFGS"),
            optimizers.minimize(rosen, x0, "adam", lr=0.05, maxiter=200))


def test_convergence_of_a_users_own_minimize_results():
    bfgs, adam = _user_results()
    # One result, a list of results, and {label: result}: each is one line per run.
    one = plots.convergence(bfgs).axes[0]
    assert [t.get_text() for t in one.get_legend().get_texts()] == ["BFGS"]
    line = one.get_lines()[0]
    assert len(line.get_xdata()) == bfgs.nit + 1
    np.testing.assert_allclose(line.get_ydata()[0], bfgs.history.column("f")[0])
    listed = plots.convergence([bfgs, adam, bfgs]).axes[0]
    assert [t.get_text() for t in listed.get_legend().get_texts()] == ["BFGS", "adam", "BFGS #2"]
    named = plots.convergence({"BFGS": bfgs, "my adam": adam}, x="nfev").axes[0]
    assert [t.get_text() for t in named.get_legend().get_texts()] == ["BFGS", "my adam"]
    assert plots.summarize({"BFGS": bfgs, "my adam": adam})[0]["nit"] == bfgs.nit
    with pytest.raises(TypeError, match="minimize results"):
        plots.convergence({"BFGS": "not a result"})


def test_plots_and_optimizers_share_one_label_and_one_reader():
    import optimizers
    from plots import records

    assert records.method_label is optimizers.method_label
    assert records.load_records("/dev/null") == []
    opts = {"lr": 0.01, "amsgrad": True, "beta1": 0.5}
    assert records.label_of({"method": "adam", "options": opts}) == \
        optimizers.method_label("adam", opts) == "adam(amsgrad=True, beta1=0.5, lr=0.01)"
