"""Complex numbers: the conventions users see, and what stays refused.

grad of a real f(z) is ∂f/∂Re z + i·∂f/∂Im z (PyTorch's convention; JAX and autograd
return the conjugate); vjp and jvp are JAX's (the engines' own pairing, Re Σ ū·ż).
"""

import numpy as np
import optad
import optimizers
import pytest

from optad.errors import ComplexValueError

Z = np.array([1.0 + 2.0j, -0.5 + 0.3j, 2.0 - 1.0j])


def _numerical_complex_grad(f, z, h=1e-6):
    """∂f/∂Re z + i·∂f/∂Im z by central differences."""
    g = np.zeros(z.shape, dtype=complex)
    for k in range(z.size):
        e = np.zeros(z.shape)
        e.flat[k] = h
        g.flat[k] = ((f(z + e) - f(z - e)) + 1j * (f(z + 1j * e) - f(z - 1j * e))) / (2 * h)
    return g


def test_grad_convention_is_the_real_gradient_packed_as_complex():
    # |z|² = x² + y²: ∂/∂x + i ∂/∂y = 2x + 2iy = 2z (JAX documents 6-8j at 3+4j: the conjugate)
    assert optad.grad(lambda z: np.abs(z) ** 2)(3.0 + 4.0j) == pytest.approx(6.0 + 8.0j, rel=1e-15)
    f = lambda z: np.sum(np.abs(np.sin(z) * z) ** 2 + np.angle(z) * np.real(z))  # noqa: E731
    np.testing.assert_allclose(optad.grad(f)(Z), _numerical_complex_grad(f, Z), rtol=1e-7)


def test_gradient_descent_on_a_complex_variable_descends():
    target = np.array([0.5 - 1.0j, 2.0 + 2.0j])
    f = lambda z: np.sum(np.abs(z - target) ** 2)  # noqa: E731
    z = np.zeros(2, dtype=complex)
    for _ in range(100):
        z = z - 0.1 * optad.grad(f)(z)
    np.testing.assert_allclose(z, target, atol=1e-8)


def test_vjp_and_jvp_follow_jax():
    # holomorphic: vjp(ū) = ū·f'(z) and jvp(ż) = f'(z)·ż, no conjugation (JAX's documented
    # behaviour for holomorphic functions)
    y, pullback = optad.vjp(np.sin, Z)
    np.testing.assert_allclose(pullback(np.ones(3) + 0j)[0], np.cos(Z), rtol=1e-14)
    _, ydot = optad.jvp(np.sin, (Z,), (np.full(3, 1j),))
    np.testing.assert_allclose(ydot, 1j * np.cos(Z), rtol=1e-14)
    # real output: the cotangent 1 gives ∂f/∂x - i ∂f/∂y, the conjugate of grad (JAX's grad)
    _, pullback = optad.vjp(lambda z: np.abs(z) ** 2, 3.0 + 4.0j)
    assert pullback(1.0)[0] == pytest.approx(6.0 - 8.0j, rel=1e-15)


def test_jacobians_of_complex_outputs_of_real_inputs():
    f = lambda x: np.exp(1j * x) * x  # noqa: E731
    x = np.array([0.3, 0.7, -1.2])
    expected = np.diag(np.exp(1j * x) * (1 + 1j * x))
    np.testing.assert_allclose(optad.jacrev(f)(x), expected, rtol=1e-14)
    np.testing.assert_allclose(optad.jacfwd(f)(x), expected, rtol=1e-14)
    np.testing.assert_allclose(optad.jacobian(f)(x), expected, rtol=1e-14)


def test_hessian_of_a_real_function_with_complex_intermediates():
    f = lambda x: np.abs(np.sum(np.exp(1j * x) * x)) ** 2  # noqa: E731
    x = np.array([0.3, 0.7])
    h = optad.hessian(f)(x)
    eps = 1e-6
    numeric = np.stack([(optad.grad(f)(x + eps * e) - optad.grad(f)(x - eps * e)) / (2 * eps)
                        for e in np.eye(2)])
    np.testing.assert_allclose(h, numeric, rtol=1e-7)


def test_hvp_of_a_complex_input_is_the_real_hessian_applied():
    # f = Σ|z|⁴ over (x, y): at z = 1+2i the Hessian block is [[28, 16], [16, 44]]
    z = np.array([1.0 + 2.0j, 0.5 - 1.0j])
    hv = optad.hvp(lambda z: np.sum(np.abs(z) ** 4), z, np.array([1.0 + 0.0j, 0.0j]))
    np.testing.assert_allclose(hv, [28.0 + 16.0j, 0.0], atol=1e-12)


