"""The teaching view shows the real engine's forward values and adjoints, step by step."""

import numpy as np
import pytest

import optad


def seed(x1, x2):
    return x1 * x2 + np.sin(x1)


def test_seed_example_wengert_list():
    t = optad.trace(seed, 2.0, 3.0)
    rows = {r.name: r for r in t.rows}
    assert [r.name for r in t.rows] == ["w1", "w2", "w3", "w4", "w5"]
    assert [r.expr for r in t.rows] == ["x1", "x2", "w1*w2", "sin(w1)", "w3 + w4"]
    assert rows["w3"].value == 6.0
    assert rows["w4"].value == pytest.approx(0.909297, abs=1e-6)
    assert rows["w5"].value == pytest.approx(6.909297, abs=1e-6)
    assert rows["w5"].is_output and rows["w1"].is_input
    # Adjoints after the backward pass from the seed z̄ = 1.
    assert [rows[k].adjoint for k in ("w5", "w4", "w3")] == [1.0, 1.0, 1.0]
    assert rows["w2"].adjoint == 2.0
    assert rows["w1"].adjoint == pytest.approx(3 + np.cos(2.0), rel=1e-15)
    # ... and how w̄1 was summed over its two uses.
    assert rows["w1"].adjoint_expr == "w̄3·w2 + w̄4·cos(w1)"
    assert rows["w1"].terms == pytest.approx((3.0, np.cos(2.0)))
    assert rows["w2"].adjoint_expr == "w̄3·w1"


def test_seed_example_printed_table():
    text = str(optad.trace(seed, 2.0, 3.0))
    assert "w3 = w1*w2" in text and "= 6" in text
    assert "w4 = sin(w1)" in text and "0.9093" in text
    assert "6.909" in text and "z̄ = 1" in text
    assert "w̄1 = w̄3·w2 + w̄4·cos(w1)" in text and "3 - 0.4161 = 2.584" in text
    assert "w̄2 = w̄3·w1" in text


def test_trace_watches_the_engine_so_it_agrees_with_grad():
    f = lambda x, y: np.exp(x * y) / (1.0 + x ** 2) - np.tanh(y)  # noqa: E731
    t = optad.trace(f, 0.4, -1.3)
    g = optad.grad(f, argnums=(0, 1))(0.4, -1.3)
    assert [t.rows[0].adjoint, t.rows[1].adjoint] == list(g)


def test_forward_mode_table_shows_tangents_and_seeds():
    t = optad.trace(seed, 2.0, 3.0, mode="forward", seed=(1.0, 0.0))
    rows = {r.name: r for r in t.rows}
    assert rows["w1"].adjoint == 1.0 and rows["w2"].adjoint == 0.0
    assert rows["w3"].adjoint_expr == "ẇ1·w2 + ẇ2·w1" and rows["w3"].adjoint == 3.0
    assert rows["w5"].adjoint == pytest.approx(3 + np.cos(2.0))
    text = t.table()
    assert "ẋ1 = 1, ẋ2 = 0" in text and "one column of the Jacobian" in text
    t2 = optad.trace(seed, 2.0, 3.0, mode="forward", seed=(0.0, 1.0))
    assert t2.rows[-1].adjoint == 2.0


def test_several_outputs_show_the_jacobian_row_by_row():
    t = optad.trace(lambda x1, x2: (x1 * x2, np.sin(x1) + x2), 2.0, 3.0)
    assert len(t.passes) == 2
    rows = {r.name: r for r in t.rows}
    assert rows["w1"].adjoints == pytest.approx((3.0, np.cos(2.0)))
    assert rows["w2"].adjoints == pytest.approx((2.0, 1.0))
    text = t.table()
    assert "Row 1 of the Jacobian" in text and "Row 2 of the Jacobian" in text


def test_dot_export():
    dot = optad.trace(seed, 2.0, 3.0).to_dot()
    assert dot.startswith("digraph wengert {") and dot.rstrip().endswith("}")
    for edge in ("w1 -> w3", "w2 -> w3", "w1 -> w4", "w3 -> w5", "w4 -> w5"):
        assert edge in dot
    assert "6.909" in dot and "2.584" in dot


def test_array_inputs_are_shown_compactly():
    t = optad.trace(lambda x: np.sum(x ** 2), np.array([1.0, 2.0, 3.0]))
    assert t.rows[0].adjoint.tolist() == [2.0, 4.0, 6.0]
    assert "[2 4 6]" in t.table()


