import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import mean_absolute_error, mean_squared_error
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from labhelpers.data.series import (
    MEASURED_SERIES,
    arithmetic_sequence,
    check_series,
    check_windows,
    fit_scaler,
    forecast_errors,
    load_statsmodels_series,
    make_sine_sequences,
    make_windows,
    naive_forecast,
    recursive_forecast,
    seasonal_naive_forecast,
    sine_wave,
    split_windows,
)

from conftest import says

# ---------------------------------------------------------------- generated data


def test_sine_sequences_shapes_and_determinism():
    X, y = make_sine_sequences(50, 12, noise=0.1, seed=3)
    assert X.shape == (50, 12, 1) and y.shape == (50, 1)
    assert X.dtype == np.float32 and y.dtype == np.float32
    X2, y2 = make_sine_sequences(50, 12, noise=0.1, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(X, make_sine_sequences(50, 12, noise=0.1, seed=4)[0])


def test_sine_sequence_target_continues_the_sine():
    # Without noise a sampled sine obeys x_{t+1} = 2 cos(w) x_t - x_{t-1}: fit 2 cos(w)
    # from the sequence itself and check that the target is the next term.
    X, y = make_sine_sequences(20, 15, noise=0.0, seed=0)
    for x, target in zip(X[:, :, 0].astype(np.float64), y[:, 0]):
        previous, current, following = x[:-2], x[1:-1], x[2:]
        coefficient = np.dot(current, following + previous) / np.dot(current, current)
        assert coefficient * x[-1] - x[-2] == pytest.approx(target, abs=1e-5)
    assert np.abs(y).max() <= 1.0


def test_sine_sequences_reject_bad_sizes():
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        make_sine_sequences(0)
    with pytest.raises(ValueError, match="seq_len must be a positive integer"):
        make_sine_sequences(10, -2)
    with pytest.raises(ValueError, match="noise must be a non-negative number"):
        make_sine_sequences(10, 5, noise=-0.1)


def test_sine_wave_and_arithmetic_sequence():
    wave = sine_wave(200, period=25, noise=0.0)
    np.testing.assert_allclose(wave, np.sin(2 * np.pi * np.arange(200) / 25))
    noisy = sine_wave(20000, period=25, noise=0.5, seed=1)
    assert np.std(noisy - np.sin(2 * np.pi * np.arange(20000) / 25)) == pytest.approx(0.5, rel=0.03)
    np.testing.assert_array_equal(arithmetic_sequence(), np.arange(1, 11))
    np.testing.assert_array_equal(arithmetic_sequence(10, 10, 9), np.arange(10, 91, 10))
    with pytest.raises(ValueError, match="period must be a positive number"):
        sine_wave(10, period=0)
    with pytest.raises(ValueError, match="length must be a positive integer"):
        arithmetic_sequence(length=0)


# ---------------------------------------------------------------- windowing


def test_windows_shapes_and_the_target_is_the_next_value():
    series = np.arange(10.0) ** 2
    X, y = make_windows(series, window=3)
    assert X.shape == (7, 3, 1) and y.shape == (7, 1)
    for i in range(7):
        np.testing.assert_array_equal(X[i, :, 0], series[i : i + 3])
        assert y[i, 0] == series[i + 3]


def test_windows_with_a_horizon_hold_the_following_values():
    series = np.arange(20.0)
    X, y = make_windows(series, window=4, horizon=3)
    assert X.shape == (20 - 4 - 3 + 1, 4, 1) and y.shape == (14, 3)
    # a ramp: targets are last + 1, 2, 3
    np.testing.assert_array_equal(y, X[:, -1:, 0] + np.arange(1, 4))
    X_one, y_one = make_windows(series, window=17, horizon=3)  # exactly one pair fits
    assert X_one.shape == (1, 17, 1)
    np.testing.assert_array_equal(y_one[0], [17, 18, 19])


@pytest.mark.parametrize(
    "window, horizon, message",
    [
        (11, 1, says("window=11 plus horizon=1", "at least 12 values", "has 10")),
        (10, 1, r"window=10 plus horizon=1"),
        (5, 0, r"horizon must be a positive integer, got 0"),
        (5, -2, r"horizon must be a positive integer, got -2"),
        (0, 1, r"window must be a positive integer, got 0"),
        (2.5, 1, r"window must be a positive integer, got 2.5"),
    ],
)
def test_windows_reject_bad_arguments(window, horizon, message):
    with pytest.raises(ValueError, match=message):
        make_windows(np.arange(10.0), window, horizon)


def test_nan_or_empty_series_are_refused_by_name():
    series = np.arange(10.0)
    series[4] = np.nan
    with pytest.raises(
        ValueError, match=says("series contains 1 NaN or infinite", "position 4", "fill or drop")
    ):
        make_windows(series, 3)
    with pytest.raises(ValueError, match="series contains"):
        split_windows(series, 3)
    with pytest.raises(ValueError, match="series is empty"):
        check_series([])
    with pytest.raises(ValueError, match=r"one-dimensional"):
        check_series(np.zeros((3, 2)))
    np.testing.assert_array_equal(check_series(pd.Series([1, 2, 3])), [1.0, 2.0, 3.0])


def test_split_keeps_time_order_and_nothing_of_the_test_part_reaches_training():
    rng = np.random.default_rng(0)
    series = rng.normal(size=100).cumsum()
    split = split_windows(series, window=6, horizon=2, train_fraction=0.7)
    assert split.n_train == 70
    # every training target (all horizon steps) lies before the boundary
    assert (split.train_target_time + split.horizon - 1 < split.n_train).all()
    assert split.test_target_time[0] == split.n_train
    # changing the test part changes neither the scaler nor any training pair
    altered = series.copy()
    altered[70:] = 1e6
    other = split_windows(altered, window=6, horizon=2, train_fraction=0.7)
    np.testing.assert_array_equal(split.X_train, other.X_train)
    np.testing.assert_array_equal(split.y_train, other.y_train)
    assert (split.scaler.offset, split.scaler.scale) == (other.scaler.offset, other.scaler.scale)
    # the test targets, unscaled, are the test part of the series, every value once (first step)
    restored = split.scaler.inverse_transform(split.y_test[:, 0])
    np.testing.assert_allclose(restored, series[70 : len(series) - 1], rtol=1e-5)
    np.testing.assert_allclose(
        split.scaler.inverse_transform(split.y_test[-1]), series[-2:], rtol=1e-5
    )


def test_the_scaler_sees_the_training_part_only():
    series = np.concatenate([np.linspace(0, 10, 80), np.linspace(50, 100, 20)])
    split = split_windows(series, window=5, train_fraction=0.8)
    assert split.scaler.n_fitted == 80
    reference = MinMaxScaler().fit(series[:80, None])
    assert split.scaler.offset == pytest.approx(reference.data_min_[0])
    assert split.scaler.scale == pytest.approx(reference.data_range_[0])
    assert split.X_train.min() == pytest.approx(0.0) and split.X_train.max() <= 1.0 + 1e-6
    assert split.y_test.max() > 1.0  # test values beyond the training range stay beyond it
    identity = split_windows(series, window=5, train_fraction=0.8, scaling=None)
    np.testing.assert_allclose(identity.y_test[:, 0], series[80:], rtol=1e-6)


def test_split_refuses_parts_that_are_too_short():
    with pytest.raises(ValueError, match="the training part has 8 values, fewer than window=9"):
        split_windows(np.arange(10.0), window=9, train_fraction=0.8)
    with pytest.raises(ValueError, match="the test part has 2 values, fewer than horizon=3"):
        split_windows(np.arange(10.0), window=2, horizon=3, train_fraction=0.8)
    with pytest.raises(ValueError, match="train_fraction must lie strictly between 0 and 1"):
        split_windows(np.arange(10.0), window=2, train_fraction=1.0)
    assert split_windows(np.arange(10.0), window=2, train_fraction=np.float32(0.7)).n_train == 7


@pytest.mark.parametrize(
    "kind, reference", [("minmax", MinMaxScaler), ("standard", StandardScaler)]
)
def test_scaler_matches_scikit_learn_and_inverts(kind, reference):
    rng = np.random.default_rng(1)
    train, other = rng.normal(3, 2, size=50), rng.normal(3, 4, size=30)
    ours = fit_scaler(train, kind)
    theirs = reference().fit(train[:, None])
    np.testing.assert_allclose(
        ours.transform(other), theirs.transform(other[:, None])[:, 0], rtol=1e-12
    )
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(other)), other, rtol=1e-12)


