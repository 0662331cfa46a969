"""What a primitive's test case is, and the domains and shapes its arguments come from.

A case is data: a function of traced arguments, the NumPy functions it covers, and how
to draw its arguments. Hypothesis draws shapes and a seed; values come from a seeded
generator inside each argument's domain (away from kinks and singularities).
``test_primitives.py`` holds the core families' cases and imports every
``tests/cases_*.py`` (one family each), then checks them all the same ways.
``second=False`` leaves a case out of the second-order check (a rule that is not
itself differentiable, e.g. sort's permutation at a tie cannot arise but a kink can).
"""

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

# data_too_large: older Hypothesis (6.90, the oldest the project admits) often overruns
# its buffer drawing broadcastable shapes and fails the health check; the examples
# it does draw are valid, so only that check is silenced.
QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large]
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=QUIET)


class Case:
    def __init__(self, name, fun, covers, draw, second=True):
        self.name, self.fun, self.covers, self.draw = name, fun, covers, draw
        self.second = second

    def __repr__(self):
        return self.name


def U(lo, hi, signed=False):
    """A domain: uniform in [lo, hi] (with a random sign if ``signed``)."""
    def sample(rng, shape):
        v = rng.uniform(lo, hi, size=shape)
        if signed:
            v = v * rng.choice([-1.0, 1.0], size=shape)
        return v if shape else float(v)
    return sample


STD = U(-2, 2)


def C(lo, hi):
    """A complex domain: real and imaginary parts uniform in [lo, hi]."""
    def sample(rng, shape):
        v = rng.uniform(lo, hi, size=shape) + 1j * rng.uniform(lo, hi, size=shape)
        return v if shape else complex(v)
    return sample


CSTD = C(-2, 2)


def DISTINCT(rng, shape):
    """Values at least 0.1 apart: sort, max and min have no ties that FD steps could swap."""
    size = int(np.prod(shape)) if shape else 1
    v = rng.permutation(np.linspace(-2, 2, size)) + rng.uniform(
        -0.01, 0.01, size)
    return v.reshape(shape) if shape else float(v[0])
POS = U(0.5, 2.5)


def unary(domain=STD, shapes=array_shapes(min_dims=0, max_dims=3, max_side=4)):
    @st.composite
    def args(draw):
        shape = draw(shapes)
        rng = np.random.default_rng(draw(st.integers(0, 2 ** 31)))
        return (domain(rng, shape),)
    return args()


def binary(d0=STD, d1=STD):
    @st.composite
    def args(draw):
        shapes = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4))
        rng = np.random.default_rng(draw(st.integers(0, 2 ** 31)))
        return (d0(rng, shapes.input_shapes[0]), d1(rng, shapes.input_shapes[1]))
    return args()


def fixed(*shape_domains):
    """Arguments of fixed shapes: pairs (shape, domain)."""
    @st.composite
    def args(draw):
        rng = np.random.default_rng(draw(st.integers(0, 2 ** 31)))
        return tuple(dom(rng, shape) for shape, dom in shape_domains)
    return args()


def well_conditioned(n):
    def sample(rng, shape):
        return rng.standard_normal(shape) * 0.3 + np.eye(n) * 2.0
    return sample


CASES = []


def case(name, fun, covers, draw, second=True):
    CASES.append(Case(name, fun, covers, draw, second))


