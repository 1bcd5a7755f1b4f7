# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 11: forecasting a time series with an RNN and an LSTM
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/11_forecasting.ipynb)
#
# Experiment E4 of the lab catalogue (lab records 002 and 003).

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

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
# - on a real series, compare an RNN, an LSTM and a bidirectional LSTM (which
#   reads its past window both ways) with the naive (last value) and
#   seasonal-naive (same month last year) forecasts, by RMSE with its standard
#   error, and MAE;
# - forecast many steps ahead by feeding predictions back, and watch the errors grow.
#
# ## Parameters
#
# Pick a profile with `profile`; a parameter left at `None` takes its
# profile's value (`lab`, `quick` or `smoke`, all in
# `labhelpers/lesson_settings.toml`), and the cell after the parameters shows
# the values used. With papermill:
# `papermill 11_forecasting.ipynb out.ipynb -p profile lab -p series_name co2`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab" (longer training).
sine_points = None  # type: int, at least 1  Length of the generated sine wave.
sine_period = None  # type: float, above 0  Period of the sine wave, in steps.
sine_noise = None  # type: float, at least 0  Standard deviation of the noise added to the sine wave.
sine_window = None  # type: int, at least 1  Lookback window (input steps) for the sine wave.
sine_epochs = None  # type: int, at least 1  Training epochs of the sine-wave LSTM.
demo_hidden = None  # type: int, at least 1  Units of record 003's ReLU LSTM.
demo_epochs = None  # type: int, at least 1  Training epochs of record 003's demo.
series_name = None  # type: str in {"elnino", "co2", "sunspots"}  Measured series from statsmodels: "elnino" (sea temperature), "co2" (Mauna Loa) or "sunspots".
window = None  # type: int, at least 1  Lookback window for the measured series (months, or years for sunspots).
train_fraction = None  # type: float in (0, 1)  Share of the measured series, from its start, used for training; the rest is the test period.
val_fraction = None  # type: float in (0, 1)  Share of the training windows, the latest ones, held out to watch validation loss.
hidden_size = None  # type: int, at least 1  Hidden units of the RNN, the LSTM and each direction of the bidirectional LSTM on the measured series.
n_seeds = None  # type: int, at least 1  Seeds each network on the measured series trains from: with 2 or more, its RMSE is the mean with its standard error over seeds; with 1, a block-bootstrap standard error over the test windows.
learning_rate = None  # type: float, above 0  Adam's learning rate for the sine wave and the measured series.
batch_size = None  # type: int, at least 1  Windows per gradient step.
epochs = None  # type: int, at least 1  Training epochs on the measured series.
horizon = None  # type: int, at least 1  Steps ahead for the recursive multi-step forecasts.
seed = None  # type: int, at least 0  Seed of the generated data and of the models.
device = None  # type: str in {"auto", "cuda", "mps", "cpu"}  "auto" takes CUDA, then MPS, then the CPU.

# %%
settings = notebook_settings()

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
# **Noise.** One training is one draw. With `n_seeds` of 2 or more, each
# network trains from that many seeds and its RMSE is the mean over them with
# the standard error of that mean. With one seed, and for the baselines (which
# do not train), the standard error comes from a moving-block bootstrap over
# the test windows: neighbouring windows share most of their values, so whole
# blocks of consecutive windows are resampled. The bootstrap counts the luck of
# the test period, the seeds the luck of training. Two RMSEs are called within
# noise when they differ by less than two standard errors of the difference.
#
# **Multi-step.** A one-step model forecasts $k$ steps ahead recursively: it
# predicts $\hat s_{t+1}$, slides the window to include it, predicts
# $\hat s_{t+2}$, and so on; its own errors come back as inputs.
#
# **Only the past, read either way.** Every model here reads a finished window
# of past values, $s_{t-w+1}, \dots, s_t$, and outputs once, for the value
# after it. A **bidirectional** RNN (lesson 13 draws one) adds a second layer
# that reads the same window from its newest value to its oldest. Both
# directions read only values up to the forecast origin $t$, so a
# bidirectional encoder of a past window is a valid forecaster: this lesson
# trains one beside the others. The restriction is on outputs that must not
# depend on later inputs: a prediction at every step of a sequence (there the
# backward state at step $t$ has read the values after $t$), generating text
# (lesson 12) and streaming, where each output is due before the next input
# arrives.
#
# ```text
# split the series in time: training part | test part
# fit the scaler on the training part; scale everything
# window the training part -> (X_train, y_train); the last 15% of them validate
# window the test part (reading back w values) -> (X_test, y_test)
# for network in RNN, LSTM, bidirectional LSTM:
#     for each of n_seeds seeds:
#         train Linear(network(X)[last step]) with MSE and Adam
#         forecast the test period one step ahead, and recursively up to H steps
# score all forecasts and both baselines in the original units (RMSE, MAE),
# each RMSE with its standard error (over seeds, or a block bootstrap)
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

