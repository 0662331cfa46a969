"""Derivative cases of order statistics and NaN-aware reductions (optad/prims/statistics.py).

Order statistics use DISTINCT values (at least 0.1 apart), so that finite differences
never swap two sorted entries. NaN-aware cases build their NaNs inside the function,
``np.where(mask, np.nan, x)`` with a constant mask: the check's random directions also
move the entries that become NaN, and their gradient must be exactly 0.
"""

import numpy as np

from primitive_cases import DISTINCT, POS, STD, U, case, fixed

NUMPY2 = np.lib.NumpyVersion(np.__version__) >= "2.0.0"

D34 = fixed(((3, 4), DISTINCT))
D234 = fixed(((2, 3, 4), DISTINCT))
MASK = np.array([[True, False, False, False], [False, False, True, False],
                 [False, True, False, True]])     # every row and column keeps 2+ values


def _cat(*parts):
    """The parts raveled, each weighted 1, 2, 3, ... by position, joined into one vector."""
    return np.concatenate([np.ravel(p) * np.arange(1.0, 1.0 + np.size(p)) for p in parts])


def _nans(x):
    return np.where(MASK, np.nan, x)


# NumPy's 13 methods in three groups: interpolating (γ the fractional part of the virtual
# index), γ fixed at 0, 1/2 or 1, and picking one order statistic
METHODS = {"continuous": ("linear", "hazen", "weibull", "median_unbiased", "normal_unbiased",
                          "interpolated_inverted_cdf"),
           "fixed_gamma": ("midpoint", "averaged_inverted_cdf"),
           "picking": ("lower", "higher", "nearest", "inverted_cdf", "closest_observation")}
for group, methods in METHODS.items():
    case(f"quantile_{group}", lambda x, methods=methods: _cat(*[
        part for method in methods for part in (
            np.quantile(x, [0.0, 0.25, 0.5, 0.9, 1.0], method=method),
            np.quantile(x, 0.3, axis=1, method=method),
            np.quantile(x, [0.4, 0.6], axis=0, keepdims=True, method=method))]),
         (np.quantile,), D34)
case("percentile", lambda x: _cat(np.percentile(x, [5.0, 50.0, 95.0]), np.percentile(x, 37.0, axis=1),
                                  np.percentile(x, 60.0, axis=0, keepdims=True, method="nearest")),
     (np.percentile,), D34)
case("quantile_axes", lambda x: _cat(np.quantile(x, [0.2, 0.7], axis=(0, 2)),
                                     np.quantile(x, 0.6, axis=(2, 0), keepdims=True),
                                     np.quantile(x, [[0.1, 0.5], [0.8, 1.0]], axis=-1)), (), D234)
# q traced: d quantile / dq = (n - 1)·(s_{i+1} - s_i) for the continuous methods
case("quantile_traced_q", lambda x, q: _cat(np.quantile(x, q), np.percentile(x, q * 100.0, axis=0, method="hazen"),
                                             np.quantile(x, q[:2], method="nearest"), np.quantile(np.arange(5.0), q)),
     (), fixed(((3, 4), DISTINCT), ((3,), U(0.05, 0.95))))
case("median", lambda x, y: np.median(x) + np.median(x, axis=0) + np.median(x, axis=1, keepdims=True).ravel()[:1]
     + np.median(y, axis=(0, 2)).sum(), (np.median,), fixed(((3, 4), DISTINCT), ((2, 3, 4), DISTINCT)))
case("ptp", lambda x: np.ptp(x) + np.ptp(x, axis=0) + np.ptp(x, axis=(0, 2), keepdims=True).ravel().sum(),
     (np.ptp,), fixed(((2, 3, 4), DISTINCT)))

case("nanquantile", lambda x: np.nanquantile(_nans(x), [0.2, 0.5, 1.0], axis=1).ravel()
     + np.nanquantile(_nans(x), 0.3) + np.nanquantile(_nans(x), 0.6, axis=0, method="hazen").sum(),
     (np.nanquantile,), D34)
case("nanpercentile", lambda x: np.nanpercentile(_nans(x), [10.0, 70.0], axis=0).ravel()
     + np.nanpercentile(_nans(x), 40.0, keepdims=True).ravel(), (np.nanpercentile,), D34)
case("nanmedian", lambda x: np.nanmedian(_nans(x), axis=1) + np.nanmedian(_nans(x))
     + np.nanmedian(_nans(x), axis=0, keepdims=True).ravel()[:3], (np.nanmedian,), D34)
case("nansum_nanmean", lambda x: np.nansum(_nans(x), axis=1) + np.nanmean(_nans(x), axis=1)
     + np.nansum(_nans(x)) + np.nanmean(_nans(x), axis=0, keepdims=True).ravel()[:3]
     + np.nansum(_nans(x), axis=0, initial=1.5)[:3] + np.nanmean(x)
     + np.nansum(_nans(x), where=~MASK[::-1], axis=1) + np.nanmean(_nans(x), where=~MASK[::-1]),
     (np.nansum, np.nanmean), fixed(((3, 4), STD)))
case("nanprod", lambda x: np.nanprod(_nans(x), axis=1) + np.nanprod(_nans(x)) * 0.1
     + np.nanprod(_nans(x), axis=0, keepdims=True, initial=2.0).ravel()[:3]
     + np.nanprod(_nans(x), where=~MASK[::-1], axis=1), (np.nanprod,), fixed(((3, 4), U(0.5, 1.5, True))))
case("nanmax_nanmin", lambda x: np.nanmax(_nans(x), axis=1) - np.nanmin(_nans(x), axis=1)
     + np.nanmax(_nans(x)) + np.nanmin(_nans(x), axis=0, keepdims=True).ravel()[:3]
     + np.nanmax(_nans(x), axis=1, initial=-5.0, where=~MASK[::-1])
     + np.nanmin(_nans(x), axis=1, initial=5.0), (np.nanmax, np.nanmin), D34)
case("nanvar_nanstd", lambda x: np.nanvar(_nans(x), axis=1) + np.nanstd(_nans(x), axis=1, ddof=1)
     + np.nanvar(_nans(x)) + np.nanstd(_nans(x), axis=0, keepdims=True).ravel()[:3]
     + np.nanstd(_nans(x), where=~MASK[::-1]), (np.nanvar, np.nanstd),
     # (distinct values: a column of two nearly equal ones has a std near 0, where the
     # square root's curvature defeats central differences)
     fixed(((3, 4), DISTINCT)))
if NUMPY2:   # correction= and mean= came with NumPy 2.0
    case("nanvar_nanstd_mean_correction", lambda x: np.nanvar(_nans(x), axis=1, correction=1)
         + np.nanstd(_nans(x), axis=0, correction=1.5)[:3]
         + np.nanvar(_nans(x), axis=1, mean=np.nanmean(_nans(x), axis=1, keepdims=True) * 0.5)
         + np.nanstd(_nans(x), axis=1, mean=np.nanmean(_nans(x), axis=1, keepdims=True) + 0.1),
         (), fixed(((3, 4), DISTINCT)))
