"""The layers point one way: importing the core loads none of the layers above it."""

import subprocess
import sys


def test_importing_optad_loads_no_upper_layer_nor_scipy_nor_matplotlib():
    code = (
        "import sys, optad, numpy as np\n"
        "optad.grad(lambda x: np.sum(np.sin(x)))(np.ones(3))\n"
        "bad = [m for m in ('optimizers', 'problems', 'plots', 'scipy', 'matplotlib') if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
