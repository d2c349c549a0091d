"""Real time series that ship with statsmodels (no download), min-max normalised to [0, 1].

Normalisation follows the time-series protocol of Bhatnagar et al. (ICML 2023), so widths and
losses are comparable across series.  Each loader returns a ``pandas.Series`` indexed by time.

=========  ====================================================  ======  ==========
name       what                                                  length  season
=========  ====================================================  ======  ==========
co2        Mauna Loa CO2, monthly means of the weekly record     526     12
sunspots   yearly sunspot activity, 1700-2008                    309     11
elnino     Pacific sea-surface temperature, monthly, 1950-2010   732     12
nile       yearly Nile flow at Aswan, 1871-1970 (a shift 1898)   100     1
=========  ====================================================  ======  ==========
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from olearn.core.errors import UnknownNameError

SEASONS = {"co2": 12, "sunspots": 11, "elnino": 12, "nile": 1}


def _normalise(series: pd.Series) -> pd.Series:
    lo, hi = series.min(), series.max()
    return ((series - lo) / (hi - lo)).astype(float)


def _co2() -> pd.Series:
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]
    return weekly.resample("MS").mean().interpolate()


def _sunspots() -> pd.Series:
    from statsmodels.datasets import sunspots

    data = sunspots.load_pandas().data
    return pd.Series(data["SUNACTIVITY"].to_numpy(), index=pd.PeriodIndex(data["YEAR"].astype(int).astype(str), freq="Y"), name="sunspots")


def _elnino() -> pd.Series:
    from statsmodels.datasets import elnino

    data = elnino.load_pandas().data
    values = data.drop(columns="YEAR").to_numpy().ravel()
    index = pd.period_range(f"{int(data['YEAR'].iloc[0])}-01", periods=values.size, freq="M")
    return pd.Series(values, index=index, name="elnino")


def _nile() -> pd.Series:
    from statsmodels.datasets import nile

    data = nile.load_pandas().data
    return pd.Series(data["volume"].to_numpy(), index=pd.PeriodIndex(data["year"].astype(int).astype(str), freq="Y"), name="nile")


_LOADERS = {"co2": _co2, "sunspots": _sunspots, "elnino": _elnino, "nile": _nile}


def names() -> list[str]:
    return sorted(_LOADERS)


def load(name: str, normalise: bool = True) -> pd.Series:
    """The series ``name`` (see :func:`names`), min-max normalised to [0, 1] unless told otherwise."""
    if not isinstance(name, str) or name not in _LOADERS:
        raise UnknownNameError("dataset", name, _LOADERS)
    series = _LOADERS[name]().astype(float)
    series.name = name
    if np.isnan(series.to_numpy()).any():
        series = series.interpolate().bfill()
    return _normalise(series) if normalise else series
