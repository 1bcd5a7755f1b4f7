# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 4: exploding and vanishing gradients
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/04_exploding_vanishing.ipynb)
#
# Theory T3 of the lab catalogue: why a vanilla RNN's gradient shrinks or blows
# up over long lags, what gradient clipping does about the second, and what
# gated cells do about the first.

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
# Show, by measuring them, the vanishing and the exploding gradients of a vanilla
# RNN: how they depend on the size of $W_{hh}$, how a training run blows up and how
# gradient-norm clipping keeps it finite, and how far back a vanilla RNN, an LSTM
# and a GRU can learn to look.
#
# ## Objectives
#
# - scale $W_{hh}$ to a largest singular value below, at and above 1 and plot the
#   gradient factor $\lVert \partial h_t / \partial h_k \rVert_2$ against the lag,
#   with the bound the records write;
# - make a training run blow up, then run it again with gradient-norm clipping;
# - train a vanilla RNN, an LSTM and a GRU on a task whose answer lies $d$ steps
#   back, and find the distance at which the vanilla RNN fails.
#
# ## Parameters
#
# `papermill 04_exploding_vanishing.ipynb out.ipynb -p profile lab -p distances "[10, 50, 100, 200]"`.

# %% tags=["parameters"]
profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab" (longer runs).
scales = None  # type: list of float, above 0  Largest singular values of W_hh to compare (the catalogue: 0.5, 0.9, 1.0, 1.1, 1.5).
hidden_size = None  # type: int, at least 1  Hidden units of the networks whose gradient norms are measured.
norm_seq_len = None  # type: int, at least 1  Time steps of the sequences whose gradient norms are measured (the largest lag).
norm_sequences = None  # type: int, at least 1  Sequences averaged in the gradient-norm plots.
input_scale = None  # type: float, at least 0  Standard deviation of the random inputs of the gradient-norm plots.
blowup_seq_len = None  # type: int, at least 1  Time steps of the sequences in the training run that blows up.
blowup_samples = None  # type: int, at least 1  Training sequences of that run.
blowup_scale = None  # type: float, above 0  Largest singular value of W_hh at the start of that run.
blowup_learning_rate = None  # type: float, above 0  SGD learning rate of that run.
blowup_epochs = None  # type: int, at least 1  Epochs of that run.
clip_threshold = None  # type: float, above 0  Gradient-norm clipping threshold of the second run.
distances = None  # type: list of int, at least 1  Distances d (steps between the key token and the answer) of the long-range task.
task_samples = None  # type: int, at least 1  Training sequences per distance in the long-range task.
task_epochs = None  # type: int, at least 1  Epochs per model and distance in the long-range task.
task_hidden_size = None  # type: int, at least 1  Hidden units of the RNN, LSTM and GRU of the long-range task.
gate_bias = None  # type: float  Initial bias of the LSTM forget gate (its input gate gets minus it) and of the GRU update gate (PyTorch default: 0).
seed = 0  # type: int, at least 0  Seed of the data and of the weights.

# %%
from labhelpers.profiles import notebook_settings

CATALOGUE_SCALES = [0.5, 0.9, 1.0, 1.1, 1.5]
# fmt: off
PROFILES = {
    "smoke": dict(scales=CATALOGUE_SCALES, hidden_size=32, norm_seq_len=30,
                  norm_sequences=4,  input_scale=0.5, blowup_seq_len=50,
                  blowup_samples=128,  blowup_scale=2.0,
                  blowup_learning_rate=0.1, blowup_epochs=4,
                  clip_threshold=1.0, distances=[2, 8],
                  task_samples=64,   task_epochs=2,  task_hidden_size=8,
                  gate_bias=3.0),
    "quick": dict(scales=CATALOGUE_SCALES, hidden_size=32, norm_seq_len=60,
                  norm_sequences=16, input_scale=0.5, blowup_seq_len=50,
                  blowup_samples=512,  blowup_scale=2.0,
                  blowup_learning_rate=0.1, blowup_epochs=10,
                  clip_threshold=1.0, distances=[2, 5, 10, 20, 40, 80],
                  task_samples=512,  task_epochs=30, task_hidden_size=32,
                  gate_bias=3.0),
    "lab":   dict(scales=CATALOGUE_SCALES, hidden_size=64, norm_seq_len=100,
                  norm_sequences=64, input_scale=0.5, blowup_seq_len=100,
                  blowup_samples=2048, blowup_scale=2.0,
                  blowup_learning_rate=0.1, blowup_epochs=30,
                  clip_threshold=1.0, distances=[2, 5, 10, 20, 40, 80, 160],
                  task_samples=2048, task_epochs=30, task_hidden_size=64,
                  gate_bias=3.0),
}
# fmt: on
# Checks the parameters, then fills in the profile's values.
settings = notebook_settings(PROFILES)
settings

