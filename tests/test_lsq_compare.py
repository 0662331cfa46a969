"""Least-squares methods in studies: compare's "lsq-trf", "lsq-dogbox", "lsq-lm" and the CLI."""

import json

import numpy as np
import pytest

import optimizers
import problems
from optimizers import UnknownOptionError
from optimizers.compare import check_methods


def test_compare_runs_lsq_methods_into_ordinary_records():
    records = optimizers.compare(["lsq-trf", "LSQ-LM", ("lsq-dogbox", {"loss": "huber"}),
                                  "BFGS"], ["mgh15", "rosenbrock"], executor="serial",
                                 progress=False, resolve=problems.get)
    by = {(r["label"], r["problem"]): r for r in records}
    assert sorted({r["label"] for r in records}) == ["BFGS", "lsq-dogbox(loss=huber)",
                                                      "lsq-lm", "lsq-trf"]
    p = problems.get("mgh15")
    for label in ("lsq-trf", "lsq-lm"):
        r = by[(label, "mgh15")]
        assert r["status"] == "ok" and r["success"]
        assert r["fun"] == pytest.approx(p.f_star, rel=1e-4)   # F = Σ r², to the budget gtol
        h = r["history"]
        assert h["f"][-1] == pytest.approx(r["fun"]) and "cost" in h
        np.testing.assert_allclose(h["f"], 2.0 * np.array(h["cost"]), rtol=1e-14)
        assert r["nit"] == len(h["f"]) - 1 and r["njev"] >= r["nit"]
        assert r["budget"] == {"maxiter": 1000, "gtol": 1e-5}
    # The classic Rosenbrock is not written as residuals: a failed run, and the study goes on.
    bad = by[("lsq-trf", "rosenbrock")]
    assert bad["status"] == "failed" and "needs a sum-of-squares problem" in bad["message"]
    assert by[("BFGS", "rosenbrock")]["status"] == "ok"


def test_the_budget_reaches_least_squares():
    (rec,) = optimizers.compare(["lsq-lm"], ["mgh10"], budget={"maxiter": 5},
                                executor="serial", progress=False, resolve=problems.get)
    assert rec["nit"] == 5 and not rec["success"] and "maxiter = 5" in rec["message"]


def test_jit_reaches_least_squares_and_takes_the_same_steps(monkeypatch):
    seen = []
    real = optimizers.lsq_runs.least_squares
    monkeypatch.setattr(optimizers.lsq_runs, "least_squares",
                        lambda *a, **kw: seen.append(kw.get("jit")) or real(*a, **kw))
    runs = {jit: optimizers.compare(["lsq-trf"], ["mgh09"], executor="serial", jit=jit,
                                    progress=False, resolve=problems.get)[0]
            for jit in (False, True)}
    assert seen == [None, True] and runs[True]["budget"]["jit"] is True
    assert runs[True]["fun"] == pytest.approx(runs[False]["fun"], rel=1e-12, abs=1e-300)
    assert runs[True]["nit"] == runs[False]["nit"]


def test_lsq_options_are_checked_before_anything_runs():
    assert check_methods([("lsq-trf", {"x_scale": "jac"})]) == ["lsq-trf(x_scale=jac)"]
    with pytest.raises(UnknownOptionError, match="least_squares has no option 'lr'"):
        check_methods([("lsq-trf", {"lr": 0.1})])
    with pytest.raises(ValueError, match="loss must be one of"):
        check_methods([("lsq-trf", {"loss": "l1"})])
    with pytest.raises(optimizers.ArgumentTypeError):
        check_methods([("lsq-lm", {"max_nfev": 2.5})])


def test_the_command_line_runs_lsq_methods(tmp_path, capsys):
    from plots.cli import main

    out = tmp_path / "study"
    assert main(["compare", "--methods", "lsq-trf,lsq-lm", "--problems", "mgh01,mgh12",
                 "--workers", "1", "--quiet", "--no-figures", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "lsq-trf" in text and "lsq-lm" in text
    recs = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(recs) == 4 and all(r["status"] == "ok" for r in recs)
    assert main(["list"]) == 0
    assert "lsq-trf, lsq-dogbox, lsq-lm" in capsys.readouterr().out