def test_scaler_errors():
    with pytest.raises(ValueError, match="train_values are all equal"):
        fit_scaler(np.ones(5))
    with pytest.raises(ValueError, match="kind must be 'minmax' or 'standard'"):
        fit_scaler(np.arange(5.0), "robust")
    with pytest.raises(ValueError, match="train_values contains 1 NaN"):
        fit_scaler([1.0, np.nan, 2.0])


# ---------------------------------------------------------------- baselines and errors


def test_naive_and_seasonal_naive_match_a_loop_over_time():
    rng = np.random.default_rng(2)
    series = rng.normal(size=60)
    window, horizon, season = 12, 9, 4
    X, y = make_windows(series, window, horizon)
    naive = naive_forecast(X, horizon)
    seasonal = seasonal_naive_forecast(X, season, horizon)
    for i in range(len(X)):
        origin = i + window - 1  # time of the last value in the window
        for k in range(1, horizon + 1):
            assert naive[i, k - 1] == pytest.approx(series[origin])
            back = season * int(np.ceil(k / season))
            assert seasonal[i, k - 1] == pytest.approx(series[origin + k - back])
    with pytest.raises(ValueError, match="season=13 is longer than the window"):
        seasonal_naive_forecast(X, 13)
    with pytest.raises(ValueError, match="horizon must be a positive integer"):
        naive_forecast(X, 0)


