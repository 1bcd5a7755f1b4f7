# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 9: forecasting a time series with an RNN and an LSTM
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/09_forecasting.ipynb)
#
# Experiment E4 of the lab catalogue (lab records 002 and 003).

# %%
# Colab only: install labhelpers and the packages the lessons use that Colab
# lacks (gensim and the rest of the `colab` extra); Colab's own torch,
# TensorFlow, Keras and NumPy are kept. Does nothing elsewhere.
import importlib.util
import subprocess
import sys
import time

if (
    "google.colab" in sys.modules
    and importlib.util.find_spec("labhelpers") is None
):
    started = time.perf_counter()
    url = "https://github.com/rnn-lab-book/rnn-lab-book"
    requirement = f"labhelpers[colab] @ git+{url}@main"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", requirement],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        print(pip.stdout, pip.stderr, sep="\n")
        raise RuntimeError(
            "pip could not install labhelpers: "
            "its own message is printed above."
        )
    seconds = time.perf_counter() - started
    print(f"labhelpers and the lessons' packages installed in {seconds:.0f} s")

# %% [markdown]
# ## Aim
#
# Forecast the next values of a time series with recurrent networks: first a
# sine wave and a toy sequence, as the lab records do, then a real measured
# series, where the networks must beat forecasts that need no training.
#
# ## Objectives
#
# - cut a series into (lookback window -> next value) pairs, split it in time
#   order so that nothing of the test period reaches training, and fit the
#   scaler on the training part only;
# - train an LSTM on a sine wave and plot actual against predicted values;
# - repeat record 003's demo: a ReLU LSTM learns 1, 2, ..., 10 and predicts what
#   follows [5, 6, 7];
# - on a real series, compare an RNN and an LSTM with the naive (last value)
#   and seasonal-naive (same month last year) forecasts, by RMSE and MAE;
# - forecast many steps ahead by feeding predictions back, and watch the errors grow.
#
# ## Parameters
#
# Pick a profile with `profile`; leave a parameter at `None` to take the
# profile's value, or set it to override. With papermill:
# `papermill 09_forecasting.ipynb out.ipynb -p profile lab -p series_name co2`.

# %% tags=["parameters"]
profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab" (longer training).
sine_points = None  # type: int, at least 1  Length of the generated sine wave.
sine_period = None  # type: float, above 0  Period of the sine wave, in steps.
sine_noise = None  # type: float, at least 0  Standard deviation of the noise added to the sine wave.
sine_window = None  # type: int, at least 1  Lookback window (input steps) for the sine wave.
sine_epochs = None  # type: int, at least 1  Training epochs of the sine-wave LSTM.
demo_hidden = None  # type: int, at least 1  Units of record 003's ReLU LSTM (the record: 50).
demo_epochs = None  # type: int, at least 1  Training epochs of record 003's demo (the record: 200).
series_name = None  # type: str in {"elnino", "co2", "sunspots"}  Measured series from statsmodels: "elnino" (sea temperature), "co2" (Mauna Loa) or "sunspots".
window = None  # type: int, at least 1  Lookback window for the measured series (months, or years for sunspots).
train_fraction = None  # type: float in (0, 1)  Share of the measured series, from its start, used for training; the rest is the test period.
val_fraction = None  # type: float in (0, 1)  Share of the training windows, the latest ones, held out to watch validation loss.
hidden_size = None  # type: int, at least 1  Hidden units of the RNN and the LSTM on the measured series.
learning_rate = None  # type: float, above 0  Adam's learning rate for the sine wave and the measured series.
batch_size = None  # type: int, at least 1  Windows per gradient step.
epochs = None  # type: int, at least 1  Training epochs on the measured series.
horizon = None  # type: int, at least 1  Steps ahead for the recursive multi-step forecasts.
seed = 0  # type: int, at least 0  Seed of the generated data and of the models.
device = "auto"  # type: str in {"auto", "cuda", "mps", "cpu"}  "auto" takes CUDA, then MPS, then the CPU.

# %%
from labhelpers.profiles import notebook_settings

