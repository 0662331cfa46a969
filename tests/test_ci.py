"""What CI runs stays what the project says: the README's command, pyproject's minimums."""

import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CI_RUN = (ROOT / ".ci" / "run").read_text()


def _minimums():
    """``{name: version}`` for every ``name>=version`` that installing ``.[test]`` brings."""
    project = PYPROJECT["project"]
    found = {}
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9.]+)\s*(#.*)?", spec.strip())
        assert match, f"{spec!r}: every dependency needs a minimum (name>=version) to test"
        found[match.group(1).lower()] = match.group(3)
    return found


def _pins():
    pins = {}
    for line in (ROOT / ".ci" / "oldest.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f".ci/oldest.txt: {line!r} must pin one version (name==version)"
            pins[name.strip().lower()] = version.strip()
    return pins


@pytest.mark.parametrize("name,minimum", sorted(_minimums().items()))
def test_oldest_stack_pins_each_minimum_of_pyproject(name, minimum):
    # The pin must be a release of the minimum's series (numpy>=1.26 -> 1.26.x), so the
    # oldest stack really tests the oldest versions pyproject admits.
    pin = _pins().get(name)
    assert pin is not None, f".ci/oldest.txt pins no version of {name} (pyproject: >={minimum})"
    parts = minimum.split(".")
    assert pin.split(".")[:len(parts)] == parts, (
        f".ci/oldest.txt pins {name}=={pin}, but pyproject's minimum is {minimum}: "
        f"pin a {minimum}.x release, or change the minimum in pyproject.toml")


def test_ci_runs_the_readmes_test_command_verbatim():
    commands = re.findall(r"^(pip install .*?)\s+#", (ROOT / "README.md").read_text(), re.M)
    assert len(commands) >= 2, "the README's first lines give the install and the test command"
    assert commands[1] in CI_RUN.splitlines()[CI_RUN.splitlines().index(
        "    # The README's test command, verbatim:") + 1]


def test_the_extra_stacks_leave_out_only_registered_slow_tests():
    markers = PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]
    assert any(m.startswith("slow:") for m in markers)
    assert "--strict-markers" in PYPROJECT["tool"]["pytest"]["ini_options"]["addopts"]
    assert 'python -m pytest -q -m "not slow"' in CI_RUN
    assert "3.10" in CI_RUN and "3.13" in CI_RUN and "-c .ci/oldest.txt" in CI_RUN


def test_one_stack_runs_the_suite_with_reference_counts_off():
    # The path CPython >= 3.14 and PyPy users get (optad.config.refcounts is False there).
    assert "extra=(--no-refcounts)" in CI_RUN and '"${extra[@]}"' in CI_RUN
    assert "--no-refcounts" in (ROOT / "conftest.py").read_text()


def test_the_suite_also_runs_on_the_reference_engine():
    # optad.reference() is what a user who suspects an AD bug is told to compare with:
    # the whole suite (less the fast engine's own tricks) must hold there too.
    assert 'OPTAD_REFERENCE=1 python -m pytest -q -m "not slow"' in CI_RUN
    assert "fast_engine" in (ROOT / "conftest.py").read_text()


def test_every_package_of_the_four_layers_is_installed():
    # pip install . installs what pyproject's package list names; a package left out of
    # it passes every test run from the checkout and breaks the installed command.
    import fnmatch

    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    found = sorted(str(p.parent.relative_to(ROOT)).replace("/", ".")
                   for p in ROOT.glob("*/**/__init__.py")
                   if p.parent.relative_to(ROOT).parts[0] in ("optad", "optimizers", "problems", "plots"))
    assert "optad.ref" in found and "optad.fast" in found
    missing = [name for name in found if not any(fnmatch.fnmatchcase(name, pat) for pat in include)]
    assert not missing, f"packages pip would not install: {missing}"


def test_the_installed_package_imports_outside_the_checkout(tmp_path):
    # Tests import the checkout; this one imports what pip installed (where CI installed
    # it), from a folder that is not the checkout, and runs a gradient.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = ("import importlib.util, sys\n"
            "if importlib.util.find_spec('optad') is None: sys.exit(3)\n"
            "import numpy as np, optad, optimizers, problems, plots\n"
            "assert 'site-packages' in optad.__file__ or 'dist-packages' in optad.__file__\n"
            "print(float(optad.grad(lambda x: np.sum(np.sin(x) ** 2))(np.ones(3))[0]))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    if out.returncode == 3:
        pytest.skip("optad is not installed in this environment (pip install .)")
    assert out.returncode == 0, out.stderr
    import math

    assert abs(float(out.stdout) - math.sin(2.0)) < 1e-12
