"""The ``optad`` command on the real layers: ``compare`` (optimizers.compare, problems) and ``list``.

Integration tests: they run real optimizers on real problems, kept small (a few runs of
at most 60 iterations) so the file takes a few seconds.
"""

import json

import numpy as np
import pytest
from matplotlib.image import imread

import plots
from plots.cli import main

FIGURES = ["convergence.png", "convergence-nfev.png", "performance-profile.png",
           "data-profile.png", "trajectories-rosenbrock.png", "trajectories-booth.png"]
SMALL = ["compare", "--problems", "rosenbrock,booth", "--methods",
         "gd(line_search=True),BFGS", "--max-iter", "60", "--quiet"]


def lines_of(path):
    return path.read_text().splitlines()


def not_blank(path):
    img = imread(path)
    return img.shape[0] > 100 and img[..., :3].std() > 0.04


@pytest.mark.slow
def test_compare_writes_results_table_and_figures(tmp_path, capsys):
    out = tmp_path / "study"
    code = main(SMALL + ["--seeds", "2", "--out", str(out), "--workers", "1"])
    stdout = capsys.readouterr().out
    assert code == 0
    records = [json.loads(line) for line in lines_of(out / "results.jsonl")]
    assert len(records) == 2 * 2 * 2
    assert {r["label"] for r in records} == {"gd(line_search=True)", "BFGS"}
    assert {(r["problem"], r["seed"]) for r in records} == {
        (p, s) for p in ("rosenbrock", "booth") for s in (0, 1)}
    assert all(r["status"] == "ok" and r["nit"] <= 60 for r in records)
    # The summary table: one row per method, with the solved count out of 4 runs.
    table = stdout.split("\n\n")[0].splitlines()
    assert table[0].split()[:3] == ["method", "runs", "solved"]
    bfgs = next(line for line in table if line.startswith("BFGS"))
    assert bfgs.split()[1:3] == ["4", "4/4"]
    assert (out / "summary.txt").read_text().strip() == "\n".join(table).strip()
    for name in FIGURES:
        assert not_blank(out / name), name
        assert f"wrote {out / name}" in stdout


def test_compare_resume_runs_only_the_missing_runs(tmp_path, capsys):
    out = tmp_path / "study"
    assert main(SMALL + ["--seeds", "1", "--out", str(out), "--workers", "1",
                         "--no-figures"]) == 0
    first = lines_of(out / "results.jsonl")
    assert len(first) == 4
    # Two more seeds, resumed, on a process pool: the 4 old runs stay as they were.
    assert main(SMALL + ["--seeds", "3", "--out", str(out), "--workers", "2", "--resume",
                         "--no-figures"]) == 0
    second = lines_of(out / "results.jsonl")
    assert len(second) == 12 and second[:4] == first
    # Without --resume the study starts afresh.
    assert main(SMALL + ["--seeds", "1", "--out", str(out), "--workers", "1",
                         "--no-figures"]) == 0
    assert len(lines_of(out / "results.jsonl")) == 4
    assert not (out / "convergence.png").exists()


@pytest.mark.slow
def test_compare_other_formats_and_problem_sizes(tmp_path, capsys):
    out = tmp_path / "study"
    code = main(["compare", "--problems", "rosenbrock(n=5)", "--methods", "BFGS",
                 "--max-iter", "40", "--out", str(out), "--workers", "1", "--quiet",
                 "--format", "png,svg"])
    assert code == 0
    (rec,) = [json.loads(line) for line in lines_of(out / "results.jsonl")]
    assert rec["n"] == 5
    assert (out / "convergence.svg").read_text().lstrip().startswith("<?xml")
    assert not_blank(out / "convergence.png")
    assert not (out / "trajectories-rosenbrock.png").exists()     # n = 5: no contour map


@pytest.mark.parametrize("argv, message", [
    (["--methods", "warp-drive"], "Unknown method 'warp-drive'"),
    (["--methods", "adam(foo=1)"], "has no option 'foo'"),
    (["--methods", "adam(beta1=3)"], "beta1"),
    (["--problems", "rosenbrock(n=0)"], "n must be"),
    (["--max-iter", "0"], "--max-iter"),
    (["--problems", "no_such_problem"], "unknown problem"),
    (["--format", "gif"], "--format"),
    (["--seeds", "0"], "--seeds"),
])
def test_compare_usage_errors(argv, message, tmp_path, capsys):
    code = main(["compare", "--out", str(tmp_path / "o"), "--quiet"] + argv)
    assert code == 2
    assert message in capsys.readouterr().err


def test_list_shows_problems_suites_and_methods(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert rows["rosenbrock"][1:3] == ["2", "0"]
    assert "problem" in rows and "default" in rows
    assert "BFGS" in out and "Newton-CG" in out and "adam" in out


def test_method_names_are_checked_once_by_the_registry_in_any_case(tmp_path, capsys):
    # minimize(f, x0, "bfgs") works, so --methods bfgs must too (it used to be refused).
    out = tmp_path / "study"
    assert main(["compare", "--problems", "booth", "--methods", "bfgs,L-bfgs-b", "--max-iter",
                 "20", "--out", str(out), "--workers", "1", "--quiet", "--no-figures"]) == 0
    labels = [json.loads(line)["label"] for line in lines_of(out / "results.jsonl")]
    assert labels == ["BFGS", "L-BFGS-B"]


def test_an_internal_error_is_not_reported_as_a_usage_error(monkeypatch, capsys):
    import plots.study

    def broken(**kwargs):
        raise ValueError("a bug deep inside")

    monkeypatch.setattr(plots.study, "run_study", broken)
    assert main(["compare", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "internal error (ValueError: a bug deep inside)" in err and "Traceback" in err
    assert "optad compare: error:" not in err


def test_trajectories_read_the_iterates_from_the_records(monkeypatch):
    import optimizers
    import problems

    booth = problems.get("booth")
    records = optimizers.compare(["gd", ("adam", {"lr": 0.1}), "BFGS"], [booth], budget=50,
                                 executor="serial", progress=False)

    def no_runs(*args, **kwargs):
        raise AssertionError("trajectories ran an optimizer again")

    monkeypatch.setattr(optimizers, "minimize", no_runs)
    fig = plots.trajectories(booth, records=records)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [t.split(" (")[0] for t in texts] == ["gd", "adam(lr=0.1)", "BFGS"]
    for line, rec in zip(ax.get_lines(), records):
        assert len(line.get_xdata()) == len(rec["history"]["x"]) == rec["nit"] + 1
        # Each line ends at its run's final x: BFGS at Booth's minimizer (1, 3).
        assert np.allclose([line.get_xdata()[-1], line.get_ydata()[-1]], rec["x"])
    assert np.allclose(records[2]["x"], [1.0, 3.0], atol=1e-4)


def test_trajectories_without_records_run_the_methods():
    import problems

    fig = plots.trajectories(problems.get("booth"), methods=["gd", ("adam", {"lr": 0.1}), "BFGS"],
                             maxiter=50)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [t.split(" (")[0] for t in texts] == ["gd", "adam(lr=0.1)", "BFGS"]
    bfgs = ax.get_lines()[2]
    # BFGS ends at Booth's minimizer (1, 3).
    assert np.allclose([bfgs.get_xdata()[-1], bfgs.get_ydata()[-1]], [1.0, 3.0], atol=1e-4)