def test_seasonal_naive_is_exact_on_a_periodic_series():
    series = np.tile([1.0, 5.0, 2.0, 8.0], 10)
    X, y = make_windows(series, 8, 6)
    np.testing.assert_array_equal(seasonal_naive_forecast(X, 4, 6), y)


def test_forecast_errors_match_scikit_learn():
    rng = np.random.default_rng(3)
    truth, guess = rng.normal(size=(40, 3)), rng.normal(size=(40, 3))
    errors = forecast_errors(truth, guess)
    assert errors["rmse"] == pytest.approx(
        np.sqrt(mean_squared_error(truth.ravel(), guess.ravel()))
    )
    assert errors["mae"] == pytest.approx(mean_absolute_error(truth.ravel(), guess.ravel()))
    with pytest.raises(ValueError, match="same shape"):
        forecast_errors(truth, guess[:5])


def test_recursive_forecast_with_the_exact_recurrence_continues_a_sine():
    omega = 2 * np.pi / 17
    series = np.sin(omega * np.arange(80))

    def exact_next(windows):  # x_{t+1} = 2 cos(w) x_t - x_{t-1}
        return 2 * np.cos(omega) * windows[:, -1, 0].astype(np.float64) - windows[:, -2, 0]

    X, y = make_windows(series, 5, 20)
    forecast = recursive_forecast(exact_next, X, 20)
    assert forecast.shape == (len(X), 20)
    np.testing.assert_allclose(forecast, y, atol=1e-4)  # float32 windows, errors compound slowly
    with pytest.raises(ValueError, match="predict_next must return one value per window"):
        recursive_forecast(lambda w: np.zeros((len(w), 2)), X, 3)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        recursive_forecast(exact_next, X, 0)


# ---------------------------------------------------------------- measured series


@pytest.mark.parametrize(
    "name, length, season", [("co2", 526, 12), ("elnino", 732, 12), ("sunspots", 309, 11)]
)
def test_statsmodels_series_load_offline(name, length, season):
    pytest.importorskip("statsmodels", reason="statsmodels is not installed")
    measured = load_statsmodels_series(name)
    assert len(measured.values) == length and measured.season == season
    assert np.isfinite(measured.values.to_numpy()).all()
    assert measured.values.index.is_monotonic_increasing
    assert measured.description == MEASURED_SERIES[name]


