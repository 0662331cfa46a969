"""``optad explain`` and the safe expression parser; ``--help`` of every subcommand.

These use the core (``optad.trace``) and ``plots`` only; the study commands that need
the optimizers and problems layers are in ``test_cli_integration.py``.
"""

import ast
import builtins
import os

import numpy as np
import pytest
from matplotlib.image import imread

from plots.cli import main
from plots.cliargs import parse_assignments, parse_seeds, parse_spec, split_items
from plots.expr import UnsafeExpressionError, parse

SEED = ["explain", "x1*x2 + sin(x1)", "--at", "x1=2,x2=3"]


def run(capsys, argv):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_explain_seed_example_prints_value_and_gradient(capsys):
    code, out, err = run(capsys, SEED)
    assert code == 0, err
    assert "6.909" in out and "2.584" in out
    lines = out.splitlines()
    assert "w3 = w1*w2" in out and "w4 = sin(w1)" in out and "w5 = w3 + w4" in out
    assert any(line.strip().startswith("w̄1 = w̄3·w2 + w̄4·cos(w1)") and line.endswith("2.584")
               for line in lines)
    assert "Gradient: ∂z/∂x1 = 2.584, ∂z/∂x2 = 2" in out


def test_explain_forward_mode_prints_tangents(capsys):
    code, out, _ = run(capsys, SEED + ["--mode", "forward", "--seed", "x1"])
    assert code == 0
    assert "ẋ1 = 1, ẋ2 = 0" in out
    assert "ẇ3 = ẇ1·w2 + ẇ2·w1" in out
    assert "∂z/∂x1 = 2.584" in out
    # --seed alone implies forward mode; seeding x2 gives the other column.
    code, out, _ = run(capsys, SEED + ["--seed", "x2"])
    assert code == 0 and "∂z/∂x2 = 2" in out


def test_explain_forward_seed_of_an_array_element_by_element(capsys):
    argv = ["explain", "sum(x**2)*y", "--at", "x=[1,2,3],y=2"]
    code, out, _ = run(capsys, argv + ["--seed", "x=[0,1,0]"])
    assert code == 0 and "ẋ = [0 1 0], ẏ = 0" in out and "∂z/∂x[1] = 8" in out
    code, out, _ = run(capsys, argv + ["--seed", "x"])   # ones: a directional derivative
    assert code == 0 and "directional derivative): J·ẋ (z) = 24" in out


def test_explain_inputs_follow_the_order_of_at(capsys):
    code, out, _ = run(capsys, ["explain", "x1*x2 + sin(x1)", "--at", "x2=3,x1=2"])
    assert code == 0
    assert "w1 = x2" in out and "6.909" in out


def test_explain_array_values(capsys):
    code, out, _ = run(capsys, ["explain", "sum(x**2) + exp(y)", "--at", "x=[1,2,3],y=0"])
    assert code == 0 and "∂z/∂x = [2 4 6]" in out


def test_explain_writes_dot_and_png(tmp_path, capsys):
    dot, png = tmp_path / "g.dot", tmp_path / "g.png"
    code, out, _ = run(capsys, SEED + ["--dot", str(dot), "--png", str(png)])
    assert code == 0
    text = dot.read_text()
    assert text.startswith("digraph") and "w1 -> w3" in text and "6.909" in text
    img = imread(png)
    assert img.shape[0] > 100 and img[..., :3].std() > 0.04
    assert f"wrote {png}" in out


UNSAFE = [
    "__import__('os')",
    "__import__('os').system('touch PWNED')",
    "x1.__class__",
    "x1.real",
    "x1[0]",
    "(lambda: 1)()",
    "lambda x: x",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('x=1')",
    "getattr(x1, 'real')",
    "np.sin(x1)",
    "sin(x1, out=x1)",
    "'abc'",
    "[x1 for x1 in (1, 2)]",
    "x1 if x1 else 2",
    "x1 < 2",
    "(x1 := 2)",
    "sin",
    "import os",
    "x1; x2",
    "f'{x1}'",
    "_x + 1",
]


@pytest.mark.parametrize("text", UNSAFE)
def test_unsafe_expressions_are_rejected_with_a_clear_message(text, tmp_path, capsys,
                                                              monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, ["explain", text, "--at", "x1=2,x2=3"])
    assert code == 2
    assert err.startswith("optad explain: error: ")
    assert "Allowed:" in err or "--at" in err
    assert out == ""
    assert not os.path.exists("PWNED")


def test_parser_never_evaluates_user_text(monkeypatch):
    """eval/exec are never called; compile only ever builds a syntax tree."""
    real_compile = builtins.compile

    def only_ast(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & ast.PyCF_ONLY_AST, "compile used for something other than parsing"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "compile", only_ast)
    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    ex = parse("x1*x2 + sin(x1) - exp(-x2) / sqrt(x1**2 + 1) + pi*e")
    x1, x2 = 2.0, 3.0
    assert ex(x1, x2) == pytest.approx(x1 * x2 + np.sin(x1) - np.exp(-x2) / np.sqrt(5) + np.pi * np.e)


