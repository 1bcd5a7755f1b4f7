# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 10: sequence regression with a two-layer RNN
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/10_sequence_regression.ipynb)
#
# Experiment E3 of the lab catalogue (lab record 001).

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

# %% [markdown]
# ## Aim
#
# Train a stacked (two-layer) recurrent network to map a whole sequence to one
# real number, and compare it with a one-layer network.
#
# ## Objectives
#
# - generate sequential data with a known answer and split it in order into
#   fitting, validation and test sequences;
# - stack two RNN layers, read the last hidden state of the top layer with a
#   linear layer, and train with the mean squared error (MSE) and Adam;
# - print the epoch / training loss / validation loss table the record shows and
#   draw the learning curves;
# - put the loss in context with two predictors that need no training;
# - measure what the second layer buys: one layer against two, over several
#   seeds, chosen on the validation sequences;
# - score the chosen model on the test sequences once, at the end.
#
# ## Parameters
#
# Pick a profile with `profile`; a parameter left at `None` takes its
# profile's value (`lab`, `quick` or `smoke`, all in
# `labhelpers/lesson_settings.toml`), and the cell after the parameters shows
# the values used. With papermill:
# `papermill 10_sequence_regression.ipynb out.ipynb -p profile lab -p num_layers 3`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab".
n_samples = None  # type: int, at least 1  Number of generated sequences (training and test together).
seq_len = None  # type: int, at least 1  Time steps per sequence.
noise = None  # type: float, at least 0  Standard deviation of the Gaussian noise added to every input value.
train_fraction = None  # type: float in (0, 1)  Share of the sequences, taken in order, used for training; the rest are the test set.
val_fraction = None  # type: float in (0, 1)  Share of the training sequences, the last ones, held out to validate: they choose the number of layers.
hidden_size = None  # type: int, at least 1  Size of each RNN layer's hidden state.
num_layers = None  # type: int, at least 1  Stacked RNN layers of the main model.
learning_rate = None  # type: float, above 0  Adam's learning rate.
epochs = None  # type: int, at least 1  Full-batch passes over the training data.
n_seeds = None  # type: int, at least 1  Seeds per model in the one-layer against two-layer comparison: with 2 or more, each mean validation MSE carries its standard error over seeds; with 1, the standard error over the validation sequences.
seed = None  # type: int, at least 0  Seed of the data and of the first (reported) model.
device = None  # type: str in {"auto", "cuda", "mps", "cpu"}  "auto" takes CUDA, then MPS, then the CPU.

# %%
settings = notebook_settings()

# %% [markdown]
# ## Algorithm
#
# **Data.** The record trains on "sample sequential data" without saying which;
# its first loss, about 0.55, is what a unit sine wave gives (its variance is
# 0.5). Here every sequence is a piece of its own sine wave, with a random
# angular frequency $\omega \in [0.2, 0.6]$ rad/step and phase $\varphi$, plus
# noise; the target is the clean value one step after the end:
#
# $$x_t = \sin(\omega t + \varphi) + \sigma \varepsilon_t \quad (t = 0, \dots, T-1), \qquad
#   y = \sin(\omega T + \varphi).$$
#
# The network has to work out frequency and phase from a noisy piece. The
# sequences are split in order: the first 80% are the training part, the
# last 20% the test part. The last 20% of the training part are held out as
# the **validation** sequences: they draw the learning curves and choose
# between one and two layers. The test sequences judge the chosen model once,
# at the end; a choice made on them (as the record does, and as lesson 7
# shows) makes the test score an optimistic one.
#
# **Model.** Two RNN layers are stacked: the first reads the input, the second
# reads the first layer's states, and a linear layer reads the second layer's
# last state:
#
# $$h^{(1)}_t = \tanh\big(W^{(1)}_{hh} h^{(1)}_{t-1} + W^{(1)}_{in} x_t + b^{(1)}\big), \qquad
#   h^{(2)}_t = \tanh\big(W^{(2)}_{hh} h^{(2)}_{t-1} + W^{(2)}_{in} h^{(1)}_t + b^{(2)}\big),$$
#
# $$\hat y = g_T = W_g h^{(2)}_T + b_g, \qquad
#   \mathrm{MSE} = \frac{1}{N} \sum_{n=1}^{N} (\hat y_n - y_n)^2 .$$
#
# ```text
# generate X (n, T, 1), y (n, 1); in order: 64% fit, 16% validation, 20% test
# model = RNN(1 -> 32, 2 layers) -> Linear(32 -> 1) on the last step
# for epoch in 1..100:                      # full batch: one step per epoch
#     loss = MSE(model(X_fit), y_fit); backward; Adam step (lr 0.01)
#     record training loss and validation loss
# compare with: always predicting the training mean; repeating the last input value
# repeat for 1 and 2 layers over several seeds; keep the lower mean validation MSE
# only then: split off the test sequences and score the chosen model on them once
# ```