def test_fast_engine_hands_complex_calls_to_the_reference():
    f = lambda x: np.sum(np.abs(np.exp(1j * x) + x) ** 2) + np.sum(x ** 2)  # noqa: E731
    x = np.linspace(0.1, 1.0, 5000)          # past every size threshold of the fast engine
    with optad.reference():
        expected = optad.value_and_grad(f)(x)
    value, gradient = optad.value_and_grad(f)(x)
    assert value == expected[0]
    np.testing.assert_array_equal(gradient, expected[1])


def test_a_caught_hand_over_still_runs_on_the_reference():
    def f(x):
        try:
            y = x * 1j
        except Exception:       # a user's broad except must not hide the hand-over
            y = x
        return np.sum(np.abs(y) ** 2)
    np.testing.assert_allclose(optad.grad(f)(np.array([1.0, 2.0])), [2.0, 4.0])


def test_grad_of_a_complex_output_is_refused_with_the_fix():
    with pytest.raises(ComplexValueError, match=r"np.real\(y\), np.abs\(y\) \*\* 2"):
        optad.grad(lambda z: z * z)(1.0 + 1.0j)


def test_functions_without_complex_rules_refuse_complex_values():
    # (np.maximum and np.std have complex rules now: tests/test_complex_linalg.py)
    for f in (lambda z: np.sinc(z), lambda z: np.sign(z), lambda z: np.clip(z, 0, 1)):
        with pytest.raises(ComplexValueError, match="no complex derivative rule"):
            optad.grad(lambda z: np.abs(np.sum(f(z))))(Z)


def test_jacobian_and_hessian_of_complex_inputs_are_refused():
    for transform in (optad.jacobian, optad.jacfwd, optad.jacrev, optad.hessian):
        with pytest.raises(ComplexValueError, match="real and imaginary parts"):
            transform(lambda z: np.sum(np.abs(z) ** 2))(Z)


def test_sort_of_complex_values_is_a_permutation():
    # NumPy orders complex values lexicographically; the derivative follows the permutation
    f = lambda z: np.sum(np.sort(z) * np.array([1.0, 2.0, 3.0]))   # noqa: E731
    order = np.argsort(Z)
    _, pullback = optad.vjp(f, Z)
    expected = np.zeros(3, complex)
    expected[order] = [1.0, 2.0, 3.0]
    np.testing.assert_allclose(pullback(1.0 + 0j)[0], expected)


def test_writes_and_zeros_like_keep_the_imaginary_part():
    def f(z):
        y = np.zeros_like(z)
        y[1:] = z[:-1] * 2j
        return np.sum(np.abs(y) ** 2)
    np.testing.assert_allclose(optad.grad(f)(Z), [8 * Z[0], 8 * Z[1], 0.0])


def test_complex_values_match_numpy():
    def f(z):
        return np.sum(np.abs(z) + np.var(z) + np.linalg.norm(z) + np.real(z.conj() @ z))
    expected = f(Z)
    value, _ = optad.value_and_grad(f)(Z)
    assert value == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS", "Newton-CG", "gd"])
def test_minimize_over_a_complex_start_returns_a_complex_x(method):
    target = np.array([0.5 - 1.0j, 2.0 + 2.0j])
    res = optimizers.minimize(lambda z: np.sum(np.abs(z - target) ** 2), np.zeros(2, complex),
                              method=method, maxiter=500)
    assert res.x.dtype == np.complex128
    np.testing.assert_allclose(res.x, target, atol=1e-3 if method == "gd" else 1e-6)


def test_minimize_with_a_mixed_pytree():
    def f(p):
        return np.sum(np.abs(p["z"] * p["s"] - (1 + 1j)) ** 2) + (p["s"] - 2.0) ** 2
    res = optimizers.minimize(f, {"z": np.array([0.1j]), "s": 1.0}, method="BFGS")
    assert isinstance(res.x["s"], (float, np.floating)) and res.x["z"].dtype == complex
    np.testing.assert_allclose(res.x["z"], [(1 + 1j) / 2], atol=1e-6)


def test_an_inner_transform_lets_an_outer_hand_over_pass():
    # the inner vjp caught the outer trace's hand-over and carried on with no output
    f = lambda x: np.abs(x + 1j)  # noqa: E731
    x, v = np.array([0.5, 1.0]), np.ones(2)
    expected = (1 + x ** 2) ** -1.5       # d²/dx² sqrt(x² + 1)
    np.testing.assert_allclose(optad.grad(lambda x: np.sum(optad.vjp(f, x)[1](v)[0]))(x), expected)
    np.testing.assert_allclose(optad.grad(lambda x: np.sum(optad.jvp(f, (x,), (v,))[1]))(x),
                               expected)


def test_a_complex_inputs_cotangent_is_complex_inside_another_transform():
    z = np.complex128(0.4 + 0.3j)
    g = lambda x, v: optad.vjp(np.real, x)[1](v)[0]  # noqa: E731
    value, tangent = optad.jvp(g, (z, 1.0), (0.2 + 0.1j, 0.5))
    assert np.iscomplexobj(value) and value == 1.0 and tangent == 0.5
