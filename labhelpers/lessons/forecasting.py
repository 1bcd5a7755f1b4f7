"""Lesson 11: the figures of forecasting a sine wave and a measured series.

Each function draws one of the lesson's figures from arrays the notebook has
computed (forecasts and actual values in the series' own units) and returns
the figure; none computes a forecast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def plot_sine_test(time, actual, predicted, label: str):
    """The sine wave's test period: actual and one-step-ahead ``predicted`` values against
    ``time`` (the model named by ``label``), and beside it predicted against actual."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [2.2, 1]})
    axes[0].plot(time, actual[:, 0], label="actual", linewidth=1)
    axes[0].plot(time, predicted[:, 0], label=label, linewidth=1)
    axes[0].set_xlabel("time step")
    axes[0].set_ylabel("value")
    axes[0].set_title("Sine wave, test period: actual and predicted")
    axes[0].set_ylim(-1.7, 1.3)
    axes[0].legend(loc="lower center", ncol=2)
    axes[1].scatter(actual[:, 0], predicted[:, 0], s=6, alpha=0.6)
    axes[1].plot([-1.2, 1.2], [-1.2, 1.2], color="black", linewidth=1)
    axes[1].set_xlabel("actual value")
    axes[1].set_ylabel("predicted value")
    axes[1].set_title("Predicted against actual")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def plot_split_in_time(series, n_train: int, name: str):
    """A measured ``series`` (a pandas Series with a time index) in two colours: its first
    ``n_train`` values (the training part) and the test period, with a dashed line between."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 3.4))
    values = series.to_numpy()
    ax.plot(series.index[:n_train], values[:n_train], linewidth=0.9, label="training part")
    ax.plot(series.index[n_train:], values[n_train:], linewidth=0.9, label="test period")
    ax.axvline(series.index[n_train], color="gray", linestyle="--")
    ax.set_xlabel(series.index.name)
    ax.set_ylabel(series.name)
    ax.set_title(f"{name}: the split in time")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def plot_learning_curves(histories: Mapping[str, Mapping[str, Sequence[float]]], title: str):
    """Training (solid) and validation (dashed, same colour) MSE of each network in
    ``histories`` against the epoch, on a log scale."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for name, history in histories.items():
        epochs_axis = np.arange(1, len(history["loss"]) + 1)
        (line,) = ax.plot(epochs_axis, history["loss"], label=f"{name} training")
        ax.plot(epochs_axis, history["val_loss"], linestyle="--", color=line.get_color(),
                label=f"{name} validation")  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE, scaled units (log scale)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_forecasts(time, actual, forecasts: Mapping[str, np.ndarray], series, title: str):
    """``actual`` values (black) and each of ``forecasts`` (label -> values) against ``time``;
    the axes are named after ``series`` (its index and its name)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.plot(time, actual, color="black", linewidth=1.4, label="actual")
    for name, values in forecasts.items():
        ax.plot(time, values, linewidth=0.9, label=name)
    ax.set_xlabel(series.index.name)
    ax.set_ylabel(series.name)
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def plot_multi_step(rmse_by_lead, units: str, context, lead_time, actual, forecasts, series):
    """Recursive forecasts: RMSE against the steps ahead (``rmse_by_lead``, a DataFrame with
    one column per forecaster), and beside it the forecasts (label -> values) from the first
    origin of the test period after the ``context`` (the last training window, a Series)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for name in rmse_by_lead:
        axes[0].plot(rmse_by_lead.index, rmse_by_lead[name], marker=".", label=name)
    axes[0].set_xlabel("steps ahead")
    axes[0].set_ylabel(f"RMSE ({units})")
    axes[0].set_title("Error against lead time (recursive forecasts)")
    axes[0].legend(fontsize=8)
    axes[1].plot(context.index, context.to_numpy(), color="gray", linewidth=1,
                 label="last training window")  # fmt: skip
    axes[1].plot(lead_time, actual, color="black", linewidth=1.4, label="actual")
    for name, values in forecasts.items():
        axes[1].plot(lead_time, values, linewidth=0.9, label=name)
    axes[1].set_xlabel(series.index.name)
    axes[1].set_ylabel(series.name)
    axes[1].set_title(f"{len(lead_time)}-step forecast from the start of the test period")
    axes[1].tick_params(axis="x", labelrotation=30)
    axes[1].legend(fontsize=7)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