from labhelpers.base.runtime import describe_device, seed_everything
from labhelpers.data.series import make_windows, split_windows

seed_everything(settings.seed)
print(f"device: {describe_device(settings.device)}")
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
# An LSTM with a linear layer on its last step, trained with MSE and Adam (its
# width and learning rate are printed below). The last 20% of the wave, in
# time, is the test period; the latest `val_fraction` of the training windows
# are held out to validate during training, so the test windows are read only
# once, for the final score.

# %%
from labhelpers.data.batches import TensorBatches
from labhelpers.data.series import forecast_errors, sine_wave
from labhelpers.models import LastStepRNN, count_parameters
from labhelpers.noise import rmse_block_bootstrap
from labhelpers.training import fit, predict

SINE_HIDDEN, SINE_RATE = 32, 0.01  # the sine LSTM's width and learning rate


def hold_out_latest(X_part, y_part):
    """Split training windows in time: the latest `val_fraction` validate."""
    n_val = max(1, int(round(len(X_part) * settings.val_fraction)))
    fitted = X_part[:-n_val], y_part[:-n_val]
    return fitted, (X_part[-n_val:], y_part[-n_val:])


wave = sine_wave(
    settings.sine_points,
    settings.sine_period,
    settings.sine_noise,
    seed=settings.seed,
)
sine = split_windows(wave, settings.sine_window, train_fraction=0.8)
(X_sine_fit, y_sine_fit), (X_sine_val, y_sine_val) = hold_out_latest(
    sine.X_train, sine.y_train
)
print(
    f"sine wave of {len(wave)} points (period "
    f"{settings.sine_period:g}, noise {settings.sine_noise:g}); "
    f"pairs: fit {X_sine_fit.shape}, validation {X_sine_val.shape} (the "
    f"latest training windows), test {sine.X_test.shape}"
)
print(
    f"model: LSTM({SINE_HIDDEN}) read at its last step, Linear({SINE_HIDDEN}, "
    f"1); Adam, learning rate {SINE_RATE:g}"
)


def batches(X_part, y_part, shuffle, size=None):
    return TensorBatches(
        torch.from_numpy(X_part),
        torch.from_numpy(y_part),
        batch_size=size or settings.batch_size,
        shuffle=shuffle,
    )


