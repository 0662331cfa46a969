"""Derivative cases of the rearranging functions (optad/prims/pieces.py): np.pad in every
mode, the split family, flips and rotations, append/insert/delete, meshgrid, select.

They only move numbers (or, for pad's ramp and statistic modes, average them), so every
case is checked for second derivatives too. The statistic modes use DISTINCT values so
finite differences never swap a tie. Each case returns its pieces weighted by position
and joined into one vector, so that a piece put in the wrong place changes the result.
"""

import numpy as np

from primitive_cases import DISTINCT, STD, U, case, fixed

M = fixed(((3, 4), STD))


def _cat(*parts):
    """The parts raveled, each weighted 1, 2, 3, ... by position, joined into one vector."""
    return np.concatenate([np.ravel(p) * np.arange(1.0, 1.0 + np.size(p)) for p in parts])


WIDTHS = ((2, 5), (3, 1))      # wider than the array along axis 0: reflections repeat
case("pad_constant", lambda x, c: _cat(np.pad(x, ((1, 2), (0, 1))), np.pad(x, 1, constant_values=c),
                                       np.pad(x, ((1, 2),), constant_values=(c, 2.0)),
                                       np.pad(x, (2,), constant_values=[c])),
     (np.pad,), fixed(((3, 4), STD), ((), STD)))
case("pad_constant_per_axis_traced", lambda x, c: _cat(np.pad(x, (2, 1), constant_values=c)),
     (), fixed(((3, 4), STD), ((2, 2), STD)))
case("pad_copy_modes", lambda x: _cat(np.pad(x, WIDTHS, mode="edge"), np.pad(x, WIDTHS, mode="wrap"),
                                      np.pad(x, WIDTHS, mode="reflect"),
                                      np.pad(x, WIDTHS, mode="symmetric", reflect_type="even")), (), M)
case("pad_odd", lambda x: _cat(np.pad(x, WIDTHS, mode="reflect", reflect_type="odd"),
                               np.pad(x, WIDTHS, mode="symmetric", reflect_type="odd")), (), M)
case("pad_linear_ramp", lambda x, e: _cat(np.pad(x, WIDTHS, mode="linear_ramp"),
                                          np.pad(x, WIDTHS, mode="linear_ramp", end_values=e)),
     (), fixed(((3, 4), STD), ((2, 2), STD)))
case("pad_statistics", lambda x: _cat(np.pad(x, WIDTHS, mode="maximum"),
                                      np.pad(x, WIDTHS, mode="minimum", stat_length=2),
                                      np.pad(x, WIDTHS, mode="mean", stat_length=(1, 3)),
                                      np.pad(x, WIDTHS, mode="median")),
     (), fixed(((3, 4), DISTINCT)))
# a dict pad_width needs NumPy 2.4; before it, the same widths as a sequence
AXIS1 = {1: (1, 2)} if np.lib.NumpyVersion(np.__version__) >= "2.4.0" else ((0, 0), (1, 2), (0, 0))
case("pad_empty_dict_3d", lambda x: _cat(np.pad(x, AXIS1, mode="empty")[:, 1:4],
                                         np.pad(x, 1, mode="edge")),
     (), fixed(((2, 3, 2), STD)))

case("split_family", lambda x: _cat(*np.split(x, 2, axis=1), *np.array_split(x, 3, axis=1),
                                    *np.split(x, [1, 2]), *np.hsplit(x, [3]), *np.vsplit(x, [1]),
                                    *np.array_split(np.ravel(x), [5, 20])),
     (np.split, np.array_split, np.hsplit, np.vsplit), M)
case("dsplit", lambda x: _cat(*np.dsplit(x, 2), *np.dsplit(x, [1])), (np.dsplit,),
     fixed(((2, 3, 4), STD)))
case("flips_rot90", lambda x: _cat(np.flipud(x), np.fliplr(x), np.rot90(x, 2), np.rot90(x),
                                   np.rot90(x, -1, axes=(1, 0)), np.rot90(x, 3), np.rot90(x, 4)),
     (np.flipud, np.fliplr, np.rot90), M)
case("rot90_3d", lambda x: _cat(np.rot90(x, 1, axes=(0, 2)), np.flipud(x)), (), fixed(((2, 3, 4), STD)))
case("append", lambda x, v: _cat(np.append(x, v), np.append(x, np.reshape(v, (1, 4)), axis=0),
                                 np.append(x[:, :2], x[:, 1:], axis=1), np.append(np.ones(2), v)),
     (np.append,), fixed(((3, 4), STD), ((4,), STD)))
case("insert", lambda x, v: _cat(np.insert(x, 1, v, axis=0), np.insert(x, [0, 2, 2], v[0], axis=1),
                                 np.insert(x, slice(0, 4, 2), v[:2], axis=1),
                                 np.insert(x, 1, v[:3], axis=1), np.insert(np.ravel(x), 3, v),
                                 np.insert(x, -1, 7.0), np.insert(np.ones(3), 1, v)),
     (np.insert,), fixed(((3, 4), STD), ((4,), STD)))
case("delete", lambda x: _cat(np.delete(x, 1, axis=0), np.delete(x, [0, 3], axis=1),
                              np.delete(x, slice(None, None, 3)),
                              np.delete(x, np.array([True, False, True, False]), axis=1)),
     (np.delete,), M)
case("meshgrid", lambda x, y, z: _cat(*np.meshgrid(x, y), *np.meshgrid(x, y, indexing="ij"),
                                      *np.meshgrid(x, y, z, sparse=True, copy=False),
                                      *np.meshgrid(x, np.arange(2.0), copy=False)),
     (np.meshgrid,), fixed(((3,), STD), ((2,), STD), ((2,), STD)))


def _select_fun(x, y):
    # the branches not taken have an infinite or NaN slope there (sqrt of a negative
    # number, log of one): they must contribute exactly 0
    with np.errstate(invalid="ignore"):
        return np.select([x < -0.5, x < 0.5], [np.sqrt(-x) * y, x ** 2 * y], default=np.log(x) + y)


case("select", lambda x, y: _cat(_select_fun(x, y), np.select([y > 0], [y], 0.0)),
     (np.select,), fixed(((12,), U(0.6, 1.5, True)), ((12,), STD)))
case("select_broadcast", lambda x, d: _cat(np.select([x < -1.0, x > 1.0], [x * 2.0, 3.0], default=d)),
     (), fixed(((3, 4), lambda rng, s: rng.choice([-1.5, 0.0, 1.5], size=s) + rng.uniform(-0.3, 0.3, s)),
               ((4,), STD)))
