"""The figures of lessons 8, 10, 11, 12 and 6, moved out of their notebooks: each test reads
the drawn artists back (line data, labels, titles) and compares them with the data given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from labhelpers import plots


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _lines(ax):
    return {line.get_label(): line for line in ax.get_lines()}


# ---------------------------------------------------------------- lesson 8


def test_model_histories_draw_each_models_training_and_validation_per_metric():
    histories = {
        "SimpleRNN": {
            "accuracy": [0.5, 0.6],
            "val_accuracy": [0.55, 0.58],
            "loss": [0.7, 0.6],
            "val_loss": [0.69, 0.65],
        },
        "LSTM": {
            "accuracy": [0.6, 0.8],
            "val_accuracy": [0.62, 0.79],
            "loss": [0.6, 0.4],
            "val_loss": [0.61, 0.45],
        },
    }
    fig = plots.plot_model_histories(histories, title="SimpleRNN against LSTM")
    assert fig._suptitle.get_text() == "SimpleRNN against LSTM"
    assert [ax.get_title() for ax in fig.axes] == ["accuracy per epoch", "loss per epoch"]
    for ax, key in zip(fig.axes, ("accuracy", "loss")):
        lines = _lines(ax)
        for name, history in histories.items():
            assert list(lines[f"{name} training"].get_ydata()) == history[key]
            assert list(lines[f"{name} validation"].get_ydata()) == history[f"val_{key}"]
            assert list(lines[f"{name} training"].get_xdata()) == [1, 2]
            assert lines[f"{name} validation"].get_linestyle() == "--"
            assert lines[f"{name} training"].get_color() == lines[f"{name} validation"].get_color()
        assert list(ax.get_xticks()) == [1, 2]
        assert ax.get_ylabel() == key
    with pytest.raises(ValueError, match="histories is empty.*at least one"):
        plots.plot_model_histories({})


def test_relative_gradient_by_lag_puts_the_last_position_at_lag_0_with_a_2_se_band():
    ratio = np.array([0.01, 0.1, 1.0])
    se = np.array([0.02, 0.01, 0.0])
    fig = plots.plot_relative_gradient_by_lag({"LSTM": (ratio, se)}, n_reviews=7)
    ax = fig.axes[0]
    (line,) = ax.get_lines()
    assert line.get_label() == "LSTM"
    assert list(line.get_xdata()) == [2, 1, 0] and list(line.get_ydata()) == list(ratio)
    assert ax.get_yscale() == "log"
    assert "7 validation reviews" in ax.get_title()
    band = ax.collections[0].get_paths()[0].vertices
    # at lag 2 the band's upper edge is ratio + 2 se; its lower one, ratio - 2 se < 0, is
    # kept at ratio / 1000; at lag 1 it is ratio - 2 se
    at_lag_2 = sorted(band[band[:, 0] == 2][:, 1])
    assert at_lag_2[0] == pytest.approx(1e-5) and at_lag_2[-1] == pytest.approx(0.05)
    assert sorted(set(np.round(band[band[:, 0] == 1][:, 1], 12))) == [0.08, 0.12]


# ---------------------------------------------------------------- lesson 10


def test_sequences_with_targets_draw_each_sequence_and_its_target_star_in_one_colour():
    from labhelpers.lessons import sequence_regression as lesson

    X = np.arange(24, dtype=float).reshape(4, 6, 1)
    y = np.array([[100.0], [101.0], [102.0], [103.0]])
    ax = lesson.plot_sequences_with_targets(X, y).axes[0]
    lines = ax.get_lines()
    assert len(lines) == 6  # three sequences, three stars
    for i in range(3):
        sequence, star = lines[2 * i], lines[2 * i + 1]
        assert sequence.get_label() == f"sequence {i}"
        assert list(sequence.get_xdata()) == list(range(6))
        assert list(sequence.get_ydata()) == list(X[i, :, 0])
        assert list(star.get_xdata()) == [6] and list(star.get_ydata()) == [y[i, 0]]
        assert star.get_marker() == "*" and star.get_color() == sequence.get_color()
    assert "star is the target" in ax.get_title()


def test_mse_history_is_plot_history_with_the_loss_on_a_log_scale():
    from labhelpers.lessons import sequence_regression as lesson

    history = {"loss": [0.5, 0.1, 0.02], "val_loss": [0.6, 0.2, 0.03]}
    fig = lesson.plot_mse_history(history, title="2-layer RNN")
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "MSE (log scale)"
    assert fig._suptitle.get_text() == "2-layer RNN"
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [
        history["loss"],
        history["val_loss"],
    ]


def test_validation_curves_draw_one_line_per_model_and_the_last_value_predictor():
    from labhelpers.lessons import sequence_regression as lesson

    curves = {"1 layer (seed 0)": [0.3, 0.2], "2 layers (seed 0)": [0.25, 0.1, 0.05]}
    ax = lesson.plot_validation_curves(curves, last_value_mse=0.07).axes[0]
    lines = _lines(ax)
    for label, curve in curves.items():
        assert list(lines[label].get_ydata()) == curve
        assert list(lines[label].get_xdata()) == list(range(1, len(curve) + 1))
    assert list(lines["last-value predictor"].get_ydata()) == [0.07, 0.07]
    assert ax.get_yscale() == "log" and ax.get_title() == "One RNN layer against two"


def test_predicted_against_true_scatters_the_pairs_and_names_the_mse():
    from labhelpers.lessons import sequence_regression as lesson

    targets = np.array([[0.1], [0.5], [-0.3]])
    predicted = np.array([[0.2], [0.4], [-0.1]])
    ax = lesson.plot_predicted_against_true(targets, predicted, mse=0.0123).axes[0]
    points = ax.collections[0].get_offsets()
    np.testing.assert_array_equal(points, np.column_stack([targets[:, 0], predicted[:, 0]]))
    assert ax.get_title() == "Test sequences (MSE 0.0123)"
    assert list(_lines(ax)["perfect prediction"].get_xdata()) == [-1, 1]


# ---------------------------------------------------------------- lesson 11


def test_sine_test_draws_actual_and_predicted_in_time_and_against_each_other():
    from labhelpers.lessons import forecasting as lesson

    time = np.array([10, 11, 12])
    actual, predicted = np.array([[0.0], [0.5], [1.0]]), np.array([[0.1], [0.4], [0.9]])
    fig = lesson.plot_sine_test(time, actual, predicted, label="LSTM(32), one step ahead")
    in_time, scatter = fig.axes
    lines = _lines(in_time)
    assert list(lines["actual"].get_xdata()) == [10, 11, 12]
    assert list(lines["actual"].get_ydata()) == [0.0, 0.5, 1.0]
    assert list(lines["LSTM(32), one step ahead"].get_ydata()) == [0.1, 0.4, 0.9]
    assert in_time.get_ylim() == (-1.7, 1.3)
    np.testing.assert_array_equal(
        scatter.collections[0].get_offsets(), np.column_stack([actual[:, 0], predicted[:, 0]])
    )
    assert scatter.get_title() == "Predicted against actual"


@pytest.fixture
def series():
    import pandas as pd

    index = pd.date_range("2000-01", periods=6, freq="MS", name="month")
    return pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=index, name="temperature")


def test_split_in_time_colours_the_training_part_and_the_test_period(series):
    from labhelpers.lessons import forecasting as lesson

    ax = lesson.plot_split_in_time(series, n_train=4, name="El Niño").axes[0]
    lines = _lines(ax)
    assert list(lines["training part"].get_ydata()) == [1.0, 2.0, 3.0, 4.0]
    assert list(lines["test period"].get_ydata()) == [5.0, 6.0]
    assert ax.get_title() == "El Niño: the split in time"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("month", "temperature")


def test_learning_curves_pair_training_and_validation_per_network_on_a_log_scale():
    from labhelpers.lessons import forecasting as lesson

    histories = {
        "RNN(8)": {"loss": [0.3, 0.1], "val_loss": [0.4, 0.2]},
        "LSTM(8)": {"loss": [0.2, 0.05], "val_loss": [0.3, 0.1]},
    }
    ax = lesson.plot_learning_curves(histories, "co2: learning curves (seed 0)").axes[0]
    lines = _lines(ax)
    for name, history in histories.items():
        training, validation = lines[f"{name} training"], lines[f"{name} validation"]
        assert list(training.get_ydata()) == history["loss"]
        assert list(validation.get_ydata()) == history["val_loss"]
        assert validation.get_color() == training.get_color()
        assert validation.get_linestyle() == "--"
    assert ax.get_yscale() == "log" and ax.get_title() == "co2: learning curves (seed 0)"


def test_forecasts_draw_the_actual_values_and_each_forecast(series):
    from labhelpers.lessons import forecasting as lesson

    time = series.index[3:]
    forecasts = {"RNN(8)": [4.1, 5.2, 5.9], "seasonal naive (12 steps back)": [3.0, 4.0, 5.0]}
    ax = lesson.plot_forecasts(time, [4.0, 5.0, 6.0], forecasts, series, "test period").axes[0]
    lines = _lines(ax)
    assert list(lines["actual"].get_ydata()) == [4.0, 5.0, 6.0]
    assert lines["actual"].get_color() == "black"
    for name, values in forecasts.items():
        assert list(lines[name].get_ydata()) == values
    assert ax.get_title() == "test period" and ax.get_ylabel() == "temperature"


def test_multi_step_draws_the_error_by_lead_and_the_forecast_after_the_last_window(series):
    import pandas as pd

    from labhelpers.lessons import forecasting as lesson

    rmse_by_lead = pd.DataFrame(
        {"LSTM(8)": [0.1, 0.3], "naive (last value)": [0.2, 0.5]},
        index=pd.RangeIndex(1, 3, name="steps ahead"),
    )
    forecasts = {"LSTM(8)": [5.1, 5.8], "naive (last value)": [4.0, 4.0]}
    context, lead_time = series.iloc[1:4], series.index[4:]
    fig = lesson.plot_multi_step(
        rmse_by_lead, "°C", context, lead_time, [5.0, 6.0], forecasts, series
    )
    by_lead, forecast = fig.axes
    for name in rmse_by_lead:
        line = _lines(by_lead)[name]
        assert list(line.get_xdata()) == [1, 2]
        assert list(line.get_ydata()) == list(rmse_by_lead[name])
    assert by_lead.get_ylabel() == "RMSE (°C)"
    lines = _lines(forecast)
    assert list(lines["last training window"].get_ydata()) == [2.0, 3.0, 4.0]
    assert list(lines["actual"].get_ydata()) == [5.0, 6.0]
    for name, values in forecasts.items():
        assert list(lines[name].get_ydata()) == values
    assert forecast.get_title() == "2-step forecast from the start of the test period"


# ---------------------------------------------------------------- lesson 12


def test_char_histories_draw_loss_and_perplexity_per_model_against_the_unigram():
    from labhelpers.lessons import char_rnn as lesson

    histories = {
        "RNN(64)": {"loss": [2.5, 2.0], "val_loss": [2.4, 2.1], "val_perplexity": [11.0, 8.2]},
        "LSTM(64)": {"loss": [2.6, 1.9], "val_loss": [2.5, 2.0], "val_perplexity": [12.2, 7.4]},
    }
    loss, perplexity = lesson.plot_char_histories(histories, unigram_perplexity=20.5).axes
    for name, history in histories.items():
        training = _lines(loss)[f"{name} training"]
        assert list(training.get_ydata()) == history["loss"]
        assert list(training.get_xdata()) == [1, 2]
        validation = _lines(loss)[f"{name} validation"]
        assert list(validation.get_ydata()) == history["val_loss"]
        assert validation.get_linestyle() == "--"
        assert list(_lines(perplexity)[name].get_ydata()) == history["val_perplexity"]
        assert _lines(perplexity)[name].get_color() == training.get_color()
    assert list(_lines(perplexity)["no context (unigram)"].get_ydata()) == [20.5, 20.5]
    assert (loss.get_title(), perplexity.get_title()) == (
        "Loss per epoch",
        "Validation perplexity per epoch",
    )


def test_continuation_errors_draw_teacher_forcing_and_free_running_by_step():
    from labhelpers.lessons import char_rnn as lesson

    forcing = lesson.ContinuationErrors(
        teacher_error=np.array([0.4, 0.4, 0.5]),
        free_error=np.array([0.4, 0.6, 0.8]),
        teacher_loss=np.array([1.2, 1.3, 1.25]),
        free_loss=np.array([1.2, 2.0, 2.9]),
    )
    error, loss = lesson.plot_continuation_errors(forcing, "GRU(64)").axes
    for ax, key in ((error, "error"), (loss, "loss")):
        lines = _lines(ax)
        assert list(lines["teacher forcing"].get_xdata()) == [1, 2, 3]
        for mode, prefix in (("teacher forcing", "teacher"), ("free running", "free")):
            assert list(lines[mode].get_ydata()) == list(getattr(forcing, f"{prefix}_{key}"))
    assert error.get_title() == "GRU(64): greedy continuation errors"
    assert loss.get_ylabel() == "cross-entropy of the true character (nats)"


# ---------------------------------------------------------------- lesson 6


def test_gradients_beside_lesson_4_draw_lesson_4s_panel_then_one_panel_per_moment():
    from labhelpers.lessons import gated_cells as lesson

    lesson4 = {"scale 0.5": [1.0, 0.5, 0.25]}
    bounds = {"scale 0.5": [1.0, 0.5, 0.25]}
    gradients = {
        "PyTorch's initialisation": {"vanilla RNN": [1.0, 0.1, 0.01], "LSTM": [1.0, 0.5, 0.3]},
        "gates opened": {"vanilla RNN": [1.0, 0.1, 0.01], "LSTM": [1.0, 0.9, 0.8]},
        "after training": {"vanilla RNN": [1.0, 0.2, 0.02], "LSTM": [1.0, 0.7, 0.6]},
    }
    fig = lesson.plot_gradients_beside_lesson_4(lesson4, bounds, gradients, 3, 8, distance=2)
    first, *moments = fig.axes
    assert first.get_title() == "Lesson 5: vanilla RNN, T = 3, hidden 8"
    assert list(_lines(first)["scale 0.5"].get_ydata()) == [1.0, 0.5, 0.25]
    assert first.get_ylim() == pytest.approx((1e-20, 1e12))
    assert len(moments) == 3
    for ax, (moment, norms) in zip(moments, gradients.items()):
        assert ax.get_title() == f"{moment}: RNN, LSTM, GRU (hidden 8)"
        lines = _lines(ax)
        for name, values in norms.items():
            assert list(lines[name].get_ydata()) == values
        # the key's lag, dotted
        assert any(
            list(line.get_xdata()) == [2, 2] and line.get_linestyle() == ":"
            for line in ax.get_lines()
        )