# fmt: off
PROFILES = {
    "smoke": dict(sine_points=400,  sine_period=50.0, sine_noise=0.05,
                  sine_window=20, sine_epochs=5,  demo_hidden=50,
                  demo_epochs=60,  series_name="elnino", window=24,
                  train_fraction=0.8, val_fraction=0.15, hidden_size=16,
                  learning_rate=0.003, batch_size=32, epochs=8,   horizon=12),
    "quick": dict(sine_points=1000, sine_period=50.0, sine_noise=0.05,
                  sine_window=20, sine_epochs=20, demo_hidden=50,
                  demo_epochs=200, series_name="elnino", window=24,
                  train_fraction=0.8, val_fraction=0.15, hidden_size=32,
                  learning_rate=0.003, batch_size=32, epochs=60,  horizon=24),
    "lab":   dict(sine_points=2000, sine_period=50.0, sine_noise=0.05,
                  sine_window=20, sine_epochs=50, demo_hidden=50,
                  demo_epochs=200, series_name="elnino", window=24,
                  train_fraction=0.8, val_fraction=0.15, hidden_size=64,
                  learning_rate=0.003, batch_size=32, epochs=200, horizon=24),
}
# fmt: on
# Checks the parameters, then fills in the profile's values.
settings = notebook_settings(PROFILES)
# The windows must fit the series they cut: checked now, before the first
# model trains.
from labhelpers.data.series import check_windows, load_statsmodels_series

check_windows(
    settings["sine_points"],
    settings["sine_window"],
    names=("sine_window", "horizon"),
)
check_windows(
    len(load_statsmodels_series(settings["series_name"]).values),
    settings["window"],
    settings["horizon"],
    settings["train_fraction"],
)
settings

# %% [markdown]
# ## Algorithm
#
# **Windows.** A series $s_0, \dots, s_{n-1}$ becomes pairs: a lookback window of
# $w$ values and the $H$ values after it,
#
# $$X_i = (s_i, \dots, s_{i+w-1}) \in \mathbb{R}^{w \times 1}, \qquad
#   y_i = (s_{i+w}, \dots, s_{i+w+H-1}),$$
#
# so $X$ has shape (pairs, $w$, 1), what `nn.RNN(batch_first=True)` reads.
#
# **No look-ahead.** The first 80% of the series (in time) is the training
# part. The scaler $z = (s - \min) / (\max - \min)$ takes its min and max from
# the training part alone, and no training pair has an input or a target in the
# test period. Test pairs may *read* the last $w$ training values: that is the
# past a forecaster would know. Shuffling the pairs before splitting, or scaling
# with the whole series, would let the model peek at the future.
#
# **Baselines.** The naive forecast repeats the last value, $\hat s_{t+k} = s_t$;
# the seasonal-naive forecast repeats the value one season $m$ earlier,
# $\hat s_{t+k} = s_{t+k-m\lceil k/m \rceil}$ (for monthly data, $m = 12$: the
# same month last year). A model that does not beat them has learned nothing
# useful, however low its training loss.
#
# **Multi-step.** A one-step model forecasts $k$ steps ahead recursively: it
# predicts $\hat s_{t+1}$, slides the window to include it, predicts
# $\hat s_{t+2}$, and so on; its own errors come back as inputs.
#
# **Only the past.** Every model here reads its window forwards, from the
# oldest value to the newest. A **bidirectional** RNN (lesson 11 draws one)
# also reads it backwards, so its output at step $t$ depends on the values
# after $t$: a forecast made at time $t$ does not have them, and a model
# trained with them would be reading its own answer. It cannot forecast.
#
# ```text
# split the series in time: training part | test part
# fit the scaler on the training part; scale everything
# window the training part -> (X_train, y_train); the last 15% of them validate
# window the test part (reading back w values) -> (X_test, y_test)
# for cell in RNN, LSTM:
#     train Linear(cell(X)[last step]) with MSE and Adam
#     forecast the test period one step ahead, and recursively up to H steps
# score all forecasts and both baselines in the original units (RMSE, MAE)
# ```
#
# The error measures, over all forecasts:
# $\mathrm{RMSE} = \sqrt{\tfrac{1}{N}\sum (s - \hat s)^2}$,
# $\mathrm{MAE} = \tfrac{1}{N}\sum |s - \hat s|$.

