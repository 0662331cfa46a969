"""A study's runs on local worker processes that may die, and that die with their parent.

A worker that dies hard (a segfault in a C extension, the out-of-memory killer,
``os._exit``) breaks a ``ProcessPoolExecutor``: every future still pending fails with
``BrokenProcessPool``, and nothing tells which run killed it. :func:`run_on_processes`
finds out in two simple steps:

1. Each worker first drops an empty marker file named after the run's index into a
   folder of this study, then runs it. After a break, the unfinished runs whose marker
   exists were in flight (the others were still queued and never started).
2. Each in-flight run is run again alone, in a process of its own. A run that kills its
   own process is the culprit: it is recorded as failed (``worker died: signal 11
   (SIGSEGV)``) and the study goes on; an innocent bystander, or a crash that does not
   repeat, simply finishes. The queued runs continue in a fresh pool.

A pool may also break while the runs are still being handed to it (a run that kills
its worker at once): the pool then refuses the rest, which is a break like any other.

Every break therefore settles at least one run (if no marker was written, every
unfinished run is run alone), so a study always ends, and a resume never meets the dead
run again: its failure is in the results file like any other.

Workers also watch their parent: a daemon thread polls ``os.getppid()`` and ends the
worker with ``os._exit`` once the parent is gone (a ``kill -9`` of ``optad compare``
used to leave its workers running, orphaned). Polling works for any start method and
whichever thread made the pool, where Linux's ``PR_SET_PDEATHSIG`` fires when the
*thread* that forked the worker ends.

>>> died_message(-11), died_message(1)
('worker died: signal 11 (SIGSEGV)', 'worker died: exit code 1')
"""

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from multiprocessing.connection import wait

from .runs import failed_record, run_task

__all__ = ["run_on_processes", "new_pool", "watch_parent", "died_message", "PARENT_POLL"]

#: Seconds between a worker's checks that its parent is still alive.
PARENT_POLL = 0.25


def watch_parent(parent_pid):
    """Worker initializer: end this process once ``parent_pid`` is no longer its parent.

    >>> watch_parent(os.getppid())      # our parent is alive: the watch goes on quietly
    """
    def watch():
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL)
        os._exit(1)     # the parent is gone (we were re-parented): nobody reads our results

    threading.Thread(target=watch, name="optad-watch-parent", daemon=True).start()


def new_pool(size):
    """A process pool of ``size`` workers that end when this process ends.

    >>> pool = new_pool(1); pool.submit(abs, -2).result(); pool.shutdown()
    2
    """
    return cf.ProcessPoolExecutor(max_workers=size, initializer=watch_parent,
                                  initargs=(os.getpid(),))


def died_message(exitcode):
    """What a record says about a worker process that ended with ``exitcode``.

    >>> died_message(-9)
    'worker died: signal 9 (SIGKILL)'
    """
    if exitcode is not None and exitcode < 0:
        try:
            name = f" ({signal.Signals(-exitcode).name})"
        except ValueError:
            name = ""
        return f"worker died: signal {-exitcode}{name}"
    return f"worker died: exit code {exitcode}"


def _tracked(task, index, marks):
    """In a pool worker: mark run ``index`` as started, then run it."""
    with open(os.path.join(marks, str(index)), "w"):
        pass
    return run_task(task)


def _alone(task, conn, parent_pid):
    """In a process of its own: run the task and send its record back."""
    watch_parent(parent_pid)
    conn.send(run_task(task))
    conn.close()


def run_on_processes(tasks, finished, size, pool=None):
    """Run ``tasks`` on worker processes; call ``finished(record)`` as each run ends.

    ``pool``: a ``ProcessPoolExecutor`` to start with (the caller's: not shut down here),
    or None for one of our own of ``size`` workers. After a break the study goes on in
    fresh pools of ``size`` workers. An exception from ``finished`` cancels what is left
    and propagates.
    """
    left = dict(enumerate(tasks))
    with tempfile.TemporaryDirectory(prefix="optad-runs-") as marks:
        while left:
            own = pool is None
            if own:
                pool = new_pool(min(size, len(left)))
            try:
                broke = _drain(pool, left, finished, marks)
            finally:
                if own:
                    pool.shutdown(wait=True, cancel_futures=True)
            pool = None
            if broke:
                started = [i for i in left if os.path.exists(os.path.join(marks, str(i)))]
                # No marker at all (the worker died before writing one): run everything alone.
                suspects = {i: left[i] for i in (started or list(left))}
                with contextlib.closing(_run_alone(suspects, size)) as alone:
                    for i, record in alone:
                        del left[i]
                        finished(record)


def _drain(pool, left, finished, marks):
    """Run every task of ``left`` on ``pool``, removing each as it finishes; True if the
    pool broke (the tasks still in ``left`` did not finish)."""
    futures = {}
    try:
        try:
            for i, task in left.items():
                futures[pool.submit(_tracked, task, i, marks)] = i
        except cf.process.BrokenProcessPool:
            # A worker died while runs were still being handed out (a run that kills its
            # process at once): the pool refuses the rest. A break like any other.
            cf.wait(futures)
            return _settle_break(futures, left, finished)
        for future in cf.as_completed(futures):
            if future.exception() is not None:
                if isinstance(future.exception(), cf.process.BrokenProcessPool):
                    break
                future.result()         # an error of ours (e.g. pickling): raise it
            del left[futures[future]]
            finished(future.result())
        else:
            return False
        return _settle_break(futures, left, finished)
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def _settle_break(futures, left, finished):
    """After a break: runs that finished just before it still count. Returns True."""
    for future, i in futures.items():
        if i in left and future.done() and not future.cancelled() \
                and future.exception() is None:
            del left[i]
            finished(future.result())
    return True


def _run_alone(tasks, size):
    """Yield ``(index, record)`` for each task run in a process of its own, ``size`` at a
    time; a task whose process dies gets a failed record saying how it died."""
    ctx = multiprocessing.get_context()
    queue = list(tasks.items())
    running = {}                # receiving end -> (index, task, process, start time)
    try:
        while queue or running:
            while queue and len(running) < size:
                i, task = queue.pop(0)
                recv, send = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_alone, args=(task, send, os.getpid()),
                                   name=f"optad-run-{i}")
                proc.start()
                send.close()    # now only the child holds it: its death reads as EOF
                running[recv] = (i, task, proc, time.perf_counter())
            for conn in wait(list(running)):
                i, task, proc, t0 = running.pop(conn)
                try:
                    record = conn.recv()
                except EOFError:
                    proc.join()
                    record = failed_record(task, died_message(proc.exitcode),
                                           time.perf_counter() - t0)
                conn.close()
                proc.join()
                yield i, record
    finally:
        for conn, (_, _, proc, _) in running.items():
            proc.terminate()
            proc.join()
            conn.close()