# %% [markdown]
# ## Algorithm
#
# Lesson 3 showed that the gradient reaching step $k$ from the loss at step $t$
# passes through the product
#
# $$\frac{\partial h_t}{\partial h_k} = \prod_{i=k+1}^{t} \mathrm{diag}(1 - h_i^2)\, W_{hh}.$$
#
# **The condition the records write.** The norm of a product is at most the
# product of the norms. If $\lVert \partial h_i / \partial h_{i-1} \rVert_2 \le \eta < 1$
# for every $i$, then $\lVert \partial h_t / \partial h_k \rVert_2 \le \eta^{\,t-k}$:
# the gradient from far away **vanishes**, geometrically. If the factors have
# norm $> 1$ the product **can** grow geometrically and the gradient
# **explodes**. Since $0 < 1 - h^2 \le 1$,
#
# $$\Big\lVert \frac{\partial h_i}{\partial h_{i-1}} \Big\rVert_2 \le \lVert W_{hh} \rVert_2 = \sigma_{\max}(W_{hh}),
# \qquad \Big\lVert \frac{\partial h_t}{\partial h_k} \Big\rVert_2 \le \sigma_{\max}(W_{hh})^{\,t-k},$$
#
# so $\sigma_{\max} < 1$ guarantees vanishing, while $\sigma_{\max} > 1$ only makes
# explosion possible: saturated units ($h \approx \pm 1$) shrink their factor.
#
# **Clipping.** When the gradient norm $\lVert g \rVert$ exceeds a threshold $c$,
# rescale it to $c\, g / \lVert g \rVert$: the direction stays, the step is bounded.
# Clipping bounds each step, so one exploding gradient cannot throw the weights
# away; it does not make the network learn, and it does nothing for vanishing.
#
# ```text
# 1. for s in scales: W_hh = s * Q (Q orthogonal: every singular value 1)
#        run random sequences, compute ||dh_T/dh_(T-lag)||_2 for every lag, plot with s^lag
# 2. train a vanilla RNN (W_hh = 2 Q, SGD) on a regression task without clipping, then with
#    clip_grad_norm; plot the loss and the gradient norm of every step
# 3. for d in distances: for cell in (RNN, LSTM, GRU): train on the long-range task (key d steps
#    before the answer), test accuracy on 512 held-out sequences
# ```

# %% [markdown]
# ## Program
#
# ### 1. Gradient norm against lag, for five scales of $W_{hh}$
#
# $W_{hh}$ is a random orthogonal matrix times $s$: all its singular values equal
# $s$, so $s$ alone decides whether it shrinks or stretches. (A random Gaussian
# matrix scaled to $\sigma_{\max} = s$ has smaller singular values too, and its
# products shrink sooner.) The inputs are random, the bias zero.

# %%
import numpy as np

from labhelpers import theory
from labhelpers.runtime import seed_everything

seed_everything(seed)
H, T = settings["hidden_size"], settings["norm_seq_len"]
Q = theory.random_orthogonal(H, seed=seed)
W_in = theory.init_rnn_weights(4, H, seed=seed)[0].W_in
norm_inputs = (
    np.random.default_rng(seed).normal(size=(settings["norm_sequences"], T, 4))
    * settings["input_scale"]
)


