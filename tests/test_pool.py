"""The buffer pool across threads: release_memory empties every thread's pool, and a
thread's pool goes when the thread ends."""

import gc
import threading

import numpy as np
import pytest

import optad
from optad.pool import POOL, pooled_bytes


def _grad_in_threads(k, n, hold):
    """Run a large gradient in ``k`` threads; each reports its pool's bytes, then waits
    for ``hold`` before it ends (so its pool stays)."""
    computed, sizes, after = threading.Barrier(k + 1), [], []

    def work(seed):
        x = np.random.default_rng(seed).uniform(-1, 1, n)
        optad.grad(lambda x: np.sum(np.sin(x) * x + np.cos(x) ** 2))(x)
        sizes.append(POOL.nbytes)
        computed.wait()
        hold.wait()
        after.append(POOL.nbytes)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(k)]
    for t in threads:
        t.start()
    computed.wait()
    return threads, sizes, after


# The pool takes arrays back only when reference counts can tell they are dead: with
# optad.config.refcounts off (CPython >= 3.14, PyPy; pytest --no-refcounts) it stays empty.
pytestmark = pytest.mark.fast_engine
needs_refcounts = pytest.mark.skipif(not optad.config.refcounts,
                                     reason="the pool needs exact reference counts")


@needs_refcounts
def test_release_memory_empties_every_threads_pool():
    optad.release_memory()
    hold = threading.Event()
    threads, sizes, after = _grad_in_threads(8, 200_000, hold)
    try:
        assert len(sizes) == 8 and all(s > 0 for s in sizes)   # each thread pooled buffers
        assert pooled_bytes() == sum(sizes)
        assert optad.release_memory() == sum(sizes)           # from this other thread
        assert pooled_bytes() == 0
    finally:
        hold.set()
        for t in threads:
            t.join()
    assert after == [0] * 8


@needs_refcounts
def test_a_threads_pool_goes_when_the_thread_ends():
    optad.release_memory()
    hold = threading.Event()
    threads, sizes, _ = _grad_in_threads(4, 200_000, hold)
    assert pooled_bytes() == sum(sizes) > 0
    hold.set()
    for t in threads:
        t.join()
    gc.collect()
    assert pooled_bytes() == 0


@needs_refcounts
def test_a_thread_refills_its_pool_after_another_thread_released_it():
    # The owner's byte count is an upper bound; after a release elsewhere it must be
    # recounted when it reaches the cap, not left full (which would stop pooling).
    optad.release_memory()
    start, go, done = threading.Event(), threading.Event(), []

    def work():
        f = optad.grad(lambda x: np.sum(np.sin(x) * x))
        x = np.ones(200_000)
        f(x)
        start.set()
        go.wait()
        kept = 0
        while kept < 2 * optad.config.pool_max_bytes:            # pushes the bound past the cap
            f(x)
            kept += 3 * x.nbytes
        done.append(POOL.nbytes)

    t = threading.Thread(target=work)
    t.start()
    start.wait()
    optad.release_memory()
    go.set()
    t.join()
    assert 0 < done[0] <= optad.config.pool_max_bytes
