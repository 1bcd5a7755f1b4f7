"""Time series for the sequence lessons (8 and 9): generated and measured series,
windowing, a scaler fitted on the training part only, and naive baselines.

NumPy and pandas only; ``statsmodels`` is imported inside
:func:`load_statsmodels_series`, the one function that needs it.

Windowing convention used everywhere here: a window of ``window`` values ending
at time ``t`` (its *forecast origin*) predicts the ``horizon`` values at times
``t + 1, ..., t + horizon``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..base.checks import positive_int, require


def _fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return float(value)


def check_series(series, name: str = "series") -> np.ndarray:
    """``series`` as a 1-D float64 array; a clear error for other shapes, NaN or infinity.

    Accepts a list, a NumPy array of shape (n,) or (n, 1), or a pandas Series.
    """
    values = np.asarray(series, dtype=np.float64)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (n,) or (n, 1), got shape {values.shape}")
    if values.size == 0:
        raise ValueError(f"{name} is empty: there is nothing to window or forecast")
    bad = ~np.isfinite(values)
    if bad.any():
        where = np.flatnonzero(bad)
        raise ValueError(
            f"{name} contains {bad.sum()} NaN or infinite value(s), first at position {where[0]}: "
            "fill or drop them first (for example pandas' .interpolate() or .dropna())"
        )
    return values


# --------------------------------------------------------------------------- generated data


def make_sine_sequences(
    n_samples: int = 1000, seq_len: int = 20, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Independent noisy sine segments and the clean value that follows each (E3).

    Sequence i has its own angular frequency w_i ~ U(0.2, 0.6) rad/step (a period
    of 10 to 31 steps) and phase p_i ~ U(0, 2 pi):

        x_t = sin(w_i t + p_i) + noise * e_t,  e_t ~ N(0, 1),  t = 0..seq_len-1
        y   = sin(w_i seq_len + p_i)           (the next value, without noise)

    The model has to infer frequency and phase from a noisy segment. A constant
    prediction scores MSE about 0.5, the variance of a unit sine.

    Returns ``X`` of shape (n_samples, seq_len, 1) and ``y`` of shape
    (n_samples, 1), both float32.
    """
    n_samples = positive_int("n_samples", n_samples)
    seq_len = positive_int("seq_len", seq_len)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a non-negative number, got {noise!r}")
    rng = np.random.default_rng(seed)
    omega = rng.uniform(0.2, 0.6, size=(n_samples, 1))
    phase = rng.uniform(0.0, 2 * np.pi, size=(n_samples, 1))
    t = np.arange(seq_len + 1)[None, :]
    clean = np.sin(omega * t + phase)
    X = clean[:, :seq_len] + noise * rng.standard_normal((n_samples, seq_len))
    return X[:, :, None].astype(np.float32), clean[:, seq_len:].astype(np.float32)


def sine_wave(
    n_points: int = 1000, period: float = 50.0, noise: float = 0.0, seed: int = 0
) -> np.ndarray:
    """One long sine wave, x_t = sin(2 pi t / period) + noise * e_t, t = 0..n_points-1.

    Returns shape (n_points,), float64.
    """
    n_points = positive_int("n_points", n_points)
    if not np.isfinite(period) or period <= 0:
        raise ValueError(f"period must be a positive number of steps, got {period!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a non-negative number, got {noise!r}")
    t = np.arange(n_points)
    rng = np.random.default_rng(seed)
    return np.sin(2 * np.pi * t / period) + noise * rng.standard_normal(n_points)


def arithmetic_sequence(start: float = 1.0, step: float = 1.0, length: int = 10) -> np.ndarray:
    """start, start + step, ..., start + (length - 1) step; shape (length,), float64.

    Lab record 003's toy series (1, 2, ..., 10) is the default.
    """
    length = positive_int("length", length)
    if not (np.isfinite(start) and np.isfinite(step)):
        raise ValueError(
            f"start and step must be finite numbers, got start={start!r}, step={step!r}"
        )
    return start + step * np.arange(length, dtype=np.float64)