def test_elnino_unrolls_the_table_month_by_month():
    datasets = pytest.importorskip("statsmodels.datasets", reason="statsmodels is not installed")
    table = datasets.elnino.load_pandas().data
    values = load_statsmodels_series("elnino").values
    np.testing.assert_array_equal(values.to_numpy()[:12], table.iloc[0, 1:].to_numpy(dtype=float))
    assert values.index[0] == pd.Timestamp("1950-01-01") and values.index[13] == pd.Timestamp(
        "1951-02-01"
    )
    assert values.iloc[13] == table.loc[1, "FEB"]


def test_co2_months_are_the_means_of_their_weeks():
    datasets = pytest.importorskip("statsmodels.datasets", reason="statsmodels is not installed")
    weekly = datasets.co2.load_pandas().data["co2"]
    monthly = load_statsmodels_series("co2").values
    march_1959 = weekly["1959-03-01":"1959-03-31"].mean()
    assert monthly[pd.Timestamp("1959-03-01")] == pytest.approx(march_1959)


def test_unknown_series_name_lists_the_choices():
    with pytest.raises(
        ValueError, match=says("name", "one of ['co2', 'elnino', 'sunspots']", "got 'nile'")
    ):
        load_statsmodels_series("nile")


def test_check_windows_names_the_settings_it_was_given():
    from labhelpers.data.series import check_windows

    assert check_windows(100, 10, 5, 0.8) == 80
    with pytest.raises(
        ValueError,
        match=says("sine_window=90 + horizon=1", "raise train_fraction", "shorten sine_window"),
    ):
        check_windows(100, 90, names=("sine_window", "horizon"))
    with pytest.raises(ValueError, match="the test part has 20 values, fewer than horizon=30"):
        check_windows(100, 10, 30, 0.8)


# ---------------------------------------------------------------- closing mutants (issue 13)


def test_sine_sequences_follow_the_documented_draws_and_defaults():
    # The docstring's recipe, drawn in its order: w ~ U(0.2, 0.6), p ~ U(0, 2 pi), noise e_t.
    rng = np.random.default_rng(5)
    omega = rng.uniform(0.2, 0.6, size=(30, 1))
    phase = rng.uniform(0.0, 2 * np.pi, size=(30, 1))
    t = np.arange(9)[None, :]
    noisy = np.sin(omega * t[:, :8] + phase) + 0.25 * rng.standard_normal((30, 8))
    X, y = make_sine_sequences(30, 8, noise=0.25, seed=5)
    np.testing.assert_array_equal(X[:, :, 0], noisy.astype(np.float32))
    np.testing.assert_array_equal(y, np.sin(omega * 8 + phase).astype(np.float32))
    X_default, y_default = make_sine_sequences()
    X_explicit, y_explicit = make_sine_sequences(1000, 20, noise=0.1, seed=0)
    np.testing.assert_array_equal(X_default, X_explicit)
    np.testing.assert_array_equal(y_default, y_explicit)


def test_sine_wave_and_arithmetic_sequence_against_their_formulas():
    t = np.arange(40)
    expected = np.sin(2 * np.pi * t / 7.5) + 0.3 * np.random.default_rng(2).standard_normal(40)
    np.testing.assert_array_equal(sine_wave(40, 7.5, noise=0.3, seed=2), expected)
    np.testing.assert_array_equal(sine_wave(), np.sin(2 * np.pi * np.arange(1000) / 50.0))
    np.testing.assert_array_equal(sine_wave(4, 0.5), np.sin(4 * np.pi * np.arange(4)))
    ints = arithmetic_sequence(3, 2, 4)
    assert ints.dtype == np.float64 and ints.tolist() == [3.0, 5.0, 7.0, 9.0]
    with pytest.raises(ValueError, match=says("n_points", "positive integer", "got 0")):
        sine_wave(0)
    with pytest.raises(ValueError, match=says("noise", "non-negative number", "got -1")):
        sine_wave(10, noise=-1)
    with pytest.raises(
        ValueError, match=says("start and step", "finite numbers", "got start=inf, step=1")
    ):
        arithmetic_sequence(float("inf"), 1)