def gradient_norms(scale):
    """(geometric mean over the sequences of
    ||dh_T/dh_(T-lag)||_2 by lag, the bound scale^lag)."""
    W_hh = theory.scale_to_spectral_norm(Q, scale)
    states, _ = theory.rnn_forward(
        norm_inputs, [theory.RNNLayerWeights(W_in, W_hh, np.zeros(H))]
    )
    norms = theory.jacobian_norms_by_lag(states[0], W_hh)  # (sequences, T + 1)
    mean = np.exp(np.log(np.maximum(norms, np.finfo(float).tiny)).mean(axis=0))
    return mean, theory.norm_bound_by_lag(W_hh, T)


norms_by_scale = {scale: gradient_norms(scale) for scale in settings["scales"]}
print(
    f"W_hh = s Q with Q a random {H}x{H} orthogonal matrix; "
    f"{settings['norm_sequences']} sequences of {T} steps"
)

# %%
import matplotlib.pyplot as plt

from labhelpers.plots import plot_norms_by_lag

labels = {
    scale: rf"$\sigma_{{\max}}(W_{{hh}})$ = {scale:g}"
    for scale in settings["scales"]
}
plot_norms_by_lag(
    {labels[s]: norms for s, (norms, _) in norms_by_scale.items()},
    {labels[s]: bound for s, (_, bound) in norms_by_scale.items()},
    title=r"Gradient factor $\|\partial h_T/\partial h_{T-\mathrm{lag}}\|_2$ "
    f"(T = {T}, hidden {H}), solid: measured, dashed: bound",
    ylim=(1e-20, 1e12),
)
plt.show()

# %% [markdown]
# ### An interactive control
#
# In JupyterLab or Colab, the slider below redraws the plot for any scale of
# $W_{hh}$. In a batch run (papermill, the HTML book) there is nobody to move it,
# so the same cell draws the static figure for the scales above instead.

# %%
from labhelpers.plots import show_gradient_norm_slider

shown = show_gradient_norm_slider(
    gradient_norms,
    settings["scales"],
    value=1.0,
    limits=(0.3, 2.0),
    ylim=(1e-20, 1e12),
)
print(f"shown: {shown}")

# %% [markdown]
# ### 2. A training run that blows up, and the same run clipped
#
# A vanilla RNN reads a sequence of Gaussian numbers and predicts their sum
# divided by $\sqrt{T}$ (a target of variance 1). It starts with
# $W_{hh} = 2\,Q$ (`blowup_scale`), and plain SGD takes steps proportional to the gradient: once
# one gradient explodes, one step throws the weights far away. The same run is
# repeated, from the same initial weights and the same batches, with
# `fit(..., clip_grad_norm=...)`. The unclipped run passes `clip_grad_norm=math.inf`,
# which records the norms without clipping.

# %% tags=["nbval-ignore-output"]
# (The regression tests compare this cell's shape, not its numbers: a run
# whose gradients explode turns the last rounding bit into a different loss on
# another CPU.)
import math

import torch
from torch import nn

from labhelpers.data.batches import TensorBatches
from labhelpers.models import LastStepRNN
from labhelpers.training import fit

# These networks are tiny: one CPU thread is as fast as several, and much
# faster when other programs share the CPU (threads that wait for each other
# spin).
torch.set_num_threads(1)
BLOWUP_HIDDEN = 32
rng = np.random.default_rng(seed)
blowup_X = rng.normal(
    size=(settings["blowup_samples"], settings["blowup_seq_len"], 1)
).astype(np.float32)
# (n, 1)
blowup_y = (blowup_X.sum(axis=1) / np.sqrt(settings["blowup_seq_len"])).astype(
    np.float32
)
print(
    f"X {blowup_X.shape}, y {blowup_y.shape}; predicting 0 "
    f"gives a mean squared error of {np.mean(blowup_y**2):.4f}"
)