# %% [markdown]
# ## Program
#
# ### Data
#
# `sine_data()` generates every sequence, the same ones at every call (the
# seed is fixed). This cell keeps only the training part and splits it into
# fitting and validation sequences; the test sequences are not split off
# until the section "Test, once", after the model is chosen.

# %%
import numpy as np
import torch
from torch import nn

from labhelpers.base.runtime import describe_device, seed_everything
from labhelpers.data.series import make_sine_sequences
from labhelpers.data.synthetic import split_in_order

seed_everything(settings.seed)


def sine_data():
    """Every sequence and its target: X (n, T, 1), y (n, 1); seeded."""
    return make_sine_sequences(
        settings.n_samples,
        settings.seq_len,
        settings.noise,
        seed=settings.seed,
    )


# split_in_order returns (X_train, y_train, X_test, y_test): keep the first two
X_train, y_train = split_in_order(*sine_data(), settings.train_fraction)[:2]
X_fit, y_fit, X_val, y_val = split_in_order(
    X_train, y_train, 1 - settings.val_fraction
)
n_test = settings.n_samples - len(X_train)
print(
    f"{settings.n_samples} sequences of {settings.seq_len} steps: "
    f"fit {len(X_fit)}, validation {len(X_val)} (the end of the training "
    f"part), test {n_test} (the last, not read yet)"
)
print(
    f"targets: mean {y_fit.mean():.3f}, "
    f"variance {y_fit.var():.3f} (fitting part)"
)
print(f"device: {describe_device(settings.device)}")

# %%
import matplotlib.pyplot as plt

from labhelpers.lessons.sequence_regression import plot_sequences_with_targets

plot_sequences_with_targets(X_fit, y_fit)
plt.show()

# %% [markdown]
# ### Model
#
# The model is `labhelpers.models.LastStepRNN` with `num_layers=2`: `nn.RNN`
# stacks the layers, and `states[:, -1]` is the top layer's last state
# $h^{(2)}_T$. Its forward pass:

# %%
import inspect

from labhelpers.models import LastStepRNN, count_parameters

print(inspect.getsource(LastStepRNN.forward))

# %% [markdown]
# ### Training
#
# `labhelpers.training.fit` with `accuracy_fn=None`, since this is regression;
# one full batch per epoch, as the record trains.

# %%
from labhelpers.data.batches import TensorBatches
from labhelpers.training import fit


def full_batch(X_part, y_part):
    return TensorBatches(
        torch.from_numpy(X_part),
        torch.from_numpy(y_part),
        batch_size=len(X_part),
    )


