"""optimizers.compare: the study grid, the results file, resume, failures and executors.

The problems are defined here (module-level, so they pickle), independent of the
``problems`` package."""

import concurrent.futures as cf
import faulthandler
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

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


def exits(x):
    """A worker killed outright: ``os._exit`` skips every handler."""
    os._exit(1)


def segfaults(x):
    """A segfault, as in a C extension (pytest's faulthandler would print a traceback)."""
    faulthandler.disable()
    os.kill(os.getpid(), signal.SIGSEGV)


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


DEADLY = [PROBLEMS[0], Problem("exits", exits, [0.0, 0.0], 0.0), PROBLEMS[1],
          Problem("segfaults", segfaults, [0.0], 0.0), PROBLEMS[2]]


def test_a_dead_worker_fails_its_run_and_the_study_goes_on(tmp_path):
    path = tmp_path / "study.jsonl"
    methods = ["BFGS", ("adam", {"lr": 0.05})]
    records = optimizers.compare(methods, DEADLY, budget=BUDGET, workers=2, results=path,
                                 progress=False)
    assert len(records) == 10 and len(lines_of(path)) == 10
    by = {(r["label"], r["problem"]): r for r in records}
    for lab in ("BFGS", "adam(lr=0.05)"):
        assert by[lab, "exits"]["status"] == "failed"
        assert by[lab, "exits"]["message"] == "worker died: exit code 1"
        assert by[lab, "segfaults"]["status"] == "failed"
        assert by[lab, "segfaults"]["message"].startswith("worker died: signal 11")
    fine = [r for r in records if r["problem"] not in ("exits", "segfaults")]
    serial = optimizers.compare(methods, PROBLEMS, budget=BUDGET, executor="serial",
                                progress=False)
    assert sorted(numbers(fine)) == sorted(numbers(serial))       # the others all finished

    again = []
    resumed = optimizers.compare(methods, DEADLY, budget=BUDGET, workers=2, results=path,
                                 on_result=again.append, progress=False)
    assert again == [] and resumed == records                    # the dead runs stay dead


class _BreaksWhileSubmitting(cf.ProcessPoolExecutor):
    """A caller's pool that breaks after ``ok`` runs were handed out, as when a worker
    dies at once while the study is still submitting (a race CI met)."""

    def __init__(self, ok, **kw):
        super().__init__(**kw)
        self.ok = ok

    def submit(self, fn, /, *args, **kwargs):
        if self.ok == 0:
            raise cf.process.BrokenProcessPool("a child process terminated abruptly")
        self.ok -= 1
        return super().submit(fn, *args, **kwargs)


def test_a_pool_that_breaks_while_runs_are_submitted():
    methods = ["BFGS", ("adam", {"lr": 0.05})]
    with _BreaksWhileSubmitting(2, max_workers=2) as pool:
        records = optimizers.compare(methods, PROBLEMS, budget=BUDGET, executor=pool,
                                     progress=False)
    serial = optimizers.compare(methods, PROBLEMS, budget=BUDGET, executor="serial",
                                progress=False)
    assert len(records) == len(serial)
    assert sorted(numbers(records)) == sorted(numbers(serial))   # every run finished


def test_a_dead_worker_in_a_callers_process_pool(tmp_path):
    with cf.ProcessPoolExecutor(max_workers=2) as pool:
        records = optimizers.compare(["BFGS"], DEADLY, budget=BUDGET, executor=pool,
                                     progress=False)
    assert [r["status"] for r in records] == ["ok", "failed", "ok", "failed", "ok"]


class FlakyExecutor(cf.Executor):
    """Runs tasks here, but fails the run of the problem ``booth`` the way Dask reports
    a worker it lost once its retries are spent (the future raises ``KilledWorker``).
    A real LocalCluster whose worker calls ``os._exit`` gives the same record, but takes
    20-50 s on this machine, and Dask also counts the death against the other tasks that
    worker held, so the test uses this stand-in."""

    def submit(self, fn, task):
        future = cf.Future()
        if task.problem_name == "booth":
            future.set_exception(RuntimeError("KilledWorker: worker restarted 3 times"))
        else:
            future.set_result(fn(task))
        return future