def blowup_run(clip):
    seed_everything(seed)
    model = LastStepRNN(1, BLOWUP_HIDDEN, 1)
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(
            torch.from_numpy(
                theory.scale_to_spectral_norm(
                    theory.random_orthogonal(BLOWUP_HIDDEN, seed=seed),
                    settings["blowup_scale"],
                ).astype(np.float32)
            )
        )
    optimizer = torch.optim.SGD(
        model.parameters(), lr=settings["blowup_learning_rate"]
    )
    batches = TensorBatches(
        torch.from_numpy(blowup_X),
        torch.from_numpy(blowup_y),
        batch_size=32,
        shuffle=True,
    )
    # fit stops at the first non-finite loss; here the explosion is what we
    # came to see.
    history = fit(
        model,
        nn.MSELoss(),
        optimizer,
        batches,
        epochs=settings["blowup_epochs"],
        accuracy_fn=None,
        clip_grad_norm=clip,
        log_every=max(1, settings["blowup_epochs"] // 5),
        stop_on_non_finite=False,
    )
    return history, model


print("without clipping:")
plain, _ = blowup_run(math.inf)
print(f"with clipping at {settings['clip_threshold']:g}:")
clipped, clipped_model = blowup_run(settings["clip_threshold"])

# %%
from labhelpers.plots import plot_clipping_comparison

plot_clipping_comparison(
    plain["loss"],
    clipped["loss"],
    plain["grad_norm"],
    clipped["grad_norm"],
    settings["clip_threshold"],
    title=f"Vanilla RNN (hidden {BLOWUP_HIDDEN}), "
    f"W_hh = {settings['blowup_scale']:g} x orthogonal, "
    f"SGD lr {settings['blowup_learning_rate']:g}, "
    f"sequences of {settings['blowup_seq_len']} steps",
)
plt.show()

# %% [markdown]
# ### 3. A long-range task: vanilla RNN, LSTM and GRU
#
# Each sequence is 10 random tokens, then a *key* (one of 4 tokens), then $d$
# random tokens, all drawn from the same 8 tokens (keys included: a network
# cannot simply ignore the symbols it must remember). A ninth input channel
# flags the key's position, so the network knows which token to keep. The label
# is the key: at the last step the answer lies $d$ steps back. Chance is 25%.
#
# All three cells get the same hidden size, optimiser (Adam, learning rate 0.01),
# clipping (norm 1), batches and number of updates. A gated cell's memory path
# multiplies the gradient at each step by a gate, the LSTM's forget gate $f_t$
# (its cell state follows $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$) or the
# GRU's update gate $z_t$ ($h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$), instead of
# by $\mathrm{diag}(1-h^2) W_{hh}$. The gated cells start with those gates nearly
# open, bias `gate_bias` = 3 so that $\sigma(3) \approx 0.95$, and the LSTM's input
# gate nearly shut (bias $-3$), as the "chrono" initialisation does (Tallec and
# Ollivier, 2018). With PyTorch's default bias 0, $\sigma(0) = 0.5$, the gated
# cells too start with a gradient that halves at every step, and they need many
# more updates than this profile gives them: set `gate_bias=0` to see it.

# %%
from labhelpers.data.long_range import make_long_range_dataset, one_hot
from labhelpers.metrics import accuracy
from labhelpers.training import predict

N_KEYS, N_TOKENS, PREFIX = 4, 8, 10


def set_gate_bias(model, cell, value):
    """Start a gated cell remembering: LSTM forget gate
    +value and input gate -value; GRU update gate +value.

    torch orders the gates' biases in chunks of hidden_size: LSTM (input,
    forget, cell, output), GRU (reset, update, new). Each gate has two biases
    (ih, hh); only their sum matters.
    """
    size = model.rnn.hidden_size
    chunks = {"lstm": {1: value, 0: -value}, "gru": {1: value}}.get(cell, {})
    with torch.no_grad():
        for chunk, bias in chunks.items():
            model.rnn.bias_ih_l0[chunk * size : (chunk + 1) * size] = bias
            model.rnn.bias_hh_l0[chunk * size : (chunk + 1) * size] = 0.0


def long_range_run(cell, distance):
    tokens, labels = make_long_range_dataset(
        settings["task_samples"] + 512,
        distance,
        n_keys=N_KEYS,
        n_distractors=N_TOKENS - N_KEYS,
        shared_tokens=True,
        prefix=PREFIX,
        seed=seed,
    )
    # (n, PREFIX + d + 1, N_TOKENS + 1)
    X = torch.from_numpy(one_hot(tokens, N_TOKENS, mark_position=PREFIX))
    y = torch.from_numpy(labels)
    n = settings["task_samples"]
    seed_everything(seed)
    model = LastStepRNN(
        N_TOKENS + 1, settings["task_hidden_size"], N_KEYS, cell=cell
    )
    set_gate_bias(model, cell, settings["gate_bias"])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        TensorBatches(X[:n], y[:n], batch_size=32, shuffle=True),
        epochs=settings["task_epochs"],
        clip_grad_norm=1.0,
        log_every=settings["task_epochs"],
    )
    logits, targets = predict(
        model, TensorBatches(X[n:], y[n:], batch_size=512)
    )
    return accuracy(targets.numpy(), logits.argmax(dim=1).numpy()), sum(
        history["seconds"]
    )