def test_check_series_returns_float64_and_its_message_names_the_series_and_the_fix():
    values = check_series([1, 2, 3])
    assert values.dtype == np.float64 and values.tolist() == [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(check_series(np.array([[4], [5]])), [4.0, 5.0])
    with pytest.raises(
        ValueError,
        match=says(
            "prices contains 2 NaN or infinite", "position 1", ".interpolate()", ".dropna()"
        ),
    ):
        check_series([1.0, np.nan, 2.0, np.inf], "prices")


def test_windows_and_scalers_keep_their_dtypes():
    X, y = make_windows(np.arange(6), 3)
    assert X.dtype == np.float32 and y.dtype == np.float32
    scaler = fit_scaler([1.0, 3.0])
    assert scaler == type(scaler)("minmax", 1.0, 2.0, 2)
    single = np.array([1.5, 2.5], dtype=np.float32)
    assert scaler.transform(single).dtype == np.float64
    assert scaler.inverse_transform(single).dtype == np.float64
    np.testing.assert_array_equal(scaler.transform(single), [0.25, 0.75])
    np.testing.assert_array_equal(scaler.inverse_transform(single), [4.0, 6.0])
    with pytest.raises(
        ValueError,
        match=says("train_values", "all equal (3.0)", "no spread"),
    ):
        fit_scaler([3.0])


def test_check_windows_boundaries_and_the_names_it_is_given():
    # 10 values, 0.8: 8 for training = window 6 + horizon 2, and 2 left = one horizon
    assert check_windows(10, 6, 2, 0.8) == 8
    assert check_windows(20, 3, 4, 0.8) == 16  # the test part exactly one horizon long
    with pytest.raises(ValueError, match=says("lookback", "positive integer", "got 0")):
        check_windows(10, 0, 1, names=("lookback", "steps"))
    with pytest.raises(ValueError, match=says("steps", "positive integer", "got 0")):
        check_windows(10, 2, 0, names=("lookback", "steps"))
    for fraction in (0, 1, "0.5", True):
        with pytest.raises(
            ValueError, match=says("train_fraction", "between 0 and 1", f"got {fraction!r}")
        ):
            check_windows(10, 2, 1, fraction)


@pytest.mark.parametrize("scaling", [None, "standard"])
def test_split_windows_holds_exactly_the_windows_of_the_scaled_parts(scaling):
    series = np.sin(np.arange(30) / 3.0) * 5 + np.arange(30) * 0.1
    split = split_windows(series, 4, 2, scaling=scaling)  # train_fraction 0.8 by default
    assert split.n_train == 24 and split.window == 4 and split.horizon == 2
    if scaling is None:
        assert split.scaler == type(split.scaler)("identity", 0.0, 1.0, 24)
    else:
        assert split.scaler == fit_scaler(series[:24], "standard")
    scaled = split.scaler.transform(series)
    X_train, y_train = make_windows(scaled[:24], 4, 2)
    X_test, y_test = make_windows(scaled[20:], 4, 2)
    for got, expected in (
        (split.X_train, X_train),
        (split.y_train, y_train),
        (split.X_test, X_test),
        (split.y_test, y_test),
    ):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(split.train_target_time, np.arange(4, 23))
    np.testing.assert_array_equal(split.test_target_time, np.arange(24, 29))


def test_forecast_baselines_take_2d_windows_and_refuse_other_shapes():
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    naive = naive_forecast(X)
    assert naive.dtype == np.float64 and naive.tolist() == [[3.0], [6.0]]
    np.testing.assert_array_equal(naive_forecast(X[:1, 2:], 2), [[3.0, 3.0]])  # one pair, one value
    np.testing.assert_array_equal(seasonal_naive_forecast(X, 3), [[1.0], [4.0]])  # window == season
    np.testing.assert_array_equal(seasonal_naive_forecast(X, 2, horizon=3), [[2, 3, 2], [5, 6, 5]])
    for bad in (np.zeros((2, 3, 2)), np.zeros((0, 3)), np.zeros((3, 0)), np.zeros(5)):
        with pytest.raises(
            ValueError,
            match=says("X must hold", "(pairs, window) or (pairs, window, 1)", f"got {bad.shape}"),
        ):
            naive_forecast(bad)
    with pytest.raises(ValueError, match=says("season", "positive integer", "got 0")):
        seasonal_naive_forecast(X, 0)
    with pytest.raises(ValueError, match=says("horizon", "positive integer", "got 0")):
        seasonal_naive_forecast(X, 2, horizon=0)
    with pytest.raises(
        ValueError,
        match=says("season=4", "longer than the window (3 values)", "at least one full season"),
    ):
        seasonal_naive_forecast(X, 4)


def test_forecast_errors_are_computed_in_float64():
    y_true = np.array([0.1, 0.7, 1.3], dtype=np.float32)
    y_pred = np.array([0.3, 0.2, 1.1], dtype=np.float32)
    error = y_true.astype(np.float64) - y_pred.astype(np.float64)
    assert forecast_errors(y_true, y_pred) == {
        "rmse": float(np.sqrt(np.mean(error**2))),
        "mae": float(np.mean(np.abs(error))),
    }
    assert forecast_errors([2.0], [0.5]) == {"rmse": 1.5, "mae": 1.5}
    with pytest.raises(ValueError, match=says("y_true and y_pred", "empty")):
        forecast_errors([], [])


def test_recursive_forecast_feeds_float32_windows_and_checks_the_shape():
    seen = []

    def predict_next(windows):
        seen.append(windows.dtype)
        return windows[:, -1] * 2  # shape (pairs, 1)

    forecasts = recursive_forecast(predict_next, np.array([[1.0, 2.0], [3.0, 0.5]]), 3)
    np.testing.assert_array_equal(forecasts, [[4, 8, 16], [1, 2, 4]])
    assert seen == [np.float32] * 3
    with pytest.raises(
        ValueError,
        match=says("predict_next", "one value per window (2)", "got shape (4,)"),
    ):
        recursive_forecast(lambda windows: np.zeros((2, 2)), np.ones((2, 3)), 1)


@pytest.mark.parametrize(
    "name, units, season, values_name, index_name, index_dtype",
    [
        ("co2", "ppm", 12, "co2 (ppm)", "month", "datetime64[us]"),
        ("elnino", "deg C", 12, "sea-surface temperature (deg C)", "month", "datetime64[us]"),
        ("sunspots", "sunspot number", 11, "sunspot number", "year", "int64"),
    ],
)
def test_measured_series_carry_their_names_units_and_index(
    name, units, season, values_name, index_name, index_dtype
):
    pytest.importorskip("statsmodels", reason="statsmodels is not installed")
    measured = load_statsmodels_series(name)
    assert (measured.name, measured.units, measured.season) == (name, units, season)
    assert measured.description == MEASURED_SERIES[name]
    assert measured.values.name == values_name and measured.values.dtype == np.float64
    assert measured.values.index.name == index_name
    assert str(measured.values.index.dtype) == index_dtype
    if name == "co2":
        assert load_statsmodels_series().name == "co2"  # the default


def test_forecast_errors_convert_each_side_to_float64():
    from decimal import Decimal

    # Decimals (read exactly from a file, say) are converted, not subtracted as objects
    assert forecast_errors([Decimal("1.5")], [0.5]) == {"rmse": 1.0, "mae": 1.0}
    assert forecast_errors([2.5], [Decimal("0.5")]) == {"rmse": 2.0, "mae": 2.0}
    t = np.arange(6)
    noisy = np.sin(2 * np.pi * t / 50.0) + 0.5 * np.random.default_rng(0).standard_normal(6)
    np.testing.assert_array_equal(sine_wave(6, noise=0.5), noisy)  # seed 0 by default