def test_parser_whitelist_details():
    assert parse("atan2(y, x) + ln(x) + hypot(x, y)").variables == ("y", "x")
    assert parse("2 ** -x").variables == ("x",)
    with pytest.raises(UnsafeExpressionError, match="unknown function 'foo'"):
        parse("foo(x)")
    with pytest.raises(UnsafeExpressionError, match="only real numbers"):
        parse("1j * x")
    with pytest.raises(UnsafeExpressionError, match="too long"):
        parse("x + " * 1000 + "x")
    with pytest.raises(UnsafeExpressionError, match="not a valid expression"):
        parse("x +")
    with pytest.raises(UnsafeExpressionError, match="comparisons"):
        parse("x == 1")
    # Integer constants become floats: no unbounded integer arithmetic.
    with pytest.raises(OverflowError):
        parse("9 ** 9 ** 9")()


@pytest.mark.parametrize("argv, message", [
    (["explain", "x1*x2", "--at", "x1=2"], "--at needs a value for x2"),
    (["explain", "x1", "--at", "x1=2,y=1"], "does not use"),
    (["explain", "x1", "--at", "x1=two"], "is not a number"),
    (["explain", "x1*x2", "--at", "x1=2,x2=3", "--mode", "reverse", "--seed", "x1"],
     "forward"),
    (["explain", "x1*x2", "--at", "x1=2,x2=3", "--seed", "z"], "not a variable"),
    (["explain", "sum(x)", "--at", "x=[1,2]", "--seed", "x=[1,0,0]"], "has shape (3,)"),
    (["explain", "sum(x)", "--at", "x=[1,2]", "--seed", "x=one"], "Give a number, or a list"),
    (["explain", "sin(2)", "--at", ""], "no variables"),
    (["explain", "x @ x", "--at", "x=1"], "cannot evaluate"),
])
def test_explain_usage_errors(argv, message, capsys):
    code, out, err = run(capsys, argv)
    assert code == 2 and message in err


@pytest.mark.parametrize("command", [[], ["compare"], ["list"], ["explain"]])
def test_help_of_every_subcommand(command, capsys):
    code, out, _ = run(capsys, command + ["--help"])
    assert code == 0
    assert out.startswith("usage: optad")
    if command == ["compare"]:
        for flag in ("--problems", "--methods", "--seeds", "--max-iter", "--out",
                     "--workers", "--resume", "--format"):
            assert flag in out
    if command == ["explain"]:
        assert "--at" in out and "--mode" in out and "--dot" in out and "--png" in out


@pytest.mark.parametrize("digits", ["-5", "0", "18", "four"])
def test_digits_out_of_range_is_a_usage_error_before_any_output(digits, capsys):
    code, out, err = run(capsys, SEED + ["--digits", digits])
    assert code == 2 and out == ""
    assert err.startswith("usage: optad explain")
    assert f"argument --digits: must be a whole number from 1 to 17; got '{digits}'" in err


def test_digits_in_range(capsys):
    code, out, _ = run(capsys, SEED + ["--digits", "17"])
    assert code == 0 and "2.5838531634528574" in out


def test_a_closed_pipe_ends_the_command_quietly():
    # `optad list | head`: the reader is gone before the output is written.
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-m", "plots.cli", "list"], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                    # as head does once it has its lines
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 1
    assert err == ""                       # no BrokenPipeError traceback


def test_missing_subcommand_is_a_usage_error(capsys):
    code, _, err = run(capsys, [])
    assert code == 2 and "usage" in err


def test_list_arguments():
    assert split_items("gd,adam(lr=0.01, amsgrad=True),BFGS") == [
        "gd", "adam(lr=0.01, amsgrad=True)", "BFGS"]
    assert parse_spec("gd(momentum=0.9, nesterov=True, line_search='armijo')") == (
        "gd", {"momentum": 0.9, "nesterov": True, "line_search": "armijo"})
    assert parse_spec("trust-ncg") == ("trust-ncg", {})
    with pytest.raises(ValueError):
        parse_spec("adam(0.01)")
    assert parse_seeds("2") == (0, 1) and parse_seeds("1,4") == (1, 4)
    with pytest.raises(ValueError):
        parse_seeds("x")
    at = parse_assignments("a=1, b=[1, 2]")
    assert at["a"] == 1.0 and at["b"].tolist() == [1.0, 2.0]


def test_explain_division_by_zero_follows_numpy(capsys):
    # Values are NumPy floats, so x/0 is inf (with NumPy's warning), not an exception.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        code, out, err = run(capsys, ["explain", "x / 0", "--at", "x=1"])
    assert code == 0 and "inf" in out