# %% [markdown]
# ## Program
#
# ### The windowing helper
#
# On a short ramp, so that every value can be checked by eye:

# %%
import numpy as np
import torch
from torch import nn

from labhelpers.data.series import make_windows, split_windows
from labhelpers.runtime import choose_device, describe_device, seed_everything

seed_everything(seed)
device = choose_device(device)
print(f"device: {describe_device(device)}")
ramp = np.arange(10.0)
X_demo, y_demo = make_windows(ramp, window=3, horizon=2)
print(
    f"series {ramp.astype(int).tolist()}, window 3, "
    f"horizon 2 -> X {X_demo.shape}, y {y_demo.shape}"
)
for i in range(3):
    print(
        f"  X[{i}] = {X_demo[i, :, 0].astype(int).tolist()} "
        f" ->  y[{i}] = {y_demo[i].astype(int).tolist()}"
    )
ramp_split = split_windows(
    ramp, window=3, horizon=1, train_fraction=0.7, scaling=None
)
print(
    f"split at t = {ramp_split.n_train}: training targets "
    f"at t = {ramp_split.train_target_time.tolist()}, "
    f"test targets at t = {ramp_split.test_target_time.tolist()}"
)
print(
    f"first test window {ramp_split.X_test[0, :, 0].astype(int).tolist()} "
    "reads the last training values"
)

# %% [markdown]
# ### A sine wave (records 002 and 003)
#
# An LSTM (32 units) with a linear layer on its last step, trained with MSE and
# Adam (learning rate 0.01); the last 20% of the wave, in time, is the test
# period.

# %%
from labhelpers.data.batches import TensorBatches
from labhelpers.data.series import forecast_errors, sine_wave
from labhelpers.models import LastStepRNN, count_parameters
from labhelpers.training import fit, predict

wave = sine_wave(
    settings["sine_points"],
    settings["sine_period"],
    settings["sine_noise"],
    seed=seed,
)
sine = split_windows(wave, settings["sine_window"], train_fraction=0.8)
print(
    f"sine wave of {len(wave)} points (period "
    f"{settings['sine_period']:g}, noise {settings['sine_noise']:g}); "
    f"train pairs {sine.X_train.shape}, test pairs {sine.X_test.shape}"
)


def batches(X_part, y_part, shuffle, size=None):
    return TensorBatches(
        torch.from_numpy(X_part),
        torch.from_numpy(y_part),
        batch_size=size or settings["batch_size"],
        shuffle=shuffle,
    )


torch.manual_seed(seed)
sine_model = LastStepRNN(1, 32, 1, cell="lstm").to(device)
sine_history = fit(
    sine_model,
    nn.MSELoss(),
    torch.optim.Adam(sine_model.parameters(), lr=0.01),
    batches(sine.X_train, sine.y_train, shuffle=True),
    batches(sine.X_test, sine.y_test, False),
    epochs=settings["sine_epochs"],
    device=device,
    accuracy_fn=None,
    log_every=max(1, settings["sine_epochs"] // 4),
)
sine_predicted = sine.scaler.inverse_transform(
    predict(sine_model, batches(sine.X_test, sine.y_test, False))[0]
)
sine_actual = sine.scaler.inverse_transform(sine.y_test)
sine_errors = forecast_errors(sine_actual, sine_predicted)
print(
    f"test period: RMSE {sine_errors['rmse']:.4f}, "
    f"MAE {sine_errors['mae']:.4f} "
    f"(the noise alone has standard deviation {settings['sine_noise']:g})"
)

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(
    1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [2.2, 1]}
)
axes[0].plot(
    sine.test_target_time, sine_actual[:, 0], label="actual", linewidth=1
)
axes[0].plot(
    sine.test_target_time,
    sine_predicted[:, 0],
    label="LSTM, one step ahead",
    linewidth=1,
)
axes[0].set_xlabel("time step")
axes[0].set_ylabel("value")
axes[0].set_title("Sine wave, test period: actual and predicted")
axes[0].set_ylim(-1.7, 1.3)
axes[0].legend(loc="lower center", ncol=2)
axes[1].scatter(sine_actual[:, 0], sine_predicted[:, 0], s=6, alpha=0.6)
axes[1].plot([-1.2, 1.2], [-1.2, 1.2], color="black", linewidth=1)
axes[1].set_xlabel("actual value")
axes[1].set_ylabel("predicted value")
axes[1].set_title("Predicted against actual")
for ax in axes:
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Record 003's demo: what follows [5, 6, 7]?
#
# The record trains Keras' `LSTM(50, activation="relu")` and `Dense(1)` with
# Adam and MSE for 200 epochs on windows of three values of 1, 2, ..., 10, and
# reports 8.01 after [5, 6, 7]. PyTorch's `nn.LSTM` has no `activation`
# argument: it always squashes the cell input and the cell output with tanh.
# `labhelpers.models.ActivationLSTM` is a small LSTM where that function
# can be chosen; with tanh it equals `nn.LSTM` and with ReLU it equals Keras'
# layer (both checked in the unit tests, with the same weights). Its step:

# %%
import inspect

from labhelpers.data.series import arithmetic_sequence
from labhelpers.models import ActivationLSTM, LastStepActivationLSTM

print(inspect.getsource(ActivationLSTM.forward))

# %% [markdown]
# The values are not scaled, as in the record; the 7 windows form one batch
# (Keras' default batch of 32 holds them all), and Adam keeps Keras' default
# learning rate of 0.001. The same model with tanh, the function `nn.LSTM`
# always uses, trains beside it from the same seed:

# %%
counting = arithmetic_sequence(1, 1, 10)
X_count, y_count = make_windows(counting, window=3)
probes = torch.tensor([[5.0, 6.0, 7.0], [11.0, 12.0, 13.0]])[:, :, None]
demo_rows, demo_models = [], {}
for activation in ("relu", "tanh"):
    torch.manual_seed(seed)
    demo = LastStepActivationLSTM(
        1, settings["demo_hidden"], 1, activation=activation
    ).to(device)
    demo_history = fit(
        demo,
        nn.MSELoss(),
        torch.optim.Adam(demo.parameters(), lr=0.001),
        batches(X_count, y_count, shuffle=True, size=32),
        epochs=settings["demo_epochs"],
        device=device,
        accuracy_fn=None,
        log_every=settings["demo_epochs"],
    )
    demo_models[activation] = demo.eval()
    with torch.no_grad():
        after = demo(probes.to(device)).cpu()[:, 0]
    demo_rows.append(
        {
            "activation": activation,
            "final training MSE": demo_history["loss"][-1],
            "after [5, 6, 7]": after[0].item(),
            "after [11, 12, 13]": after[1].item(),
        }
    )
    if activation == "relu":
        demo_after_567 = after[0].item()
print(
    f"training windows: {[w[:, 0].astype(int).tolist() for w in X_count]} "
    f"-> {y_count[:, 0].astype(int).tolist()}"
)

# %%
import pandas as pd

demo_table = pd.DataFrame(demo_rows).set_index("activation")
demo_table.round(3)

# %% [markdown]
# With tanh every hidden state lies in $(-1, 1)$ (it is $o_t \odot
# 	anh(c_t)$ with $o_t \in (0, 1)$), so the output $W_g h_T + b_g$ of the
# tanh model can never leave $b_g \pm \sum_j |W_{g,j}|$, whatever the input;
# a ReLU cell has no such ceiling. What the run shows:

# %%
from IPython.display import Markdown, display