torch.manual_seed(settings.seed)
sine_model = LastStepRNN(1, SINE_HIDDEN, 1, cell="lstm").to(settings.device)
sine_history = fit(
    sine_model,
    nn.MSELoss(),
    torch.optim.Adam(sine_model.parameters(), lr=SINE_RATE),
    batches(X_sine_fit, y_sine_fit, shuffle=True),
    batches(X_sine_val, y_sine_val, False),
    epochs=settings.sine_epochs,
    device=settings.device,
    accuracy_fn=None,
    log_every=max(1, settings.sine_epochs // 4),
)
sine_predicted = sine.scaler.inverse_transform(
    predict(sine_model, batches(sine.X_test, sine.y_test, False))[0]
)
sine_actual = sine.scaler.inverse_transform(sine.y_test)
sine_errors = forecast_errors(sine_actual, sine_predicted)
sine_rmse = rmse_block_bootstrap(
    sine_actual - sine_predicted,
    block=settings.sine_window,
    seed=settings.seed,
)
print(
    f"test period: RMSE {sine_rmse.show(percent=False)} ({sine_rmse.source}), "
    f"MAE {sine_errors['mae']:.4f}; the noise alone has standard "
    f"deviation {settings.sine_noise:g}"
)

# %%
import matplotlib.pyplot as plt

from labhelpers.lessons.forecasting import plot_sine_test

plot_sine_test(
    sine.test_target_time,
    sine_actual,
    sine_predicted,
    label=f"LSTM({SINE_HIDDEN}), one step ahead",
)
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


def output_bound(linear):
    """b_g -/+ sum|W_g|: where W_g h + b_g lies for every h in (-1, 1)."""
    reach = linear.weight.abs().sum().item()
    return linear.bias.item() - reach, linear.bias.item() + reach


demo_rows, demo_models = [], {}
for activation in ("relu", "tanh"):
    torch.manual_seed(settings.seed)
    demo = LastStepActivationLSTM(
        1, settings.demo_hidden, 1, activation=activation
    ).to(settings.device)
    if activation == "tanh":
        bound_before = output_bound(demo.out)
    demo_history = fit(
        demo,
        nn.MSELoss(),
        torch.optim.Adam(demo.parameters(), lr=0.001),
        batches(X_count, y_count, shuffle=True, size=32),
        epochs=settings.demo_epochs,
        device=settings.device,
        accuracy_fn=None,
        log_every=settings.demo_epochs,
    )
    demo_models[activation] = demo.eval()
    with torch.no_grad():
        after = demo(probes.to(settings.device)).cpu()[:, 0]
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
# \tanh(c_t)$ with $o_t \in (0, 1)$), so for given weights the output
# $W_g h_T + b_g$ of the tanh model cannot leave $b_g \pm \sum_j |W_{g,j}|$,
# whatever the input; a ReLU cell has no such bound. The bound is set by the
# weights, so training moves it. What the run shows, before and after
# training:

# %%
from IPython.display import Markdown, display


def bound_sentence(before, after, target, trained_epochs):
    """Where the tanh model's output bound was, where it is, and `target`."""
    (low_0, high_0), (low_1, high_1) = before, after
    inside = low_1 <= target <= high_1
    ending = (
        "inside the trained interval, so the bound alone does not keep "
        "these weights from answering it"
        if inside
        else "outside the trained interval, so no input makes these weights "
        "answer it"
    )
    return (
        f"The tanh model's outputs are confined to [{low_0:.2f}, "
        f"{high_0:.2f}] by its weights before training and to "
        f"[{low_1:.2f}, {high_1:.2f}] after {trained_epochs} epochs "
        f"(half-width {(high_0 - low_0) / 2:.2f}, "
        f"then {(high_1 - low_1) / 2:.2f}). "
        f"{target:g} lies {ending}."
    )


low, high = output_bound(demo_models["tanh"].out)
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
        f"After {settings.demo_epochs} epochs the training MSE is "
        f"{relu_row['final training MSE']:.3f} with ReLU and "
        f"{tanh_row['final training MSE']:.3f} with tanh. After "
        f"[5, 6, 7] (answer 8) ReLU predicts "
        f"{relu_row['after [5, 6, 7]']:.2f} and tanh "
        f"{tanh_row['after [5, 6, 7]']:.2f}; after [11, 12, 13] (answer "
        f"14) ReLU predicts {relu_row['after [11, 12, 13]']:.2f} and tanh "
        f"{tanh_row['after [11, 12, 13]']:.2f}. "
        + bound_sentence(bound_before, (low, high), 14, settings.demo_epochs)
        + f" Closer to the answer: {closer['[5, 6, 7]']} after [5, 6, 7], "
        f"{closer['[11, 12, 13]']} after [11, 12, 13]."
    )
)

# %% [markdown]
# [5, 6, 7] is one of the training windows, so 8 is a value the model has seen
# as a target: this demo checks fitting, not forecasting. [11, 12, 13] lies
# beyond every training value; with its trained weights the tanh model cannot
# answer outside the trained interval printed above, however far the input
# goes. More training changes the weights and so moves that interval.
#
# ### A real measured series

# %%
from labhelpers.data.series import load_statsmodels_series

measured = load_statsmodels_series(settings.series_name)
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
    settings.window,
    train_fraction=settings.train_fraction,
)
(X_fit, y_fit), (X_val, y_val) = hold_out_latest(split.X_train, split.y_train)
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
from labhelpers.lessons.forecasting import plot_split_in_time

plot_split_in_time(series, split.n_train, measured.name)
plt.show()

# %% [markdown]
# Train an RNN, an LSTM and a bidirectional LSTM of the same width per
# direction, each read at its last step (the bidirectional one at the last
# step of its forward half and the first step of its backward half, where each
# has read the whole window), from each of `n_seeds` seeds:

