"""Noticing random draws while a jitted function is traced.

A draw made while tracing is a constant of the program: every replay reuses the same
numbers (as in ``jax.jit``). That is rarely what the author meant, so ``jit`` warns,
naming the function and what it drew from. Two cheap checks, only while tracing:

* NumPy's module-level functions (``np.random.normal``, ``np.random.default_rng``, ...)
  are wrapped for the duration of the trace; a call from the tracing thread is noted.
* Generators (``np.random.Generator``, ``RandomState``) that the function can reach by
  name (its globals, closure cells, defaults, static arguments, and those of the
  functions it reaches, a few levels deep) have their state compared before and after.

>>> import numpy as np
>>> watch = RandomWatch(lambda: np.random.normal(), ())
>>> with watch:
...     _ = np.random.normal()
>>> watch.drawn()
['numpy.random.normal']
"""

import threading
import types

import numpy as np

__all__ = ["RandomWatch"]

_lock = threading.Lock()
_installed = [0, {}]        # [number of traces watching, {name: original}]
_local = threading.local()

_RANDOM_TYPES = (np.random.Generator, np.random.RandomState, np.random.BitGenerator)


def _module_functions():
    names = []
    for name in dir(np.random):
        if name.startswith("_"):
            continue
        value = getattr(np.random, name)
        if callable(value) and not isinstance(value, type):
            names.append(name)
    return names


_NAMES = _module_functions()


def _wrap(name, original):
    def wrapper(*args, **kwargs):
        seen = getattr(_local, "seen", None)
        if seen is not None:
            seen.append(f"numpy.random.{name}")
        return original(*args, **kwargs)
    wrapper.__wrapped__ = original
    wrapper.__name__ = name
    wrapper.__doc__ = getattr(original, "__doc__", None)
    return wrapper


_last = [{}, {}]     # the originals and wrappers of the last install


def _install():
    with _lock:
        if _installed[0] == 0:
            space = vars(np.random)
            originals, wrappers = _last
            # (items() <= items(): one C-level pass, functions compared by identity)
            if not originals or not originals.items() <= space.items():
                # (first use, or someone replaced a function since: wrap what is there now)
                originals = {name: space[name] for name in _NAMES if name in space}
                wrappers = {name: _wrap(name, f) for name, f in originals.items()}
                _last[:] = [originals, wrappers]
            _installed[1] = originals
            space.update(wrappers)      # (one call: setattr on a module costs more)
        _installed[0] += 1


def _uninstall():
    with _lock:
        _installed[0] -= 1
        if _installed[0] == 0:
            vars(np.random).update(_installed[1])
            _installed[1] = {}


# Types that never hold a generator (or hold too much to search): skipped at once.
_SKIP = {types.ModuleType, type, int, float, bool, str, bytes, type(None), np.ndarray,
         np.float64, complex, types.BuiltinFunctionType, np.ufunc, dict, set, frozenset}


def _reachable_generators(fun, static, depth=3):
    """{label: generator} reachable from ``fun`` and the static arguments."""
    found = {}
    seen = set()

    def visit(obj, label, level):
        if id(obj) in seen or type(obj) in _SKIP:
            return
        seen.add(id(obj))
        if isinstance(obj, _RANDOM_TYPES):
            found[label] = obj
            return
        if level > depth:
            return
        if isinstance(obj, types.MethodType):
            visit(obj.__self__, f"{label}.__self__", level + 1)
            obj = obj.__func__
        if isinstance(obj, types.FunctionType):
            code = obj.__code__
            # optad's own functions (a transform wrapping the user's) draw nothing: only
            # their closures (which hold the user's function) are followed, not globals
            if not obj.__globals__.get("__name__", "").startswith("optad."):
                names = set(code.co_names)
                for const in code.co_consts:
                    if isinstance(const, types.CodeType):
                        names.update(const.co_names)
                for name in names:
                    if name in obj.__globals__:
                        visit(obj.__globals__[name], name, level + 1)
            for name, cell in zip(code.co_freevars, obj.__closure__ or ()):
                try:
                    visit(cell.cell_contents, name, level + 1)
                except ValueError:      # an empty cell
                    pass
            for value in obj.__defaults__ or ():
                visit(value, f"a default of {obj.__name__}", level + 1)
        elif isinstance(obj, (list, tuple)) and level > 0:
            for k, value in enumerate(obj[:16]):
                visit(value, f"{label}[{k}]", level + 1)
        else:
            wrapped = getattr(obj, "__wrapped__", None) or getattr(obj, "fun", None)
            if callable(wrapped):
                visit(wrapped, label, level + 1)

    visit(fun, getattr(fun, "__name__", "f"), 0)
    for k, value in enumerate(static):
        visit(value, f"static argument {k}", 1)
    return found


def _state(gen):
    if isinstance(gen, np.random.RandomState):
        return repr(gen.get_state(legacy=False))
    bit = gen if isinstance(gen, np.random.BitGenerator) else gen.bit_generator
    return repr(bit.state)


class RandomWatch:
    """Notes random draws made in this thread inside ``with watch:`` (see the module)."""

    def __init__(self, fun, static):
        self.generators = _reachable_generators(fun, static)
        self.before = {label: _state(g) for label, g in self.generators.items()}
        self.seen = []

    def __enter__(self):
        _install()
        _local.seen = self.seen
        return self

    def __exit__(self, *exc):
        _local.seen = None
        _uninstall()
        return False

    def drawn(self):
        """What was drawn from: module functions called, generators whose state moved."""
        out = list(dict.fromkeys(self.seen))
        for label, gen in self.generators.items():
            if _state(gen) != self.before[label]:
                out.append(f"the generator {label}")
        return out
