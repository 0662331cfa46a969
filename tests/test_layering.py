"""The layers point one way: ``optad`` imports none of the others; ``optimizers`` and
``problems`` import ``optad`` but never each other nor ``plots``. Each check runs in a
fresh interpreter and reads ``sys.modules`` after importing (and using) one layer."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ("optad", "optimizers", "problems", "plots")


def loaded_after(code):
    """The top-level packages of ours (and scipy, matplotlib) that ``code`` loaded."""
    probe = code + (
        "\nimport sys\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        f"{set(LAYERS) | {'scipy', 'matplotlib'}!r}))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return set(eval(out.stdout.strip()))      # a list literal we printed ourselves


def test_importing_optad_loads_no_upper_layer_nor_scipy_nor_matplotlib():
    loaded = loaded_after("import optad, numpy as np\n"
                          "optad.grad(lambda x: np.sum(np.sin(x)))(np.ones(3))\n"
                          "optad.check_grad(lambda x: np.sum(x ** 3), np.ones(2))")
    assert loaded == {"optad"}


@pytest.mark.parametrize("layer, code", [
    ("optimizers", "import optimizers, numpy as np\n"
                   "r = optimizers.minimize(lambda x: np.sum(x ** 2), np.ones(2), 'BFGS')\n"
                   "optimizers.as_records(r)\n"
                   "optimizers.compare(['gd'], (lambda x: np.sum(x ** 2), np.ones(2)),\n"
                   "                   executor='serial', budget=3, progress=False)"),
    ("problems", "import problems\n"
                 "p = problems.get('rosenbrock'); p.check(); p.gradient(p.x0)\n"
                 "[q.value(q.x0) for q in problems.suite('default')]"),
])
def test_optimizers_and_problems_import_neither_each_other_nor_plots(layer, code):
    loaded = loaded_after(code)
    other = {"optimizers": "problems", "problems": "optimizers"}[layer]
    assert layer in loaded and "optad" in loaded
    assert other not in loaded and "plots" not in loaded and "matplotlib" not in loaded