linear = demo_models["tanh"].out
reach = linear.weight.abs().sum().item()
low, high = linear.bias.item() - reach, linear.bias.item() + reach
relu_row, tanh_row = demo_table.loc["relu"], demo_table.loc["tanh"]
closer = {
    probe: min(
        ("relu", "tanh"),
        key=lambda a: abs(demo_table.loc[a, f"after {probe}"] - answer),
    )
    for probe, answer in (("[5, 6, 7]", 8), ("[11, 12, 13]", 14))
}
display(
    Markdown(
        f"After {settings['demo_epochs']} epochs the training MSE is "
        f"{relu_row['final training MSE']:.3f} with ReLU and "
        f"{tanh_row['final training MSE']:.3f} with tanh. After "
        f"[5, 6, 7] (answer 8) ReLU predicts "
        f"{relu_row['after [5, 6, 7]']:.2f} and tanh "
        f"{tanh_row['after [5, 6, 7]']:.2f}; after [11, 12, 13] (answer "
        f"14) ReLU predicts {relu_row['after [11, 12, 13]']:.2f} and tanh "
        f"{tanh_row['after [11, 12, 13]']:.2f}. The trained tanh model's "
        f"outputs are confined to [{low:.2f}, {high:.2f}] by its weights. "
        f"Closer to the answer: {closer['[5, 6, 7]']} after [5, 6, 7], "
        f"{closer['[11, 12, 13]']} after [11, 12, 13]."
    )
)

# %% [markdown]
# [5, 6, 7] is one of the training windows, so 8 is a value the model has seen
# as a target: this demo checks fitting, not forecasting. [11, 12, 13] lies
# beyond every training value; the tanh model cannot answer outside the
# interval printed above, however far the input goes.
#
# ### A real measured series

# %%
from labhelpers.data.series import load_statsmodels_series

measured = load_statsmodels_series(settings["series_name"])
series = measured.values
season = measured.season


def when(position):
    """The date (year-month) or year of a position in the series."""
    stamp = series.index[position]
    return f"{stamp:%Y-%m}" if isinstance(stamp, pd.Timestamp) else str(stamp)


print(f"{measured.name}: {measured.description}")
print(
    f"{len(series)} values from {when(0)} to {when(-1)}, "
    f"in {measured.units}; season {season} steps"
)
split = split_windows(
    series.to_numpy(),
    settings["window"],
    train_fraction=settings["train_fraction"],
)
n_val = max(1, int(round(len(split.X_train) * settings["val_fraction"])))
X_fit, y_fit = split.X_train[:-n_val], split.y_train[:-n_val]
X_val, y_val = split.X_train[-n_val:], split.y_train[-n_val:]
print(
    f"training part: {split.n_train} values to "
    f"{when(split.n_train - 1)}; scaler fitted on them alone "
    f"(min {split.scaler.offset:.2f}, max "
    f"{split.scaler.offset + split.scaler.scale:.2f} {measured.units})"
)
print(
    f"pairs: fit {X_fit.shape}, validation {X_val.shape} (the "
    f"latest training windows), test {split.X_test.shape}"
)
test_range = split.scaler.transform(series.to_numpy()[split.n_train :])
print(
    "test values on the training scale: "
    f"{test_range.min():.3f} to {test_range.max():.3f} "
    "(outside [0, 1] means beyond anything seen in training)"
)

# %%
fig, ax = plt.subplots(figsize=(10, 3.4))
ax.plot(
    series.index[: split.n_train],
    series.to_numpy()[: split.n_train],
    linewidth=0.9,
    label="training part",
)
ax.plot(
    series.index[split.n_train :],
    series.to_numpy()[split.n_train :],
    linewidth=0.9,
    label="test period",
)
ax.axvline(series.index[split.n_train], color="gray", linestyle="--")
ax.set_xlabel(series.index.name)
ax.set_ylabel(series.name)
ax.set_title(f"{measured.name}: the split in time")
ax.legend(loc="upper left")
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# Train an RNN and an LSTM of the same width, each read at its last step:

# %%
models, histories = {}, {}
for cell in ("rnn", "lstm"):
    torch.manual_seed(seed)
    models[cell] = LastStepRNN(1, settings["hidden_size"], 1, cell=cell).to(
        device
    )
    print(f"{cell.upper()}: {count_parameters(models[cell])} parameters")
    histories[cell] = fit(
        models[cell],
        nn.MSELoss(),
        torch.optim.Adam(
            models[cell].parameters(), lr=settings["learning_rate"]
        ),
        batches(X_fit, y_fit, shuffle=True),
        batches(X_val, y_val, shuffle=False),
        epochs=settings["epochs"],
        device=device,
        accuracy_fn=None,
        log_every=max(1, settings["epochs"] // 4),
    )

# %% [markdown]
# ## Observation
#
# Training and validation loss (scaled units) of both networks:

# %%
fig, ax = plt.subplots(figsize=(6.5, 3.6))
for cell, history in histories.items():
    epochs_axis = np.arange(1, history.epochs + 1)
    (line,) = ax.plot(
        epochs_axis, history["loss"], label=f"{cell.upper()} training"
    )
    ax.plot(
        epochs_axis,
        history["val_loss"],
        linestyle="--",
        color=line.get_color(),
        label=f"{cell.upper()} validation",
    )
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("MSE, scaled units (log scale)")
ax.set_title(f"{measured.name}: learning curves")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# One step ahead over the test period, in the series' own units:

# %%
from labhelpers.data.series import naive_forecast, seasonal_naive_forecast

actual = split.scaler.inverse_transform(split.y_test)
one_step = {
    cell.upper(): split.scaler.inverse_transform(
        predict(model, batches(split.X_test, split.y_test, False))[0]
    )
    for cell, model in models.items()
}
one_step["naive (last value)"] = split.scaler.inverse_transform(
    naive_forecast(split.X_test)
)
one_step[f"seasonal naive ({season} steps back)"] = (
    split.scaler.inverse_transform(
        seasonal_naive_forecast(split.X_test, season)
    )
)
one_step_table = pd.DataFrame(
    {
        name: forecast_errors(actual, forecast)
        for name, forecast in one_step.items()
    }
).T
one_step_table.columns = [
    f"RMSE ({measured.units})",
    f"MAE ({measured.units})",
]
one_step_table.round(4)

# %%
test_time = series.index[split.test_target_time]
fig, ax = plt.subplots(figsize=(10, 3.6))
ax.plot(test_time, actual[:, 0], color="black", linewidth=1.4, label="actual")
for name in ("RNN", "LSTM", f"seasonal naive ({season} steps back)"):
    ax.plot(test_time, one_step[name][:, 0], linewidth=0.9, label=name)
ax.set_xlabel(series.index.name)
ax.set_ylabel(series.name)
ax.set_title(f"{measured.name}, test period: one-step-ahead forecasts")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# Recursive forecasts up to `horizon` steps ahead, from every forecast origin of
# the test period: the models feed back their own predictions, the baselines
# need none.

# %%
from labhelpers.data.series import recursive_forecast
from labhelpers.training import next_value_predictor

H = settings["horizon"]
scaled = split.scaler.transform(series.to_numpy())
X_multi, y_multi = make_windows(
    scaled[split.n_train - split.window :], split.window, horizon=H
)
actual_multi = split.scaler.inverse_transform(y_multi)
multi = {
    cell.upper(): split.scaler.inverse_transform(
        recursive_forecast(next_value_predictor(model), X_multi, H)
    )
    for cell, model in models.items()
}
multi["naive (last value)"] = split.scaler.inverse_transform(
    naive_forecast(X_multi, H)
)
multi[f"seasonal naive ({season} steps back)"] = (
    split.scaler.inverse_transform(seasonal_naive_forecast(X_multi, season, H))
)
rmse_by_lead = pd.DataFrame(
    {
        name: np.sqrt(((forecast - actual_multi) ** 2).mean(axis=0))
        for name, forecast in multi.items()
    },
    index=pd.RangeIndex(1, H + 1, name="steps ahead"),
)
multi_table = pd.DataFrame(
    {
        name: forecast_errors(actual_multi, forecast)
        for name, forecast in multi.items()
    }
).T
multi_table.columns = [f"RMSE ({measured.units})", f"MAE ({measured.units})"]
print(
    f"{len(X_multi)} forecast origins, {H} steps each; "
    f"errors over all of them and all 1..{H} steps ahead:"
)
multi_table.round(4)

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
for name in rmse_by_lead:
    axes[0].plot(
        rmse_by_lead.index, rmse_by_lead[name], marker=".", label=name
    )
axes[0].set_xlabel("steps ahead")
axes[0].set_ylabel(f"RMSE ({measured.units})")
axes[0].set_title("Error against lead time (recursive forecasts)")
axes[0].legend(fontsize=8)
origin = 0
lead_time = series.index[split.n_train + origin : split.n_train + origin + H]
context = series.iloc[split.n_train - split.window : split.n_train]
axes[1].plot(
    context.index,
    context.to_numpy(),
    color="gray",
    linewidth=1,
    label="last training window",
)
axes[1].plot(
    lead_time,
    actual_multi[origin],
    color="black",
    linewidth=1.4,
    label="actual",
)
for name in multi:
    axes[1].plot(lead_time, multi[name][origin], linewidth=0.9, label=name)
axes[1].set_xlabel(series.index.name)
axes[1].set_ylabel(series.name)
axes[1].set_title(f"{H}-step forecast from the start of the test period")
axes[1].tick_params(axis="x", labelrotation=30)
axes[1].legend(fontsize=7)
for ax in axes:
    ax.grid(alpha=0.3)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Result

# %%
from IPython.display import Markdown, display

from labhelpers.report import record_results

rmse_column = one_step_table.columns[0]
baseline_names = [name for name in one_step_table.index if "naive" in name]
best_baseline = one_step_table.loc[baseline_names, rmse_column].idxmin()
best_baseline_rmse = one_step_table.loc[best_baseline, rmse_column]
verdicts = []
for name in ("RNN", "LSTM"):
    rmse = one_step_table.loc[name, rmse_column]
    verdict = "beats" if rmse < best_baseline_rmse else "loses to"
    verdicts.append(f"the {name} {verdict} it with {rmse:.3f}")
multi_column = multi_table.columns[0]
multi_best = multi_table[multi_column].idxmin()
sentence = (
    "On the sine wave the LSTM forecast the test period "
    f"one step ahead with RMSE {sine_errors['rmse']:.4f}. "
    f"Record 003's ReLU LSTM ({settings['demo_hidden']} "
    f"units, {settings['demo_epochs']} epochs) predicted "
    f"{demo_after_567:.2f} after [5, 6, 7] (the record: 8.01). "
    f"On {measured.name} ({len(series)} values, test "
    f"period from {when(split.n_train)}), the best "
    f"baseline one step ahead is the {best_baseline} forecast "
    f"with RMSE {best_baseline_rmse:.3f} {measured.units}; "
    f"{' and '.join(verdicts)}. Over 1 to {H} steps "
    f"ahead the lowest RMSE is the {multi_best}'s "
    f"({multi_table.loc[multi_best, multi_column]:.3f} {measured.units})."
)
display(Markdown(sentence))
recorded = record_results(
    "E4 forecasting",
    profile,
    data=f"sine wave; arithmetic sequence; statsmodels {measured.name}",
    metrics={
        "sine_test_rmse": sine_errors["rmse"],
        "demo_prediction_after_567": demo_after_567,
        "rnn_test_rmse": one_step_table.loc["RNN", rmse_column],
        "lstm_test_rmse": one_step_table.loc["LSTM", rmse_column],
        "naive_test_rmse": one_step_table.loc[
            "naive (last value)", rmse_column
        ],
        "seasonal_naive_test_rmse": one_step_table.loc[
            baseline_names[-1], rmse_column
        ],
        "rnn_multistep_rmse": multi_table.loc["RNN", multi_column],
        "lstm_multistep_rmse": multi_table.loc["LSTM", multi_column],
        "seasonal_naive_multistep_rmse": multi_table.loc[
            baseline_names[-1], multi_column
        ],
    },
    settings=settings,
    model=f"RNN on {measured.name}, one step ahead",
    headline="rnn_test_rmse",
    lab_record={"demo_prediction_after_567": 8.01},
)

# %% [markdown]
# ## Questions
#
# 1. `make_windows` with window $w$ and horizon $H$ turns a series of $n$
#    values into how many pairs, and of which shapes?
# 2. Why is the scaler fitted on the training part alone, and why must the
#    pairs not be shuffled before the split in time?
# 3. Test windows read the last $w$ training values. Is that a leak?
# 4. What do the naive and seasonal-naive forecasts score one step ahead, and
#    did the RNN and the LSTM beat the better of them?
# 5. How does the recursive forecast's error change with the lead time, and
#    why? Compare its RMSE one step and `horizon` steps ahead.
# 6. Record 003 reports 8.01 after [5, 6, 7]. Why does that test fitting, not
#    forecasting?
# 7. Why can the tanh model not answer 14 after [11, 12, 13], however long it
#    trains?
# 8. Why can a bidirectional RNN not be used to forecast?
#
# **Try this**
#
# - `-p series_name co2`: a trending series whose test period lies above
#   every training value. Which forecast wins there?
# - `-p window 12`: one year of context instead of two; what happens to the
#   networks' errors against the seasonal-naive forecast?
# - `-p demo_epochs 1000`: does the ReLU model get closer to 8 after
#   [5, 6, 7], and does the tanh model ever reach 14?

# %% [markdown]
# :::{admonition} Answers
# :class: dropdown
#
# 1. $n - w - H + 1$ pairs; `X` is (pairs, $w$, 1) and `y` (pairs, $H$).
# 2. Any statistic taken from the test period (its minimum, its maximum)
#    tells the model something about the future; shuffled pairs put windows
#    from inside the test period into training, so the model is scored on a
#    period it has already learned from.
# 3. No: a forecaster at the start of the test period knows the past, and the
#    test *targets* all lie in the test period.
# 4. and 5. The next cell gives the run's numbers. Each recursive step reads
#    earlier predictions as inputs, so their errors enter later windows, and
#    the horizon is further from anything the model has read.
# 6. [5, 6, 7] -> 8 is one of the seven training pairs.
# 7. Its hidden state lies in $(-1, 1)$, so its output cannot leave
#    $b_g \pm \sum_j |W_{g,j}|$; the run's interval is in the next cell.
# 8. Its backward direction reads the window from its newest value to its
#    oldest, and in a forecast of $x_{t+1}$ made at $t$ the values after $t$
#    do not exist yet; trained with them it would read its own answer
#    (lesson 11).
# :::

# %%
# The numeric answers, from this run (a collapsed block in the book).
rmse = one_step_table[rmse_column]
lstm_lead = rmse_by_lead["LSTM"]
answers = [
    f"1: the ramp of 10 values, window 3, horizon 2 gave {len(X_demo)} "
    f"pairs, X {X_demo.shape}, y {y_demo.shape}.",
    f"4: naive {rmse['naive (last value)']:.3f}, seasonal naive "
    f"{rmse[baseline_names[-1]]:.3f}, RNN {rmse['RNN']:.3f}, LSTM "
    f"{rmse['LSTM']:.3f} {measured.units} (RMSE). Against the better "
    f"baseline, the {best_baseline} forecast: "
    + "; ".join(verdicts)
    + ".",
    f"5: the LSTM's recursive RMSE is {lstm_lead.iloc[0]:.3f} one step "
    f"ahead and {lstm_lead.iloc[-1]:.3f} {H} steps ahead.",
    f"6: the ReLU model predicted {demo_after_567:.2f} after [5, 6, 7].",
    f"7: the trained tanh model's outputs are confined to "
    f"[{low:.2f}, {high:.2f}].",
]
display(
    Markdown(
        ":::{admonition} Answers from this run\n:class: dropdown\n\n"
        + "\n".join(f"- {line}" for line in answers)
        + "\n:::"
    )
)


# %% tags=["lab-record"]
# Your lab record: run the whole notebook first (Restart and run all), and
# outside Colab save it (Ctrl+S). Then fill in your name and register number
# and run this cell: it writes the record as HTML and PDF from this run (on
# Colab it also downloads both). Left empty, it only says how to use it.
student_name = ""  # e.g. "A. Student"
register_number = ""  # e.g. "21BCE1234"

from labhelpers.record import record_this_notebook

record_this_notebook(student_name, register_number)
