"""MGH 31 (Broyden banded) by shifted slices: the dense band matrix's values, O(n) memory."""

import numpy as np
import pytest

import optad
import problems


def dense_residuals(n):
    """The former formula: a dense n × n band matrix (ml = 5, mu = 1)."""
    i, j = np.indices((n, n))
    band = ((j >= i - 5) & (j <= i + 1) & (j != i)).astype(float)
    return lambda x: x * (2.0 + 5.0 * x * x) + 1.0 - band @ (x * (1.0 + x))


def loop_residuals(x):
    """The paper's definition, one residual at a time (1-based J_i in the paper)."""
    n = x.size
    out = []
    for i in range(n):
        s = sum(x[j] * (1.0 + x[j]) for j in range(max(0, i - 5), min(n, i + 2)) if j != i)
        out.append(x[i] * (2.0 + 5.0 * x[i] ** 2) + 1.0 - s)
    return np.array(out)


@pytest.mark.parametrize("n", [1, 2, 5, 6, 7, 10, 31])
def test_slices_equal_the_dense_band_matrix_and_the_loop(n):
    p = problems.get("mgh31", n=n)
    for seed in range(3):
        x = np.random.default_rng(seed).standard_normal(n)
        r = p.residuals(x)
        # Equal to rounding: only the order of the band sum's additions changed.
        np.testing.assert_allclose(r, dense_residuals(n)(x), rtol=1e-14, atol=1e-14)
        np.testing.assert_allclose(r, loop_residuals(x), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(p.value(p.x0), np.sum(dense_residuals(n)(p.x0) ** 2),
                               rtol=1e-15)


def test_n_10000_fits_and_its_jacobian_is_banded():
    p = problems.get("mgh31", n=10_000)
    r = p.residuals(p.x0)
    assert r.shape == (10_000,) and np.all(np.isfinite(r))
    g = optad.grad(p.fun)(p.x0)
    assert g.shape == (10_000,) and np.all(np.isfinite(g))
    # A row of the Jacobian (one backward pass) touches columns i-5 .. i+1 only.
    row = optad.vjp(p.residuals, p.x0)[1](np.eye(1, 10_000, 5000)[0])[0]
    assert set(np.flatnonzero(row)) == set(range(4995, 5002))