def train(layers, model_seed, log_every=10):
    """Fit on the fitting sequences; validation loss after every epoch."""
    torch.manual_seed(model_seed)
    model = LastStepRNN(1, settings.hidden_size, 1, num_layers=layers).to(
        settings.device
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    history = fit(
        model,
        nn.MSELoss(),
        optimizer,
        full_batch(X_fit, y_fit),
        full_batch(X_val, y_val),
        epochs=settings.epochs,
        device=settings.device,
        accuracy_fn=None,
        log_every=log_every,
    )
    return model, history


model, history = train(settings.num_layers, settings.seed)
print(f"{count_parameters(model)} trainable parameters")

# %% [markdown]
# ## Observation
#
# The record's table: epoch, training ("step") loss and validation loss, first
# for the first ten epochs, then every tenth epoch.

# %%
from labhelpers.report import observation_table

table = (
    observation_table(history)
    .drop(columns="seconds")
    .rename(columns={"loss": "training MSE", "val_loss": "validation MSE"})
)
table.head(10).round(4)

# %%
observation_table(history, every=10).drop(columns="seconds").rename(
    columns={"loss": "training MSE", "val_loss": "validation MSE"}
).round(4)

# %%
from labhelpers.lessons.sequence_regression import plot_mse_history

plot_mse_history(
    history,
    title=f"{settings.num_layers}-layer RNN "
    f"(hidden {settings.hidden_size}), sequence regression",
)
plt.show()

# %% [markdown]
# How good is that loss? Two predictors need no training: always answering the
# mean target of the fitting sequences (its MSE is about the variance of the
# targets), and repeating the last value of the sequence (wrong by one step of
# the wave, plus the noise). On the validation sequences:

# %%
from labhelpers.data.series import naive_forecast


def baseline_mse(X_part, y_part):
    """MSE of the fitting-mean and the last-value predictors on one part."""
    return (
        float(np.mean((y_fit.mean() - y_part) ** 2)),
        float(np.mean((naive_forecast(X_part) - y_part) ** 2)),
    )


val_mean_mse, val_last_mse = baseline_mse(X_val, y_val)
print(
    f"validation MSE: RNN {history['val_loss'][-1]:.4f}, fitting-mean "
    f"predictor {val_mean_mse:.4f}, last-value predictor {val_last_mse:.4f}"
)

# %% [markdown]
# ### One layer against two, chosen on validation
#
# The same training, from several seeds, with one and with two layers; the
# number of layers with the lower mean validation MSE is kept. Each mean
# carries its standard error over the seeds (`labhelpers.noise`), and the
# verdict column says whether a difference stands above that noise. The cell
# checks that no test array exists yet when it chooses.

# %%
from labhelpers.lessons.sequence_regression import (
    mse_measured,
    mse_table,
    squared_errors,
)
from labhelpers.noise import compare, over_items
from labhelpers.training import predict


def layer_name(layers):
    return f"{layers} layer{'s' if layers > 1 else ''}"


candidates = sorted({1, 2, settings.num_layers})
runs = {layers: [] for layers in candidates}
curves = {}
for layers in candidates:
    for model_seed in range(settings.seed, settings.seed + settings.n_seeds):
        if layers == settings.num_layers and model_seed == settings.seed:
            run_model, run_history = model, history  # already trained above
        else:
            run_model, run_history = train(
                layers, model_seed, log_every=settings.epochs
            )
        runs[layers].append(
            dict(
                model=run_model,
                val_mse=run_history["val_loss"][-1],
                parameters=count_parameters(run_model),
            )
        )
        if len(runs[layers]) == 1:  # the first seed's error per sequence
            val_predicted, _ = predict(run_model, full_batch(X_val, y_val))
            runs[layers][0]["val_errors"] = squared_errors(
                val_predicted.numpy(), y_val
            )
        curves.setdefault(layers, run_history["val_loss"])
val_mses = {
    layers: [r["val_mse"] for r in runs[layers]] for layers in candidates
}
mean_val = {layers: float(np.mean(val_mses[layers])) for layers in candidates}
early = sorted({"X_test", "y_test"} & set(globals()))
assert not early, (
    f"{early} exist before the model is chosen: "
    "run the notebook from the top (Restart and run all)"
)
chosen = min(candidates, key=mean_val.get)
print(
    "test arrays when the choice is made: none; "
    f"chosen on validation: {layer_name(chosen)}"
)
measured_val = {
    layer_name(layers): mse_measured(
        val_mses[layers], runs[layers][0]["val_errors"], "validation sequences"
    )
    for layers in candidates
}
main_name = layer_name(settings.num_layers)
comparison = mse_table(
    measured_val, reference=main_name, value="mean validation MSE"
)
comparison.insert(
    0, "parameters", [runs[layers][0]["parameters"] for layers in candidates]
)
comparison.insert(1, "seeds", [len(runs[layers]) for layers in candidates])
comparison["best"] = [np.min(val_mses[layers]) for layers in candidates]
comparison["worst"] = [np.max(val_mses[layers]) for layers in candidates]
print(f"±: {measured_val[main_name].source}")
comparison.round(4)

# %%
layers_sentence = compare(
    "The 2-layer RNN",
    measured_val[layer_name(2)],
    "the 1-layer RNN",
    measured_val[layer_name(1)],
    percent=False,
    higher_is_better=False,
)
print(layers_sentence)

# %%
from labhelpers.lessons.sequence_regression import plot_validation_curves

plot_validation_curves(
    {
        f"{layer_name(layers)} (seed {settings.seed})": curve
        for layers, curve in curves.items()
    },
    val_last_mse,
)
plt.show()

# %% [markdown]
# ### Test, once
#
# Only now are the test sequences split off. The chosen model (its first seed)
# is scored on them once, beside the two predictors that need no training.
# Nothing is chosen after this.

# %%
from labhelpers.lessons.sequence_regression import plot_predicted_against_true
from labhelpers.training import predict

X_test, y_test = split_in_order(*sine_data(), settings.train_fraction)[2:]
chosen_model = runs[chosen][0]["model"]
predicted, targets = predict(chosen_model, full_batch(X_test, y_test))
predicted, targets = predicted.numpy(), targets.numpy()
test_mse = float(np.mean((predicted - targets) ** 2))
mean_mse, last_value_mse = baseline_mse(X_test, y_test)
print(
    f"{len(X_test)} test sequences; MSE: {layer_name(chosen)} RNN "
    f"{test_mse:.4f}, fitting-mean predictor {mean_mse:.4f}, "
    f"last-value predictor {last_value_mse:.4f}"
)

plot_predicted_against_true(targets, predicted, test_mse)
plt.show()

# %% [markdown]
# Each test MSE with the standard error of the mean over the test sequences
# (the test sample's luck only: one seed is scored), and each predictor
# against the RNN:

# %%
rnn_test_name = f"RNN ({layer_name(chosen)}, hidden {settings.hidden_size})"
test_figures = {
    rnn_test_name: squared_errors(predicted, targets),
    "fitting-mean predictor": squared_errors(
        np.full_like(y_test, y_fit.mean()), y_test
    ),
    "last-value predictor": squared_errors(naive_forecast(X_test), y_test),
}
measured_test = {
    name: over_items(errors, what="test sequences")
    for name, errors in test_figures.items()
}
print(f"±: {measured_test[rnn_test_name].source}")
test_table = mse_table(
    measured_test, reference=rnn_test_name, value="test MSE"
)
test_table.round(4)

# %%
test_sentence = " ".join(
    compare(
        f"The {rnn_test_name}",
        measured_test[rnn_test_name],
        f"the {name}",
        measured_test[name],
        percent=False,
        higher_is_better=False,
    )
    for name in ("last-value predictor", "fitting-mean predictor")
)
print(test_sentence)

# %% [markdown]
# ## Result

# %%
from IPython.display import Markdown, display

from labhelpers.report import report_result

one, two = mean_val[1], mean_val[2]
at_ten = history["val_loss"][min(10, history.epochs) - 1]
sentence = (
    f"A {settings.num_layers}-layer RNN with "
    f"{settings.hidden_size} hidden units reached a validation MSE of "
    f"{history['val_loss'][-1]:.4f} after {history.epochs} full-batch "
    f"epochs ({sum(history['seconds']):.2f} s of training; "
    f"{at_ten:.4f} after epoch {min(10, history.epochs)}). "
    "The record's loss fell from about 0.55 to "
    "about 0.015 in 10 epochs on data it did not describe. "
    f"Over {settings.n_seeds} seed(s) the mean validation MSE was "
    f"{measured_val[layer_name(2)].show(percent=False)} with two layers "
    f"and {measured_val[layer_name(1)].show(percent=False)} with one "
    f"({measured_val[layer_name(1)].source}). {layers_sentence} "
    f"Validation chose {layer_name(chosen)}, the lower mean. Scored once "
    f"on the {len(X_test)} test sequences, the chosen model's MSE is "
    f"{test_mse:.4f}, against {mean_mse:.4f} for predicting the fitting "
    f"mean and {last_value_mse:.4f} for repeating the last value. "
    f"{test_sentence}"
)
report_result(
    sentence,
    settings,
    title="E3 sequence regression",
    data=f"generated noisy sine sequences (seed {settings.seed})",
    metrics={
        "test_mse": test_mse,
        "val_mse": history["val_loss"][-1],
        "val_mse_epoch_10": at_ten,
        "mean_predictor_mse": mean_mse,
        "last_value_mse": last_value_mse,
        "mean_val_mse_1_layer": one,
        "mean_val_mse_2_layers": two,
        "chosen_layers": float(chosen),
        "train_seconds": sum(history["seconds"]),
    },
    model=f"{layer_name(chosen)} RNN({settings.hidden_size}), "
    "chosen on validation",
    headline="test_mse",
)

# %% [markdown]
# ## Questions
#
# 1. Why is the number of layers chosen on the validation sequences and not on
#    the test sequences? What would the test MSE of a model chosen on the test
#    set tell you?
# 2. What shapes do `X` and `y` have, and which hidden state does the linear
#    layer read when `num_layers=2`? Is it the same as `h_n[-1]`?
# 3. How many parameters do the one-layer and the two-layer models have?
#    Derive both from the shapes of $W^{(\ell)}_{in}$, $W^{(\ell)}_{hh}$ and
#    the biases.
# 4. Why does always predicting the fitting mean give an MSE near the
#    variance of the targets, and what is that variance for a unit sine?
# 5. How does the last-value predictor compare with the mean, why, and what
#    does an RNN have to learn to beat it?
# 6. Did the second layer lower the validation MSE in this run? Is the
#    difference larger than the spread between seeds?
# 7. After the test score is seen, may you go back and try three layers? What
#    happens to the meaning of the test score if you do?
#
# Beyond this run:
#
# 8. What does the second layer read at step $t$, and what does stacking add
#    to the computation of one step that a single layer lacks?
# 9. Why must the first layer hand the second its state at *every* step, and
#    not only its last state $h^{(1)}_T$? What is the Keras setting for this?
# 10. Without noise, show that $y = 2\cos(\omega)\, x_{T-1} - x_{T-2}$ (use
#     $\sin(a + \omega) + \sin(a - \omega) = 2 \sin a \cos \omega$). Why
#     can one linear regression on the last two values still not solve the
#     task, and what does the noise add to the difficulty?
# 11. The target is the clean value $\sin(\omega T + \varphi)$, not the next
#     noisy input. What lowest MSE could any predictor reach if the target
#     carried the noise $\sigma \varepsilon_T$ too?
# 12. The MSE is in squared units of the target. What is $\sqrt{\mathrm{MSE}}$,
#     and which constant would minimise the mean *absolute* error, where the
#     mean minimises the MSE?
# 13. The gradient that reaches the first layer's early steps in a two-layer
#     network passes through more factors than in a one-layer one. Which? Why
#     can a second layer leave the validation MSE where it was, or raise it,
#     though it can represent everything one layer can?
# 14. The one-layer against two-layer comparison carries a standard error
#     over seeds, the test MSE one over test sequences. What kind of luck
#     does each count, and what does each leave out?
#
# **Try this**
#
# - `-p n_seeds 10`: does the choice between one and two layers stay the same
#   with more seeds?
# - `-p num_layers 3`: three layers join the comparison; which wins on
#   validation?
# - `-p noise 0.5`: noisier inputs; how do the RNN and the last-value
#   predictor change?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. Choosing on the test set fits the choice to those particular test
#    sequences, so their score is optimistic: it is no longer an estimate for
#    new data. That is the record's defect that lesson 7 demonstrates. A score
#    on data that played no part in any choice estimates the error on new
#    sequences.
# 2. `X` is (sequences, `seq_len`, 1), `y` (sequences, 1). The linear layer
#    reads `states[:, -1]`, the top layer's last state $h^{(2)}_T$. For a
#    one-direction `nn.RNN` that equals `h_n[-1]`; with a bidirectional layer
#    it would not (lesson 13).
# 3. Layer 1: $H \cdot 1 + H^2 + 2H$; every further layer: $H^2 + H^2 + 2H$;
#    the linear layer $H + 1$. The run's counts are in the next cell and in
#    the comparison table.
# 4. A constant $c$ scores $\mathrm{E}[(y - c)^2]$, smallest at the mean,
#    where it is the variance; a sine of amplitude 1 at a random phase has
#    variance $1/2$.
# 5. Consecutive values of a slow sine are close, so the last value is a
#    good guess; an RNN must learn the frequency and phase from the noisy
#    window to predict the step itself.
# 6. From this run: in the cell after these answers.
# 7. No. Once a choice depends on the test score, the test set has become a
#    validation set and a new, untouched test set would be needed for an
#    honest estimate.
# 8. The first layer's state $h^{(1)}_t$: features computed from
#    $x_1, \dots, x_t$, not the raw value. Each step then passes through two
#    nonlinear stages, $\tanh$ of layer 1 and $\tanh$ of layer 2, and the
#    network keeps two memories, one per layer; a single layer maps
#    $(h_{t-1}, x_t)$ to $h_t$ with one affine map and one $\tanh$.
# 9. The second layer is recurrent too: it reads one input per step, and
#    its input at step $t$ is $h^{(1)}_t$. Given only $h^{(1)}_T$ it would
#    have a single step to read. In Keras every layer below the top needs
#    `return_sequences=True`; `nn.RNN(num_layers=2)` does it inside.
# 10. With $s_t = \sin(\omega t + \varphi)$, $s_T + s_{T-2} =
#     2 \cos(\omega)\, s_{T-1}$, so $y = 2 \cos(\omega)\, s_{T-1} - s_{T-2}$.
#     The coefficient $2 \cos \omega$ changes from sequence to sequence, so
#     $y$ is no fixed linear function of the last values: the network must
#     estimate $\omega$ from the window and multiply by it. With noise, the
#     last few values give a poor estimate; the whole window must be used.
# 11. $\sigma^2$: the noise at step $T$ is independent of everything the
#     network reads, so even the exact clean value misses it by
#     $\sigma \varepsilon_T$, with mean square $\sigma^2$. A clean target
#     leaves no such floor; only what the noisy window cannot tell remains.
# 12. The root mean squared error, in the target's own units: a typical size
#     of one error (weighted towards the large ones). The mean absolute error
#     is smallest at the median of the targets.
# 13. Besides the product of one-step Jacobians along time, a gradient from
#     the top layer to layer 1 crosses $W^{(2)}_{in}$ and a second
#     $\mathrm{diag}(1 - h^2)$ at each step it goes up. The deeper network
#     also has more parameters to fit from the same sequences and a harder
#     optimisation: being able to represent the one-layer solution does not
#     mean training finds something at least as good, and the spread over
#     seeds can cover any difference.
# 14. The seeds change the model's start while the sequences stay: their
#     spread counts the luck of the initial weights, on one validation set,
#     and not which sequences were drawn. The test error over sequences
#     counts the luck of the test sample for one trained model, and not the
#     seed. A full account would vary both.
#
# </details>

# %%
# The numeric answers, from this run (collapsed until clicked).
from labhelpers.report import answers

H = settings.hidden_size
one_layer = H * 1 + H * H + 2 * H + H + 1
answer_lines = [
    f"3: one layer {one_layer} (formula), "
    f"{runs[1][0]['parameters']} counted; two layers "
    f"{one_layer + 2 * H * H + 2 * H} (formula), "
    f"{runs[2][0]['parameters']} counted.",
    f"4: the fitting targets' variance is {y_fit.var():.4f}; the mean "
    f"predictor scores {val_mean_mse:.4f} on validation and {mean_mse:.4f} "
    "on test.",
    f"5: last-value predictor {val_last_mse:.4f} on validation, "
    f"{last_value_mse:.4f} on test; the chosen RNN {test_mse:.4f} on test.",
    f"6: mean validation MSE {mean_val[1]:.4f} (one layer, seeds from "
    f"{min(val_mses[1]):.4f} to {max(val_mses[1]):.4f}) against "
    f"{mean_val[2]:.4f} (two layers, {min(val_mses[2]):.4f} to "
    f"{max(val_mses[2]):.4f}), over {settings.n_seeds} seed(s). "
    + layers_sentence,
]
display(Markdown(answers(answer_lines)))


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