def test_a_run_the_executor_fails_is_recorded_as_failed(tmp_path):
    records = optimizers.compare(["BFGS"], PROBLEMS, budget=BUDGET, executor=FlakyExecutor(),
                                 results=tmp_path / "r.jsonl", progress=False)
    assert [r["status"] for r in records] == ["ok", "ok", "failed"]
    assert records[2]["message"] == ("executor failed the run: RuntimeError: KilledWorker: "
                                     "worker restarted 3 times")
    assert len(lines_of(tmp_path / "r.jsonl")) == 3


SLOW_STUDY = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    sys.path[:0] = [{root!r}, {tests!r}]
    import optimizers
    from test_compare import Problem

    def slow(x):
        time.sleep(0.05)
        return np.sum(x ** 2)

    if __name__ == "__main__":
        problems = [Problem(f"slow{{k}}", slow, [1.0, 1.0], 0.0) for k in range(4)]
        optimizers.compare([("gd", {{"lr": 1e-4}})], problems, budget=1000, workers=2,
                           progress=False, on_result=print)
""")


def _children(pid):
    """The pids whose parent is ``pid`` (Linux /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                out.append(int(entry))
    return out


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_workers_exit_when_the_study_is_killed(tmp_path):
    script = tmp_path / "study.py"
    tests = os.path.dirname(os.path.abspath(__file__))
    script.write_text(SLOW_STUDY.format(root=os.path.dirname(tests), tests=tests))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    workers = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            workers = [p for p in _children(parent.pid) if p != parent.pid]
        assert len(workers) >= 2, "the study never started its workers"
        time.sleep(0.5)                           # the workers are busy with runs
        parent.kill()                             # kill -9
        parent.wait()
        deadline = time.monotonic() + 5
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [w for w in workers if _alive(w)], "workers outlived their parent"
    finally:
        parent.kill()
        for w in workers:               # without the fix, orphans: end them here
            if _alive(w):
                os.kill(w, signal.SIGKILL)


def test_plain_fun_x0_pairs_and_a_dict_of_them(tmp_path):
    records = optimizers.compare(["BFGS"], (sphere, np.zeros(3)), budget=BUDGET,
                                 executor="serial", progress=False)
    assert [(r["problem"], r["n"], r["status"]) for r in records] == [("sphere", 3, "ok")]
    records = optimizers.compare(["BFGS", "gd"], {"bowl": (sphere, [0.0, 0.0]),
                                                  "rosen": (rosen, [-1.2, 1.0]),
                                                  "booth": PROBLEMS[2]},
                                 budget=BUDGET, workers=2, progress=False)
    assert [(r["label"], r["problem"]) for r in records] == [
        ("BFGS", "bowl"), ("BFGS", "rosen"), ("BFGS", "booth"),
        ("gd", "bowl"), ("gd", "rosen"), ("gd", "booth")]
    assert records[0]["fun"] < 1e-12 and records[0]["history"]["x"][0] == [0.0, 0.0]
    with pytest.raises(ValueError, match="distinct names"):
        optimizers.compare(["BFGS"], [(sphere, [0.0]), (sphere, [1.0])], progress=False)
    with pytest.raises(TypeError, match=r"\(fun, x0\) pair"):
        optimizers.compare(["BFGS"], [42], progress=False)


def test_the_record_format_has_one_key_and_one_label():
    records = optimizers.compare([("adam", {"lr": 0.05, "beta1": 0.8})], PROBLEMS[:1],
                                 budget=5, executor="serial", progress=False)
    r = records[0]
    assert r["label"] == optimizers.method_label("adam", {"beta1": 0.8, "lr": 0.05}) \
        == "adam(beta1=0.8, lr=0.05)"
    assert optimizers.run_key(r) == ("adam(beta1=0.8, lr=0.05)", "sphere", 3, 0)
    # A record of a user's own result has the same fields as compare's.
    res = optimizers.minimize(sphere, np.zeros(3), "BFGS")
    mine = optimizers.as_records(res)[0]
    assert set(mine) == set(r) and mine["label"] == "BFGS" and mine["status"] == "ok"