# --------------------------------------------------------------------------- windowing


def make_windows(series, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into (lookback window -> next ``horizon`` values) pairs.

    For a series s_0..s_{n-1}, pair i is

        X[i] = s_i, ..., s_{i+window-1}            shape (window, 1)
        y[i] = s_{i+window}, ..., s_{i+window+horizon-1}   shape (horizon,)

    so there are n - window - horizon + 1 pairs. Returns ``X`` of shape
    (pairs, window, 1) and ``y`` of shape (pairs, horizon), float32 (what an
    ``nn.RNN(batch_first=True)`` reads).
    """
    window = positive_int("window", window)
    horizon = positive_int("horizon", horizon)
    values = check_series(series)
    n_pairs = len(values) - window - horizon + 1
    if n_pairs < 1:
        raise ValueError(
            f"window={window} plus horizon={horizon} needs a "
            f"series of at least {window + horizon} values, "
            f"but the series has {len(values)}: use a shorter window or a longer series"
        )
    starts = np.arange(n_pairs)[:, None]
    X = values[starts + np.arange(window)[None, :]]
    y = values[starts + window + np.arange(horizon)[None, :]]
    return X[:, :, None].astype(np.float32), y.astype(np.float32)


@dataclass
class SeriesScaler:
    """An affine scaler z = (x - offset) / scale, fitted by :func:`fit_scaler`.

    ``kind="minmax"`` maps the fitted values onto [0, 1] (offset = min,
    scale = max - min, as scikit-learn's ``MinMaxScaler``); ``kind="standard"``
    gives them mean 0 and standard deviation 1 (as ``StandardScaler``).
    ``n_fitted`` says how many values it saw.
    """

    kind: str
    offset: float
    scale: float
    n_fitted: int

    def transform(self, values) -> np.ndarray:
        return (np.asarray(values, dtype=np.float64) - self.offset) / self.scale

    def inverse_transform(self, values) -> np.ndarray:
        return np.asarray(values, dtype=np.float64) * self.scale + self.offset


def fit_scaler(train_values, kind: str = "minmax") -> SeriesScaler:
    """Fit a :class:`SeriesScaler` on ``train_values`` (pass the training part only)."""
    values = check_series(train_values, "train_values")
    if kind == "minmax":
        offset, scale = values.min(), values.max() - values.min()
    elif kind == "standard":
        offset, scale = values.mean(), values.std()
    else:
        raise ValueError(f"kind must be 'minmax' or 'standard', got {kind!r}")
    if scale == 0:
        raise ValueError(
            f"train_values are all equal ({values[0]}): there is no spread to scale by"
        )
    return SeriesScaler(kind, float(offset), float(scale), len(values))


@dataclass
class WindowSplit:
    """Training and test windows of one series, split in time order (see :func:`split_windows`).

    ``X_*`` have shape (pairs, window, 1) and ``y_*`` shape (pairs, horizon),
    in scaled units; ``*_target_time[i]`` is the time index of ``y_*[i, 0]``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_target_time: np.ndarray
    test_target_time: np.ndarray
    n_train: int
    scaler: SeriesScaler
    window: int
    horizon: int


def check_windows(
    n_values: int,
    window: int,
    horizon: int = 1,
    train_fraction: float = 0.8,
    names: tuple[str, str] = ("window", "horizon"),
) -> int:
    """The number of training values of a series of ``n_values`` split by :func:`split_windows`.

    A ValueError, naming ``names`` (the settings that hold the window and the
    horizon), when the training part cannot hold one window and its horizon or
    the test part is shorter than the horizon: a notebook calls this with its
    settings before it trains anything.
    """
    window = positive_int(names[0], window)
    horizon = positive_int(names[1], horizon)
    train_fraction = _fraction("train_fraction", train_fraction)
    n_train = int(round(n_values * train_fraction))
    if n_train < window + horizon:
        raise ValueError(
            f"the training part has {n_train} values, fewer "
            f"than {names[0]}={window} + {names[1]}={horizon}: "
            f"raise train_fraction, shorten {names[0]} or use a longer series"
        )
    if n_values - n_train < horizon:
        raise ValueError(
            f"the test part has {n_values - n_train} values, fewer than {names[1]}={horizon}: "
            f"lower train_fraction or {names[1]}"
        )
    return n_train


def split_windows(
    series,
    window: int,
    horizon: int = 1,
    train_fraction: float = 0.8,
    scaling: str | None = "minmax",
) -> WindowSplit:
    """Split a series in time order, scale it with the training part only, then window it.

    The first ``n_train = round(n * train_fraction)`` values are the training
    part. The scaler is fitted on them alone. Training pairs use only those
    values, inputs *and* targets (no target lies at or after ``n_train``). Test
    pairs predict every value from ``n_train`` on; their windows may reach back
    into the training part, which is the past a forecaster would know.
    ``scaling=None`` keeps the original units (an identity scaler).
    """
    values = check_series(series)
    n_train = check_windows(len(values), window, horizon, train_fraction)
    if scaling is None:
        scaler = SeriesScaler("identity", 0.0, 1.0, n_train)
    else:
        scaler = fit_scaler(values[:n_train], scaling)
    scaled = scaler.transform(values)
    X_train, y_train = make_windows(scaled[:n_train], window, horizon)
    X_test, y_test = make_windows(scaled[n_train - window :], window, horizon)
    return WindowSplit(
        X_train,
        y_train,
        X_test,
        y_test,
        train_target_time=np.arange(len(X_train)) + window,
        test_target_time=np.arange(len(X_test)) + n_train,
        n_train=n_train,
        scaler=scaler,
        window=window,
        horizon=horizon,
    )


# --------------------------------------------------------------------------- baselines and errors


def _check_windows(X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 3 and X.shape[2] == 1:
        X = X[:, :, 0]
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"X must hold windows of shape (pairs, window) or (pairs, window, 1), got {np.shape(X)}"
        )
    return X


def naive_forecast(X, horizon: int = 1) -> np.ndarray:
    """The last-value forecast: every future value equals the last one seen.

    y_hat[i, k] = X[i, -1] for k = 0..horizon-1. Returns shape (pairs, horizon).
    """
    horizon = positive_int("horizon", horizon)
    X = _check_windows(X)
    return np.repeat(X[:, -1:], horizon, axis=1)


def seasonal_naive_forecast(X, season: int, horizon: int = 1) -> np.ndarray:
    """The seasonal-naive forecast: each value equals the value one season earlier.

    For a window ending at time t, step k + 1 ahead (k = 0..horizon-1) is
    predicted by s_{t + k + 1 - season * ceil((k + 1) / season)}, which sits at
    position ``window - season + (k mod season)`` of the window. Needs
    ``window >= season``. Returns shape (pairs, horizon).
    """
    season = positive_int("season", season)
    horizon = positive_int("horizon", horizon)
    X = _check_windows(X)
    window = X.shape[1]
    if window < season:
        raise ValueError(
            f"season={season} is longer than the window ({window} values): the window "
            "must hold at least one full season"
        )
    positions = window - season + np.arange(horizon) % season
    return X[:, positions]


def forecast_errors(y_true, y_pred) -> dict[str, float]:
    """Root mean squared error and mean absolute error over all values.

    RMSE = sqrt(mean((y - y_hat)^2)), MAE = mean(|y - y_hat|), in the units of y.
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}"
        )
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty: there is nothing to score")
    error = y_true - y_pred
    return {"rmse": float(np.sqrt(np.mean(error**2))), "mae": float(np.mean(np.abs(error)))}


def recursive_forecast(
    predict_next: Callable[[np.ndarray], np.ndarray], X, steps: int
) -> np.ndarray:
    """Forecast ``steps`` values ahead with a one-step model, feeding back its own predictions.

    ``predict_next`` maps windows of shape (pairs, window, 1) to the next value,
    shape (pairs, 1) or (pairs,). After each step the window slides by one: its
    oldest value drops out and the prediction comes in. Returns shape
    (pairs, steps); errors compound, which is the point of the exercise.
    """
    steps = positive_int("steps", steps)
    windows = _check_windows(X)[:, :, None].astype(np.float32)
    forecasts = np.empty((len(windows), steps), dtype=np.float64)
    for step in range(steps):
        following = np.asarray(predict_next(windows), dtype=np.float64).reshape(-1)
        if following.shape != (len(windows),):
            raise ValueError(
                f"predict_next must return one value per window ({len(windows)}), got shape "
                f"{np.shape(following)}"
            )
        forecasts[:, step] = following
        windows = np.concatenate(
            [windows[:, 1:], following[:, None, None].astype(np.float32)], axis=1
        )
    return forecasts


# --------------------------------------------------------------------------- measured series


@dataclass
class MeasuredSeries:
    """A real measured series: its values (a pandas Series
    with a date or year index) and facts about it."""

    name: str
    values: pd.Series
    season: int
    units: str
    description: str


MEASURED_SERIES = {
    "co2": "monthly mean CO2 concentration at Mauna Loa, March 1958 to December 2001 (ppm); "
    "trend and a 12-month cycle",
    "elnino": "monthly sea-surface temperature of the Nino 1+2 region of the Pacific, "
    "1950 to 2010 (deg C); a 12-month cycle",
    "sunspots": "yearly mean sunspot number, 1700 to 2008; a cycle of about 11 years",
}


def load_statsmodels_series(name: str = "co2") -> MeasuredSeries:
    """Load a measured series that ships inside ``statsmodels.datasets`` (no network).

    - ``"co2"``: Mauna Loa weekly CO2 averaged per calendar month (526 months);
      the 5 months without any weekly value are filled by linear interpolation.
    - ``"elnino"``: the 61 years x 12 months table unrolled into 732 months.
    - ``"sunspots"``: 309 yearly values, season taken as 11 years.
    """
    if name not in MEASURED_SERIES:
        raise ValueError(f"name must be one of {sorted(MEASURED_SERIES)}, got {name!r}")
    datasets = require(
        "statsmodels.datasets",
        "series",
        "load_statsmodels_series (lesson 11's measured series)",
        package="statsmodels",
    )
    if name == "co2":
        weekly = datasets.co2.load_pandas().data["co2"]
        values = weekly.resample("MS").mean().interpolate(method="linear")
        values.index.name = "month"
        return MeasuredSeries(name, values.rename("co2 (ppm)"), 12, "ppm", MEASURED_SERIES[name])
    if name == "elnino":
        table = datasets.elnino.load_pandas().data
        months = table.columns[1:]
        stacked = table.set_index(table["YEAR"].astype(int))[months].stack()
        index = pd.to_datetime(
            [f"{year}-{month}-01" for year, month in stacked.index], format="%Y-%b-%d"
        )
        values = pd.Series(
            stacked.to_numpy(dtype=np.float64),
            index=pd.DatetimeIndex(index, name="month"),
            name="sea-surface temperature (deg C)",
        )
        return MeasuredSeries(name, values, 12, "deg C", MEASURED_SERIES[name])
    table = datasets.sunspots.load_pandas().data
    values = pd.Series(
        table["SUNACTIVITY"].to_numpy(dtype=np.float64),
        index=pd.Index(table["YEAR"].astype(int), name="year"),
        name="sunspot number",
    )
    return MeasuredSeries(name, values, 11, "sunspot number", MEASURED_SERIES[name])