CELLS = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
task_accuracy = {name: [] for name in CELLS.values()}
task_seconds = 0.0
for distance in settings["distances"]:
    for cell, name in CELLS.items():
        print(f"d = {distance}, {name}: ", end="")
        test_accuracy, seconds = long_range_run(cell, distance)
        task_accuracy[name].append(test_accuracy)
        task_seconds += seconds
        print(f"    test accuracy {test_accuracy:.2%}")

# %% [markdown]
# ## Observation
#
# ### Vanishing and exploding

# %%
import pandas as pd

lags = sorted({1, min(10, T), T})
rows = []
for scale, (norms, bound) in norms_by_scale.items():
    row = {"sigma_max(W_hh)": scale}
    row.update({f"norm at lag {lag}": f"{norms[lag]:.2e}" for lag in lags})
    row[f"bound at lag {T}"] = f"{bound[T]:.2e}"
    row["over the whole sequence"] = (
        "shrinks (vanishes)" if norms[T] < 1 else "grows (explodes)"
    )
    rows.append(row)
pd.DataFrame(rows).set_index("sigma_max(W_hh)")

# %%
vanishing = [s for s, (norms, _) in norms_by_scale.items() if norms[T] < 1]
exploding = [s for s, (norms, _) in norms_by_scale.items() if norms[T] >= 1]
print(
    f"over {T} steps the gradient factor shrank for "
    f"sigma_max in {vanishing} and grew for {exploding}"
)
if 1.0 in norms_by_scale:
    at_one = norms_by_scale[1.0][0]
    print(
        "sigma_max = 1: the bound allows 1 at every lag, "
        f"yet the factor fell to {at_one[T]:.2e} at lag {T}: "
        f"wherever h != 0, 1 - h^2 < 1 shrinks it"
    )
for scale, (norms, bound) in norms_by_scale.items():
    if scale > 1:
        where = (
            "saturation keeps it below the bound"
            if norms[T] < 0.5 * bound[T]
            else "close to the bound"
        )
        print(
            f"sigma_max = {scale:g}: measured {norms[T]:.2e} "
            f"at lag {T}, bound {bound[T]:.2e} ({where})"
        )

# %% [markdown]
# ### The run that blows up

# %% tags=["nbval-ignore-output"]
def first_non_finite(values):
    bad = np.flatnonzero(~np.isfinite(np.asarray(values, dtype=float)))
    return int(bad[0]) + 1 if len(bad) else None


