"""optimizers.compare: the study grid, the results file, resume, failures and executors.

The problems are defined here (module-level, so they pickle), independent of the
``problems`` package."""

import json
import subprocess
import sys

import numpy as np
import pytest

import optimizers


def sphere(x):
    return np.sum((x - 1.0) ** 2)


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def booth(x):
    return (x[0] + 2 * x[1] - 7) ** 2 + (2 * x[0] + x[1] - 5) ** 2


def explodes(x):
    raise RuntimeError("objective exploded")


def diverges(x):
    """Finite near the start, NaN once x[0] passes 0.5 (a run 'diverging')."""
    return np.sum((x - 2.0) ** 2) + np.log(0.5 - x[0])


class Problem:
    """A Problem-like object: name, fun, x0, n, f_star and start(seed)."""

    def __init__(self, name, fun, x0, f_star):
        self.name, self.fun, self.x0, self.f_star = name, fun, np.asarray(x0, float), f_star
        self.n = self.x0.size

    def start(self, seed=0):
        if seed == 0:
            return self.x0.copy()
        return self.x0 + 0.1 * np.random.default_rng(seed).standard_normal(self.n)


PROBLEMS = [Problem("sphere", sphere, [0.0, 0.0, 0.0], 0.0),
            Problem("rosenbrock", rosen, [-1.2, 1.0], 0.0),
            Problem("booth", booth, [0.0, 0.0], 0.0)]
METHODS = ["BFGS", "L-BFGS-B", ("adam", {"lr": 0.05})]
BUDGET = {"maxiter": 300, "gtol": 1e-6}


def get(name, n=None):
    """A name resolver, as the command line passes ``problems.get``."""
    p = {q.name: q for q in PROBLEMS}[name]
    if n is not None:
        return Problem(f"{name}", p.fun, np.zeros(n), p.f_star)
    return p


def numbers(records):
    """What must not depend on where a run ran: everything but the timings."""
    return [(r["label"], r["problem"], r["seed"], r["status"], r["fun"], r["nit"], r["nfev"],
             r["x"], r["history"]["f"]) for r in records]


def lines_of(path):
    text = path.read_text()
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_a_study_writes_every_run(tmp_path):
    path = tmp_path / "study.jsonl"
    records = optimizers.compare(METHODS, PROBLEMS, seeds=(0, 1), budget=BUDGET,
                                 executor="serial", results=path, progress=False)
    assert len(records) == 18
    on_disk = lines_of(path)
    assert len(on_disk) == 18
    keys = {(r["label"], r["problem"], r["seed"]) for r in on_disk}
    assert len(keys) == 18
    assert {r["label"] for r in records} == {"BFGS", "L-BFGS-B", "adam(lr=0.05)"}
    first = records[0]
    for field in ("method", "options", "label", "problem", "n", "seed", "f_star", "status",
                  "fun", "nit", "nfev", "njev", "success", "message", "time", "x", "history"):
        assert field in first
    assert all(r["status"] == "ok" for r in records)
    assert all(r["fun"] < 1e-6 for r in records if r["method"] != "adam")
    h = optimizers.History.from_dict(first["history"])
    assert len(h) == first["nit"] + 1
    # seeds pick different starts: seed 1 starts away from the standard x0
    s0, s1 = records[0], records[1]
    assert (s0["seed"], s1["seed"]) == (0, 1) and s0["history"]["f"][0] != s1["history"]["f"][0]


def test_a_stopped_study_resumes_with_only_the_missing_runs(tmp_path):
    path = tmp_path / "study.jsonl"
    finished = []

    def stop_after_five(record):
        finished.append(record)
        if len(finished) == 5:
            raise KeyboardInterrupt("stop the study")

    with pytest.raises(KeyboardInterrupt):
        optimizers.compare(METHODS, PROBLEMS, seeds=(0, 1), budget=BUDGET, executor="serial",
                           results=path, on_result=stop_after_five, progress=False)
    assert len(lines_of(path)) == 5                    # every finished run, whole lines

    # A crash mid-write would leave a torn last line: resume drops it and reruns that run.
    with open(path, "ab") as fh:
        fh.write(b'{"method": "BFGS", "label": "BF')
    rerun = []
    records = optimizers.compare(METHODS, PROBLEMS, seeds=(0, 1), budget=BUDGET, workers=2,
                                 results=path, on_result=rerun.append, progress=False)
    assert len(rerun) == 13 and len(records) == 18
    done_first = {(r["label"], r["problem"], r["seed"]) for r in finished}
    assert not done_first & {(r["label"], r["problem"], r["seed"]) for r in rerun}
    assert len(lines_of(path)) == 18

    again = optimizers.compare(METHODS, PROBLEMS, seeds=(0, 1), budget=BUDGET,
                               results=path, on_result=rerun.append, progress=False)
    assert len(rerun) == 13 and numbers(again) == numbers(records)   # nothing ran

    fresh = optimizers.compare(["BFGS"], PROBLEMS[:1], results=path, resume=False,
                               progress=False)
    assert len(fresh) == 1 and len(lines_of(path)) == 1