# %%
width = settings.hidden_size
networks = {
    f"RNN({width})": dict(cell="rnn"),
    f"LSTM({width})": dict(cell="lstm"),
    f"bidirectional LSTM(2×{width})": dict(cell="lstm", bidirectional=True),
}
rnn_name, lstm_name, bi_name = networks
seeds = [settings.seed + k for k in range(settings.n_seeds)]
models, histories = {}, {}
for name, layout in networks.items():
    models[name] = []
    for run_seed in seeds:
        torch.manual_seed(run_seed)
        model = LastStepRNN(1, width, 1, **layout).to(settings.device)
        if run_seed == settings.seed:
            print(f"{name}: {count_parameters(model)} parameters")
        history = fit(
            model,
            nn.MSELoss(),
            torch.optim.Adam(model.parameters(), lr=settings.learning_rate),
            batches(X_fit, y_fit, shuffle=True),
            batches(X_val, y_val, shuffle=False),
            epochs=settings.epochs,
            device=settings.device,
            accuracy_fn=None,
            log_every=(
                max(1, settings.epochs // 4)
                if run_seed == settings.seed
                else settings.epochs
            ),
        )
        models[name].append(model)
        histories.setdefault(name, history)
print(f"each network trained from seeds {seeds}")

# %% [markdown]
# ## Observation
#
# Training and validation loss (scaled units) of the three networks, first
# seed:

# %%
from labhelpers.lessons.forecasting import plot_learning_curves

plot_learning_curves(
    histories, f"{measured.name}: learning curves (seed {settings.seed})"
)
plt.show()

# %% [markdown]
# One step ahead over the test period, in the series' own units. Each RMSE has
# its standard error (the `s.e. from` column says which kind); every forecast
# is set against the reference baseline, the one of the two with the lower
# RMSE over the validation period (chosen without the test period):

# %%
from labhelpers import noise
from labhelpers.data.series import naive_forecast, seasonal_naive_forecast

naive_name = "naive (last value)"
seasonal_name = f"seasonal naive ({season} steps back)"


def baseline_forecasts(X_part, steps=1):
    """Both baselines' forecasts of windows `X_part`, in the series' units."""
    return {
        naive_name: split.scaler.inverse_transform(
            naive_forecast(X_part, steps)
        ),
        seasonal_name: split.scaler.inverse_transform(
            seasonal_naive_forecast(X_part, season, steps)
        ),
    }


def measured_rmse(forecasts, actual_part, block):
    """RMSE with its s.e.: over seeds if several, else a block bootstrap."""
    if len(forecasts) >= 2:
        return noise.over_seeds(
            forecast_errors(actual_part, f)["rmse"] for f in forecasts
        )
    return noise.rmse_block_bootstrap(
        actual_part - forecasts[0],
        block=min(block, len(actual_part)),
        seed=settings.seed,
    )


scaled = split.scaler.transform(series.to_numpy())


def reference_baseline(steps):
    """The baseline with the lower RMSE on the validation period, 1 to `steps`
    ahead: the reference, chosen without the test period."""
    steps = min(steps, len(X_val))
    first = split.n_train - len(X_val) - split.window
    X_part, y_part = make_windows(
        scaled[first : split.n_train], split.window, horizon=steps
    )
    actual_part = split.scaler.inverse_transform(y_part)
    rmse = {
        name: forecast_errors(actual_part, forecast)["rmse"]
        for name, forecast in baseline_forecasts(X_part, steps).items()
    }
    ahead = "1 step" if steps == 1 else f"1 to {steps} steps"
    print(
        f"validation RMSE, {ahead} ahead: "
        + ", ".join(f"{name} {value:.4f}" for name, value in rmse.items())
        + f" {measured.units}; reference: {min(rmse, key=rmse.get)}"
    )
    return min(rmse, key=rmse.get)


def rmse_table(figures, forecasts, actual_part, reference):
    """RMSE ± s.e., its source, MAE, and each row against `reference`."""
    table = noise.comparison_table(
        figures, reference, percent=False, higher_is_better=False
    )
    table["verdict"] = table["verdict"].replace(
        {"above": "lower RMSE", "below": "higher RMSE"}
    )
    table.insert(2, "s.e. from", [f.source for f in figures.values()])
    table.insert(
        3,
        f"MAE ({measured.units})",
        [
            np.mean([forecast_errors(actual_part, f)["mae"] for f in runs])
            for runs in forecasts.values()
        ],
    )
    return table.rename(columns={"value": f"RMSE ({measured.units})"})


reference = reference_baseline(1)
actual = split.scaler.inverse_transform(split.y_test)
one_step = {
    name: [
        split.scaler.inverse_transform(
            predict(model, batches(split.X_test, split.y_test, False))[0]
        )
        for model in runs
    ]
    for name, runs in models.items()
}
one_step.update(
    {name: [f] for name, f in baseline_forecasts(split.X_test).items()}
)
one_step_rmse = {
    name: measured_rmse(forecasts, actual, season)
    for name, forecasts in one_step.items()
}
one_step_table = rmse_table(one_step_rmse, one_step, actual, reference)
one_step_table.round(4)

# %%
test_time = series.index[split.test_target_time]
from labhelpers.lessons.forecasting import plot_forecasts

plot_forecasts(
    test_time,
    actual[:, 0],
    {name: one_step[name][0][:, 0] for name in (*networks, seasonal_name)},
    series,
    f"{measured.name}, test period: one-step-ahead forecasts "
    f"(seed {settings.seed})",
)
plt.show()

# %% [markdown]
# Recursive forecasts up to `horizon` steps ahead, from every forecast origin of
# the test period: the models feed back their own predictions, the baselines
# need none.

# %%
from labhelpers.data.series import recursive_forecast
from labhelpers.training import next_value_predictor

H = settings.horizon
multi_reference = reference_baseline(H)
X_multi, y_multi = make_windows(
    scaled[split.n_train - split.window :], split.window, horizon=H
)
actual_multi = split.scaler.inverse_transform(y_multi)
multi = {
    name: [
        split.scaler.inverse_transform(
            recursive_forecast(next_value_predictor(model), X_multi, H)
        )
        for model in runs
    ]
    for name, runs in models.items()
}
multi.update({name: [f] for name, f in baseline_forecasts(X_multi, H).items()})
rmse_by_lead = pd.DataFrame(
    {
        name: np.mean(
            [np.sqrt(((f - actual_multi) ** 2).mean(axis=0)) for f in runs],
            axis=0,
        )
        for name, runs in multi.items()
    },
    index=pd.RangeIndex(1, H + 1, name="steps ahead"),
)
multi_rmse = {
    name: measured_rmse(forecasts, actual_multi, max(season, H))
    for name, forecasts in multi.items()
}
multi_table = rmse_table(multi_rmse, multi, actual_multi, multi_reference)
print(
    f"{len(X_multi)} forecast origins, {H} steps each; "
    f"errors over all of them and all 1..{H} steps ahead:"
)
multi_table.round(4)

# %%
from labhelpers.lessons.forecasting import plot_multi_step

origin = 0
plot_multi_step(
    rmse_by_lead,
    measured.units,
    context=series.iloc[split.n_train - split.window : split.n_train],
    lead_time=series.index[
        split.n_train + origin : split.n_train + origin + H
    ],
    actual=actual_multi[origin],
    forecasts={name: multi[name][0][origin] for name in multi},
    series=series,
)
plt.show()

# %% [markdown]
# ## Result

# %%
from labhelpers.report import report_result


def versus(figures, name, other):
    """One RMSE comparison, worded by labhelpers.noise from the noise."""
    label = {naive_name: "forecast", seasonal_name: "forecast"}
    sentence = noise.compare(
        f"the {name} {label.get(name, '')}".strip(),
        figures[name],
        f"the {other} {label.get(other, '')}".strip(),
        figures[other],
        percent=False,
        higher_is_better=False,
    )
    return sentence[0].upper() + sentence[1:]


def comparisons(figures, reference):
    """Each network against `reference`, then bidirectional against LSTM."""
    return [versus(figures, name, reference) for name in networks] + [
        versus(figures, bi_name, lstm_name)
    ]


runs_text = (
    f"mean over {len(seeds)} seeds, {seeds[0]} to {seeds[-1]}"
    if len(seeds) > 1
    else f"seed {settings.seed}"
)
one_step_lines = comparisons(one_step_rmse, reference)
multi_lines = comparisons(multi_rmse, multi_reference)
sentence = (
    f"On the sine wave the LSTM({SINE_HIDDEN}) forecast the test period "
    f"one step ahead with RMSE {sine_rmse.show(percent=False)}. "
    f"Record 003's ReLU LSTM ({settings.demo_hidden} "
    f"units, {settings.demo_epochs} epochs) predicted "
    f"{demo_after_567:.2f} after [5, 6, 7] (the record: 8.01). "
    f"On {measured.name} ({len(series)} values, test period from "
    f"{when(split.n_train)}; networks: {runs_text}), RMSE in "
    f"{measured.units} against the baseline of lower RMSE on the "
    "validation period, one step ahead:\n\n"
    + "\n".join(f"- {line}" for line in one_step_lines)
    + f"\n\nOver 1 to {H} steps ahead (recursive):\n\n"
    + "\n".join(f"- {line}" for line in multi_lines)
)
metrics = {
    "sine_test_rmse": sine_rmse.value,
    "sine_test_rmse_se": sine_rmse.se,
    "demo_prediction_after_567": demo_after_567,
}
for key, name in (
    ("rnn", rnn_name),
    ("lstm", lstm_name),
    ("bilstm", bi_name),
    ("naive", naive_name),
    ("seasonal_naive", seasonal_name),
):
    metrics[f"{key}_test_rmse"] = one_step_rmse[name].value
    metrics[f"{key}_test_rmse_se"] = one_step_rmse[name].se
    metrics[f"{key}_multistep_rmse"] = multi_rmse[name].value
    metrics[f"{key}_multistep_rmse_se"] = multi_rmse[name].se
report_result(
    sentence,
    settings,
    title="E4 forecasting",
    data=f"sine wave; arithmetic sequence; statsmodels {measured.name}",
    metrics=metrics,
    model=(
        f"{rnn_name} read at its last step ({settings.window}-step "
        f"window, {settings.epochs} epochs, {runs_text}) on "
        f"{measured.name}, one step ahead"
    ),
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
#    did the RNN, the LSTM and the bidirectional LSTM beat the reference
#    baseline by more than the noise?
# 5. How does the recursive forecast's error change with the lead time, and
#    why? Compare its RMSE one step and `horizon` steps ahead.
# 6. Record 003 reports 8.01 after [5, 6, 7]. Why does that test fitting, not
#    forecasting?
# 7. For given weights, why can the tanh model's output not leave an interval,
#    whatever the input? What did training do to that interval here, and can
#    the model answer 14 after [11, 12, 13]?
# 8. The bidirectional LSTM reads each window backwards as well. Why is it
#    still a forecaster here, and where may a bidirectional RNN not be used?
#
# Beyond this run:
#
# 9. Why is the naive forecast the first baseline of any forecast? For which
#    kind of series is it the best forecast possible? The mean absolute scaled
#    error (MASE) divides a forecast's MAE by the naive forecast's: what does
#    a MASE of 1 mean?
# 10. Suppose the scaler took its min and max from the whole series, and the
#     test period rose above every training value (as `co2` does). What
#     would the scaled training values then tell the model about the future,
#     and what difficulty would the test score no longer show?
# 11. RMSE is never below MAE. When are they equal, and what does a large gap
#     between them say about the errors?
# 12. Why would resampling single test windows, each independently, give a
#     standard error that is too small? What do neighbouring windows share?
# 13. Instead of feeding its predictions back, a model could output all
#     `horizon` values at once (a direct forecast). What does each strategy
#     train on, and what does the recursive one meet at test time that it
#     never saw in training?
# 14. Why scale the series at all before a $\tanh$ network reads it? What
#     would raw values in the hundreds do to the first step's units and their
#     gradients?
#
# **Try this**
#
# - `-p series_name co2`: a trending series whose test period lies above
#   every training value. Which forecast wins there?
# - `-p window 12`: one year of context instead of two; what happens to the
#   networks' errors against the seasonal-naive forecast?
# - `-p demo_epochs 1000`: does the ReLU model get closer to 8 after
#   [5, 6, 7], and where does the tanh model's interval move?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. $n - w - H + 1$ pairs; `X` is (pairs, $w$, 1) and `y` (pairs, $H$).
# 2. Any statistic taken from the test period (its minimum, its maximum)
#    tells the model something about the future; shuffled pairs put windows
#    from inside the test period into training, so the model is scored on a
#    period it has already learned from.
# 3. No: a forecaster at the start of the test period knows the past, and the
#    test *targets* all lie in the test period.
# 4. From this run: in the cell after these answers.
# 5. From this run: in the cell after these answers, and in general: each
#    recursive step reads earlier predictions as inputs, so their errors
#    enter later windows, and the horizon is further from anything the model
#    has read.
# 6. [5, 6, 7] -> 8 is one of the seven training pairs.
# 7. Its hidden state lies in $(-1, 1)$, so for given weights its output
#    cannot leave $b_g \pm \sum_j |W_{g,j}|$. That interval is computed from
#    the weights, so training moves it; 14 is within reach only if the
#    trained interval holds it. The run's interval before and after training
#    is in the next cell.
# 8. Both directions read only the window, which ends at the forecast origin
#    $t$: no value after $t$ enters, so the forecast uses only the past, as
#    the forward models' forecasts do. A bidirectional layer is ruled out
#    where an output must not depend on later inputs: a prediction at every
#    step of a sequence (the backward state at step $t$ has read the values
#    after $t$), generation (lesson 12) and streaming. Its scores against the
#    LSTM are in the next cell.
# 9. It needs no training and is hard to beat wherever a series moves little
#    from one step to the next. For a random walk, $s_{t+1} = s_t +
#    \varepsilon_{t+1}$ with independent zero-mean steps, the expected next
#    value given the past is $s_t$ itself: no forecast has a lower expected
#    squared error. A model that does not go below the naive error has
#    learnt nothing the last value did not already say. A MASE of 1 means an
#    error equal to the naive forecast's (Hyndman and Koehler, 2006, scale by
#    the naive forecast's MAE over the training part); below 1, lower than
#    it.
# 10. Every training value would be scaled below 1 by a maximum taken from
#     the future, so the scaled level says how far the series still has to
#     rise: the model can learn that from data it should not have. It would
#     also never meet an input above the range it was trained on, while a
#     real forecaster must: the test's hardest part, leaving the trained
#     range, would be hidden.
# 11. They are equal when every error has the same size. RMSE squares the
#     errors before averaging, so a few large errors raise it far more than
#     MAE; a large gap says the errors are uneven: mostly small, with some
#     large misses.
# 12. Neighbouring windows share all but one of their values, so their
#     errors are correlated: a period the model gets wrong spoils many
#     windows at once. Resampling windows independently treats them as
#     independent draws, counts far more information than there is, and
#     gives too small an error. Resampling blocks of consecutive windows
#     keeps that correlation inside each block.
# 13. The recursive model trains one step ahead on true inputs (teacher
#     forcing, Williams and Zipser, 1989) and at test time reads its own
#     predictions, with their errors, which it never saw in training: the
#     errors compound with the lead time. A direct model is trained for every
#     lead time on true inputs and reads none of its own outputs, but learns
#     `horizon` outputs from the same windows and gives no step the benefit
#     of the previous prediction.
# 14. $\tanh$ is flat beyond a few units: inputs in the hundreds put
#     $W_{in} x_t$ far out, so nearly every first-step unit starts at
#     $\pm 1$, $1 - h^2 \approx 0$ and the gradient through it vanishes;
#     the units would then tell inputs apart only by their sign. Scaling to
#     about $[0, 1]$ keeps the units in their sensitive range at the usual
#     initial weights, and puts every series on the same footing.
#
# </details>

# %%
# The numeric answers, from this run (collapsed until clicked).
from labhelpers.report import answers

lstm_lead = rmse_by_lead[lstm_name]
shown = [
    f"1: the ramp of 10 values, window 3, horizon 2 gave {len(X_demo)} "
    f"pairs, X {X_demo.shape}, y {y_demo.shape}.",
    "4: one-step RMSE ("
    + ", ".join(
        f"{name} {figure.show(percent=False)}"
        for name, figure in one_step_rmse.items()
    )
    + f" {measured.units}). "
    + " ".join(one_step_lines[:-1]),
    f"5: the {lstm_name}'s recursive RMSE is {lstm_lead.iloc[0]:.3f} one "
    f"step ahead and {lstm_lead.iloc[-1]:.3f} {H} steps ahead "
    f"({measured.units}, {runs_text}).",
    f"6: the ReLU model predicted {demo_after_567:.2f} after [5, 6, 7].",
    "7: "
    + bound_sentence(bound_before, (low, high), 14, settings.demo_epochs)
    + " After [11, 12, 13] it predicted "
    + f"{tanh_row['after [11, 12, 13]']:.2f}.",
    f"8 (one step ahead): {one_step_lines[-1]}",
    f"8 (1 to {H} steps ahead): {multi_lines[-1]}",
]
display(Markdown(answers(shown)))


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