plain_bad_epoch, plain_bad_step = (
    first_non_finite(plain["loss"]),
    first_non_finite(plain["grad_norm"]),
)
steps_per_epoch = len(plain["grad_norm"]) // plain.epochs
finite_plain = np.asarray(plain["grad_norm"], dtype=float)
finite_plain = finite_plain[np.isfinite(finite_plain)]
clipped_norms = np.asarray(clipped["grad_norm"])
print(
    "without clipping: largest finite "
    f"gradient norm {finite_plain.max():.3g}; "
    + (
        f"loss not finite from epoch {plain_bad_epoch} "
        f"(gradient not finite from step {plain_bad_step})"
        if plain_bad_epoch
        else f"the loss stayed finite (largest {max(plain['loss']):.4g})"
    )
)
print(
    f"with clipping at {settings['clip_threshold']:g}: loss from "
    f"{clipped['loss'][0]:.4f} to {clipped['loss'][-1]:.4f}, "
    f"always finite: {bool(np.all(np.isfinite(clipped['loss'])))}; "
    f"{np.mean(clipped_norms > settings['clip_threshold']):.0%} "
    f"of {len(clipped_norms)} steps clipped, "
    f"largest norm before clipping {clipped_norms.max():.3g}"
)
# What holds on every CPU, whatever the exact figures: the unclipped loss
# explodes, the clipped one stays finite.
assert plain_bad_epoch or max(plain["loss"]) > 1e6 * plain["loss"][0], (
    "the unclipped run did not blow up"
)
assert np.all(np.isfinite(clipped["loss"])), (
    "the clipped run's loss is not finite"
)
observation_table = pd.DataFrame(
    {
        "epoch": np.arange(1, plain.epochs + 1),
        "loss, no clipping": [f"{v:.4g}" for v in plain["loss"]],
        "loss, clipped": [f"{v:.4f}" for v in clipped["loss"]],
    }
).set_index("epoch")
observation_table

# %% [markdown]
# Finite is not the same as learnt. The trivial baseline is a model that
# ignores its input and predicts 0 for every sequence: its mean squared error
# is the mean of $y^2$. The clipped model, after its last epoch, against it on
# the same training sequences:

# %%
from IPython.display import Markdown, display

clipped_model.eval()
with torch.no_grad():
    fitted = clipped_model(torch.from_numpy(blowup_X)).numpy()
clipped_mse = float(np.mean((fitted - blowup_y) ** 2))
zero_mse = float(np.mean(blowup_y**2))
beats_zero = clipped_mse < zero_mse
print(f"predicting 0 for every sequence: mean squared error {zero_mse:.3f}")
print(
    f"the clipped model after {clipped.epochs} epochs: {clipped_mse:.3f} "
    f"({clipped_mse / zero_mse:.2f} times that), "
    + ("below" if beats_zero else "above")
    + " the baseline"
)

# %%
clipped_share = float(np.mean(clipped_norms > settings["clip_threshold"]))
clipped_steps = (
    f" Every one of its {len(clipped_norms)} steps was clipped, so each "
    "step had the same length, the learning rate times "
    f"{settings['clip_threshold']:g}, whatever the gradient."
    if clipped_share == 1
    else f" {clipped_share:.0%} of its {len(clipped_norms)} steps were "
    "clipped."
)
display(
    Markdown(
        f"Clipping at {settings['clip_threshold']:g} kept every loss "
        "finite where the unclipped run exploded. It did not make the "
        f"network learn the sum: after {clipped.epochs} epochs its mean "
        f"squared error on the training sequences, {clipped_mse:.3f}, is "
        + (
            f"below the {zero_mse:.3f} of predicting 0, by "
            f"{1 - clipped_mse / zero_mse:.0%}."
            if beats_zero
            else f"above the {zero_mse:.3f} of predicting 0 for every "
            "sequence: the clipped network is still worse than a model "
            "that ignores its input."
        )
        + clipped_steps
    )
)

# %% [markdown]
# ### How far back each cell learns to look

# %%
from labhelpers.plots import plot_accuracy_by_distance

plot_accuracy_by_distance(
    settings["distances"],
    task_accuracy,
    chance=1 / N_KEYS,
    title="Long-range task: test accuracy against d "
    f"({settings['task_samples']} training "
    f"sequences, {settings['task_epochs']} epochs, "
    f"hidden {settings['task_hidden_size']})",
)
plt.show()

# %%
accuracy_table = pd.DataFrame(
    {
        name: [f"{value:.2%}" for value in values]
        for name, values in task_accuracy.items()
    },
    index=pd.Index(settings["distances"], name="distance d"),
)
accuracy_table

# %%
def first_failure(values, level=0.9):
    """The smallest distance at which a model
    stays below `level` test accuracy, or None."""
    failing = [
        d for d, value in zip(settings["distances"], values) if value < level
    ]
    return failing[0] if failing else None