def test_stopping_a_pooled_study_cancels_the_rest(tmp_path):
    path = tmp_path / "study.jsonl"

    def stop(record):
        raise RuntimeError("enough")

    with pytest.raises(RuntimeError, match="enough"):
        optimizers.compare(METHODS, PROBLEMS, seeds=(0, 1), budget=BUDGET, workers=2,
                           results=path, on_result=stop, progress=False)
    assert len(lines_of(path)) == 1        # written before on_result ran; nothing after


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_failing_run_is_recorded_and_the_study_goes_on(tmp_path):
    path = tmp_path / "study.jsonl"
    problems = [PROBLEMS[0], Problem("explodes", explodes, [0.0], None),
                Problem("diverges", diverges, [0.0, 0.0], None)]
    records = optimizers.compare(["gd", "BFGS"], problems, budget=BUDGET, executor="serial",
                                 results=path, progress=False)
    by = {(r["method"], r["problem"]): r for r in records}
    assert len(lines_of(path)) == 6
    for method in ("gd", "BFGS"):
        assert by[method, "sphere"]["status"] == "ok"
        boom = by[method, "explodes"]
        assert boom["status"] == "failed" and "RuntimeError: objective exploded" in boom["message"]
        div = by[method, "diverges"]
        assert div["status"] == "failed" and "is nan" in div["message"]
        assert div["fun"] is not None and all(np.isfinite(div["x"]))


def test_process_pool_gives_the_same_numbers_as_serial(tmp_path):
    serial = optimizers.compare(METHODS, PROBLEMS, seeds=(0, 1), budget=BUDGET,
                                executor="serial", progress=False)
    pooled = optimizers.compare(METHODS, PROBLEMS, seeds=(0, 1), budget=BUDGET, workers=2,
                                results=tmp_path / "pool.jsonl", progress=False)
    assert numbers(pooled) == numbers(serial)


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_numbers_as_serial():
    distributed = pytest.importorskip("distributed")
    import cloudpickle
    cloudpickle.register_pickle_by_value(sys.modules[__name__])   # workers can't import tests
    serial = optimizers.compare(METHODS, PROBLEMS[:2], budget=BUDGET, executor="serial",
                                progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            remote = optimizers.compare(METHODS, PROBLEMS[:2], budget=BUDGET,
                                        executor=client.get_executor(), progress=False)
    assert numbers(remote) == numbers(serial)


def test_problem_names_need_a_resolver(tmp_path):
    records = optimizers.compare(["BFGS"], ["sphere", ("booth", {}), ("rosenbrock", {"n": 4})],
                                 resolve=get, budget=BUDGET, workers=2, progress=False)
    assert [(r["problem"], r["n"]) for r in records] == [("sphere", 3), ("booth", 2),
                                                         ("rosenbrock", 4)]
    assert all(r["status"] == "ok" for r in records)
    with pytest.raises(TypeError, match="resolve=problems.get"):
        optimizers.compare(["BFGS"], ["sphere"])


def test_bad_studies_fail_before_anything_runs(tmp_path):
    path = tmp_path / "never.jsonl"
    with pytest.raises(optimizers.UnknownMethodError):
        optimizers.compare(["BFGS", "nope"], PROBLEMS, results=path)
    with pytest.raises(optimizers.UnknownOptionError):
        optimizers.compare([("adam", {"learning_rate": 0.1})], PROBLEMS, results=path)
    with pytest.raises(ValueError, match="beta1"):
        optimizers.compare([("adam", {"beta1": 2.0})], PROBLEMS, results=path)
    with pytest.raises(ValueError, match="budget"):
        optimizers.compare(["BFGS"], PROBLEMS, budget={"iterations": 5}, results=path)
    with pytest.raises(ValueError, match="listed twice"):
        optimizers.compare(["BFGS", "bfgs"], PROBLEMS, results=path)
    assert not path.exists()
    unpicklable = Problem("lambda", lambda x: np.sum(x ** 2), [1.0], 0.0)
    with pytest.raises(TypeError, match="executor='serial'"):
        optimizers.compare(["BFGS", "CG"], [unpicklable], workers=2, progress=False)
    assert optimizers.compare(["BFGS", "CG"], [unpicklable], executor="serial",
                              progress=False)[1]["status"] == "ok"


def test_budget_forms_and_the_progress_bar(capsys):
    records = optimizers.compare([("gd", {"lr": 1e-3})], PROBLEMS[:1], budget=5,
                                 executor="serial")
    assert records[0]["nit"] == 5 and records[0]["budget"] == {"maxiter": 5}
    assert "compare" in capsys.readouterr().err


def test_optimizers_does_not_import_problems_or_plots():
    code = ("import sys, optimizers; bad = [m for m in ('problems', 'plots', 'matplotlib') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