def test_array_terms_are_recorded_before_the_engine_adds_into_them():
    t = optad.trace(lambda x: x @ x, np.array([1.0, 2.0]))
    first, second = t.rows[0].terms
    assert first.tolist() == [1.0, 2.0] and second.tolist() == [1.0, 2.0]
    assert t.rows[0].adjoint.tolist() == [2.0, 4.0]


def test_vector_output_shows_each_backward_pass_with_slices_of_the_seed():
    t = optad.trace(lambda x: np.stack([x[0] * x[1], np.sin(x[0])]), np.array([1.0, 2.0]))
    rows = {r.name: r for r in t.rows}
    assert rows["w9"].expr == "concat(w7, w8, axis=0)"
    assert rows["w9"].adjoint_expr == "ȳ1 (seed)"           # not z̄: the output is a vector
    assert rows["w7"].adjoint_expr == "w̄9[0:1]" and rows["w8"].adjoint_expr == "w̄9[1:2]"
    assert [list(a) for a in rows["w1"].adjoints] == [[2.0, 1.0], [np.cos(1.0), 0.0]]
    t = optad.trace(lambda a, b: np.sum(np.concatenate([a, b], axis=1)), np.ones((2, 2)),
                    np.ones((2, 1)))
    assert [r.adjoint_expr for r in t.rows[:2]] == ["w̄3[:, 0:2]", "w̄3[:, 2:3]"]


def test_forward_table_slices_tangents_and_concatenates_them():
    t = optad.trace(lambda x: np.stack([x[0] * x[1], np.sin(x[0])]), np.array([1.0, 2.0]),
                    mode="forward", seed=(np.array([1.0, 0.0]),))
    rows = {r.name: r for r in t.rows}
    assert rows["w2"].adjoint_expr == "ẇ1[0]" and rows["w3"].adjoint_expr == "ẇ1[1]"
    assert rows["w9"].adjoint_expr == "concat(ẇ7, ẇ8, axis=0)"
    np.testing.assert_allclose(rows["w9"].adjoint, [2.0, np.cos(1.0)])
    t = optad.trace(lambda a, b: a - b, 2.0, 3.0, mode="forward", seed=(1.0, 1.0))
    assert t.rows[-1].adjoint_expr == "ẇ1 - ẇ2" and t.rows[-1].adjoint == 0.0


def test_forward_table_follows_in_place_updates():
    # y[1] = ... and y += ... rebind y to new nodes; each row keeps the value and tangent it
    # had when it was made, and later uses of y name the newest node.
    def f(x):
        y = x * 1.0
        y[1] = x[0] ** 2
        y += x
        return np.sum(y)

    x = np.array([1.0, 2.0])
    t = optad.trace(f, x, mode="forward", seed=(np.array([1.0, 0.0]),))
    assert [r.expr for r in t.rows] == ["x", "w1*1", "w1[0]", "w3**2", "w2 with [1] = w4",
                                        "w5 + w1", "sum(w6)"]
    rows = {r.name: r for r in t.rows}
    assert rows["w2"].value.tolist() == [1.0, 2.0] and rows["w2"].adjoint.tolist() == [1.0, 0.0]
    assert rows["w5"].value.tolist() == [1.0, 1.0] and rows["w5"].adjoint.tolist() == [1.0, 2.0]
    assert rows["w7"].is_output and not rows["w2"].is_output
    assert rows["w7"].adjoint == optad.jvp(f, (x,), (np.array([1.0, 0.0]),))[1] == 4.0
    # The reverse table names the same nodes.
    assert [r.expr for r in optad.trace(f, x).rows] == [r.expr for r in t.rows]


def test_forward_seed_of_an_array_argument_is_a_column_by_default_and_checked():
    f = lambda x: np.sum(x[1:] * x[:-1])   # noqa: E731
    x = np.array([1.0, 2.0, 3.0])
    t = optad.trace(f, x, mode="forward")
    assert t.rows[0].adjoint.tolist() == [1.0, 0.0, 0.0]
    assert [r.expr for r in t.rows[1:3]] == ["w1[1:]", "w1[:-1]"]
    assert t.rows[-1].adjoint == optad.grad(f)(x)[0] == 2.0
    assert "one column of the Jacobian): ∂z/∂x[0] = 2" in t.table()
    t = optad.trace(f, x, mode="forward", seed=(np.array([0.0, 1.0, 1.0]),))
    assert "directional derivative): J·ẋ (z) = 6" in t.table()
    with pytest.raises(optad.errors.ShapeError, match=r"seed for x has shape \(\), but x has "
                       r"shape \(3,\).*np.eye\(3\)\[0\]"):
        optad.trace(f, x, mode="forward", seed=(1.0,))