rnn_fails_at = first_failure(task_accuracy["vanilla RNN"])
for name, values in task_accuracy.items():
    fails = first_failure(values)
    print(
        f"{name}: "
        + (
            f"below 90% test accuracy from d = {fails}"
            if fails
            else "90% or more at every distance up to "
            f"d = {settings['distances'][-1]}"
        )
    )

# %% [markdown]
# ## Result

# %% tags=["nbval-ignore-output"]
# (Its blow-up figures change with the CPU, see above; the long-range
# accuracies are compared in the cells before.)
from IPython.display import Markdown, display

from labhelpers.report import record_results

gated_best = {
    name: values[-1]
    for name, values in task_accuracy.items()
    if name != "vanilla RNN"
}
sentence = (
    "With $W_{hh}$ scaled to $\\sigma_{\\max}$ = "
    f"{', '.join(f'{s:g}' for s in settings['scales'])}, the "
    f"gradient factor over {T} steps shrank for "
    f"{', '.join(f'{s:g}' for s in vanishing) or 'none'} and grew "
    f"for {', '.join(f'{s:g}' for s in exploding) or 'none'}. "
)
sentence += (
    "Without clipping the SGD run's loss became "
    f"non-finite in epoch {plain_bad_epoch}; "
    if plain_bad_epoch
    else "Without clipping the SGD run's loss peaked at "
    f"{max(plain['loss']):.4g}; "
)
sentence += (
    f"clipped at {settings['clip_threshold']:g} it stayed "
    f"finite and went from {clipped['loss'][0]:.4f} to "
    f"{clipped['loss'][-1]:.4f}, and the trained model's mean squared "
    f"error, {clipped_mse:.3f}, is "
    + ("below" if beats_zero else "above")
    + f" the {zero_mse:.3f} of predicting 0 for every sequence. "
)
sentence += (
    "On the long-range task the vanilla RNN fell "
    f"below 90% test accuracy from d = {rnn_fails_at} "
    f"({task_accuracy['vanilla RNN'][-1]:.2%} "
    f"at d = {settings['distances'][-1]}), "
    if rnn_fails_at
    else "On the long-range task the vanilla RNN stayed at 90% or more up to "
    f"d = {settings['distances'][-1]}, "
)
sentence += (
    "where "
    + ", ".join(
        f"the {name} reached {value:.2%}" for name, value in gated_best.items()
    )
    + f" (chance 25%, {task_seconds:.0f} s of training in all)."
)
display(Markdown(sentence))
recorded = record_results(
    "T3 exploding and vanishing gradients",
    profile,
    data=f"random sequences and the generated long-range task (seed {seed})",
    metrics={
        **{
            f"norm_at_lag_{T}_scale_{s:g}": norms[T]
            for s, (norms, _) in norms_by_scale.items()
        },
        "unclipped_first_non_finite_epoch": plain_bad_epoch or 0,
        "clipped_final_loss": clipped["loss"][-1],
        "clipped_model_mse": clipped_mse,
        "predict_zero_mse": zero_mse,
        **{
            f"accuracy_{name.split()[-1].lower()}_d{d}": value
            for name, values in task_accuracy.items()
            for d, value in zip(settings["distances"], values)
        },
        "long_range_train_seconds": task_seconds,
    },
    settings=settings,
    model="RNN with W_hh scaled up, trained with clipping",
    headline="clipped_final_loss",
)


# %% [markdown]
# ## Questions
#
# 1. Why does $\sigma_{\max}(W_{hh}) < 1$ guarantee that the gradient factor
#    vanishes, while $\sigma_{\max}(W_{hh}) > 1$ only makes an explosion
#    possible? What did this run measure for the scales above 1?
# 2. With $\sigma_{\max} = 1$ the bound allows a factor of 1 at every lag. What
#    did the run measure at the largest lag, and why is it smaller?
# 3. What does gradient-norm clipping do to a gradient whose norm exceeds the
#    threshold $c$, and what does it keep unchanged?
# 4. Why can clipping not help with vanishing gradients?
# 5. Did the clipped run in this lesson beat a model that predicts 0 for every
#    sequence? What does that say about what clipping achieves?
# 6. Along which path does an LSTM or a GRU carry the gradient back, and why
#    does the initial bias of its gates (`gate_bias`) matter?
# 7. From which distance $d$ did the vanilla RNN fall below 90% test accuracy
#    on the long-range task in this run, and what did the LSTM and GRU reach?
# 8. Why does the lesson scale an orthogonal matrix rather than a random
#    Gaussian one to set $\sigma_{\max}(W_{hh})$?
#
# **Try this**
#
# - `-p gate_bias 0.0`: PyTorch's default gate biases. How far back do the
#   LSTM and the GRU learn to look now?
# - `-p blowup_learning_rate 0.01`: with smaller steps, does the clipped run
#   beat predicting 0? Does the unclipped run still blow up?
# - `-p blowup_scale 0.9`: does the unclipped run still blow up when
#   $W_{hh}$ starts with $\sigma_{\max} < 1$?

# %% [markdown]
# ```{admonition} Answers
# :class: dropdown
# 1. Each one-step factor $\mathrm{diag}(1 - h^2) W_{hh}$ has norm at most
#    $\sigma_{\max}(W_{hh})$, so the product over a lag $m$ has norm at most
#    $\sigma_{\max}^m$, which goes to 0 when $\sigma_{\max} < 1$. Above 1 the
#    bound grows, but the factors $1 - h^2$ can shrink the product below it:
#    saturated units hold it down. The measured values are in the next cell.
# 2. See the next cell: wherever $h \ne 0$, $1 - h^2 < 1$ shrinks the
#    factor, so the product falls below the bound of 1.
# 3. It rescales the gradient $g$ to $c\, g / \lVert g \rVert$: the direction
#    is kept, the length bounded by $c$.
# 4. Clipping only shortens gradients that are too long; a vanishing gradient
#    is too short, and clipping leaves it as it is.
# 5. See the next cell. Clipping keeps the run finite; whether the network
#    learns depends on everything else (learning rate, initial weights,
#    number of steps).
# 6. The LSTM's cell state $c_t = f_t \odot c_{t-1} + \dots$ and the GRU's
#    $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$: along them the gradient is
#    multiplied by a gate at each step instead of by
#    $\mathrm{diag}(1 - h^2) W_{hh}$. A gate near 1 carries it far; with bias 0
#    the gate starts near $\sigma(0) = 0.5$ and the gradient halves per step.
# 7. See the next cell (and the table above).
# 8. An orthogonal matrix times $s$ has every singular value equal to $s$, so
#    $s$ alone decides whether it shrinks or stretches; a Gaussian matrix
#    scaled to $\sigma_{\max} = s$ has smaller singular values too, and its
#    products shrink sooner.
# ```

# %% tags=["nbval-ignore-output"]
# (The clipped run's figures change with the CPU: see the blow-up cells.)
largest_lag_norms = {
    f"{scale:g}": f"{norms[T]:.2e} (bound {bound[T]:.2e})"
    for scale, (norms, bound) in norms_by_scale.items()
}
display(
    Markdown(
        "```{admonition} Answers from this run\n"
        ":class: dropdown\n"
        f"- Questions 1 and 2: at lag {T}, for each "
        "$\\sigma_{\\max}(W_{hh})$: "
        + "; ".join(f"{s}: {v}" for s, v in largest_lag_norms.items())
        + ".\n"
        f"- Question 5: the clipped model's mean squared error "
        f"{clipped_mse:.3f}, predicting 0: {zero_mse:.3f} ("
        + ("it beat the baseline" if beats_zero else "it did not beat it")
        + ").\n"
        "- Question 7: the vanilla RNN "
        + (
            f"fell below 90% from d = {rnn_fails_at}"
            if rnn_fails_at
            else "stayed at 90% or more at every distance"
        )
        + "; at the largest distance, "
        f"d = {settings['distances'][-1]}: "
        + ", ".join(
            f"{name} {values[-1]:.2%}"
            for name, values in task_accuracy.items()
        )
        + ".\n"
        "```"
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
