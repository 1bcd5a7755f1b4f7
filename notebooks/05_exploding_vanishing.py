# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 5: exploding and vanishing gradients
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/05_exploding_vanishing.ipynb)
#
# Theory T3 of the lab catalogue: why a vanilla RNN's gradient shrinks or blows
# up over long lags, what gradient clipping does about the second, and what
# gated cells do about the first.

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

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
#   back, each from PyTorch's initialisation and from a start made for long
#   lags (an orthogonal $W_{hh}$, opened gates), and find the distance at which
#   each fails, with the noise of every accuracy.
#
# ## Parameters
#
# Pick a profile with `profile`. A parameter left at `None` takes its
# profile's value (lab, quick or smoke, all in
# `labhelpers/lesson_settings.toml`); set it to override. The cell after the
# parameters shows the values used. With papermill:
# `papermill 05_exploding_vanishing.ipynb out.ipynb -p profile lab -p distances "[10, 50, 100, 200]"`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab".
scales = None  # type: list of float, above 0  Largest singular values of W_hh to compare.
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
gate_bias = None  # type: float  Bias of the LSTM forget gate (its input gate gets minus it) and of the GRU update gate in the "gates opened" models (the control models keep PyTorch's biases, drawn uniformly in ±1/sqrt(hidden)).
task_seeds = None  # type: int, at least 1  Seeds (data and weights) per model and distance in the long-range task; with 1 the ± is the binomial standard error of the test accuracy.
growth_threshold = None  # type: float, above 1  A gradient factor over the whole sequence above this is called exploding, below its inverse vanishing.
seed = None  # type: int, at least 0  Seed of the data and of the weights.

# %%
settings = notebook_settings()

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
# Below, a factor over the whole sequence is called exploding only above
# `growth_threshold` and vanishing only below its inverse; in between the run
# says by how much it grew or fell.
#
# **Clipping.** When the gradient norm $\lVert g \rVert$ exceeds a threshold $c$,
# rescale it to $c\, g / \lVert g \rVert$: the direction stays, the step is bounded.
# Clipping bounds each step, so one exploding gradient cannot throw the weights
# away. Lesson 3 writes a weight's gradient as a sum of terms, one per lag;
# clipping multiplies all of them by the same factor, so the share the long
# lags have in the gradient stays what it was. A vanilla RNN's total gradient
# is usually not small: what vanishes is the share of its long-lag terms, and
# clipping cannot change a share. Whether a clipped run learns is measured below.
#
# ```text
# 1. for s in scales: W_hh = s * Q (Q orthogonal: every singular value 1)
#        run random sequences, compute ||dh_T/dh_(T-lag)||_2 for every lag, plot with s^lag
# 2. train a vanilla RNN (W_hh = 2 Q, SGD) on a regression task without clipping, then with
#    clip_grad_norm; plot the loss and the gradient norm of every step
# 3. for d in distances: for each of six models (RNN, LSTM, GRU, each from PyTorch's
#    initialisation and from a start made for long lags): for each of task_seeds seeds:
#        train on the long-range task (key d steps before the answer),
#        test accuracy on 512 held-out sequences
#    the ± of an accuracy: over the seeds, or with one seed its binomial standard error
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
from labhelpers.base.runtime import seed_everything

seed_everything(settings.seed)
H, T = settings.hidden_size, settings.norm_seq_len
Q = theory.random_orthogonal(H, seed=settings.seed)
W_in = theory.init_rnn_weights(4, H, seed=settings.seed)[0].W_in
norm_inputs = (
    np.random.default_rng(settings.seed).normal(
        size=(settings.norm_sequences, T, 4)
    )
    * settings.input_scale
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


norms_by_scale = {scale: gradient_norms(scale) for scale in settings.scales}
print(
    f"W_hh = s Q with Q a random {H}x{H} orthogonal matrix; "
    f"{settings.norm_sequences} sequences of {T} steps"
)

# %%
import matplotlib.pyplot as plt

from labhelpers.plots import plot_norms_by_lag

labels = {
    scale: rf"$\sigma_{{\max}}(W_{{hh}})$ = {scale:g}"
    for scale in settings.scales
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
    settings.scales,
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
rng = np.random.default_rng(settings.seed)
blowup_X = rng.normal(
    size=(settings.blowup_samples, settings.blowup_seq_len, 1)
).astype(np.float32)
# (n, 1)
blowup_y = (blowup_X.sum(axis=1) / np.sqrt(settings.blowup_seq_len)).astype(
    np.float32
)
print(
    f"X {blowup_X.shape}, y {blowup_y.shape}; predicting 0 "
    f"gives a mean squared error of {np.mean(blowup_y**2):.4f}"
)


def blowup_run(clip):
    seed_everything(settings.seed)
    model = LastStepRNN(1, BLOWUP_HIDDEN, 1)
    with torch.no_grad():
        model.rnn.weight_hh_l0.copy_(
            torch.from_numpy(
                theory.scale_to_spectral_norm(
                    theory.random_orthogonal(
                        BLOWUP_HIDDEN, seed=settings.seed
                    ),
                    settings.blowup_scale,
                ).astype(np.float32)
            )
        )
    optimizer = torch.optim.SGD(
        model.parameters(), lr=settings.blowup_learning_rate
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
        epochs=settings.blowup_epochs,
        accuracy_fn=None,
        clip_grad_norm=clip,
        log_every=max(1, settings.blowup_epochs // 5),
        stop_on_non_finite=False,
    )
    return history, model


print("without clipping:")
plain, _ = blowup_run(math.inf)
print(f"with clipping at {settings.clip_threshold:g}:")
clipped, clipped_model = blowup_run(settings.clip_threshold)

# %%
from labhelpers.plots import plot_clipping_comparison

plot_clipping_comparison(
    plain["loss"],
    clipped["loss"],
    plain["grad_norm"],
    clipped["grad_norm"],
    settings.clip_threshold,
    title=f"Vanilla RNN (hidden {BLOWUP_HIDDEN}), "
    f"W_hh = {settings.blowup_scale:g} x orthogonal, "
    f"SGD lr {settings.blowup_learning_rate:g}, "
    f"sequences of {settings.blowup_seq_len} steps",
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
# Every model gets the same hidden size, optimiser (Adam, learning rate 0.01),
# clipping (norm 1), batches and number of updates. A gated cell's memory path
# multiplies the gradient at each step by a gate, the LSTM's forget gate $f_t$
# (its cell state follows $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$) or the
# GRU's update gate $z_t$ ($h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$), instead of
# by $\mathrm{diag}(1-h^2) W_{hh}$. Each cell starts in two ways, so that no cell
# gets a start made for long lags that the others lack:
#
# - **PyTorch's initialisation**, for all three cells: `nn.RNN`, `nn.LSTM` and
#   `nn.GRU` draw every weight and every bias uniformly in
#   $\pm 1/\sqrt{\text{hidden}}$ (two biases per gate, `bias_ih` and `bias_hh`,
#   whose sum acts), so each gate starts near $\sigma(0) = 0.5$, give or take
#   what the weights add;
# - **a start made for long lags**: the vanilla RNN with $W_{hh}$ a random
#   orthogonal matrix (every singular value 1, the edge between shrinking and
#   growing of part 1); the LSTM and the GRU with their gates opened by
#   `open_gates` (the helper lesson 6 uses): forget gate, or update gate, bias
#   `gate_bias` (3 in every profile, $\sigma(3) \approx 0.95$), the LSTM's input
#   gate bias minus it. A constant positive forget-gate bias is the advice of
#   Gers, Schmidhuber and Cummins (2000); Jozefowicz, Zaremba and Sutskever
#   (2015) recommend 1. (Chrono initialisation, Tallec and Ollivier 2018, is a
#   different start: it draws each forget bias as $\log u$ with $u$ uniform
#   in $[1, T_{\max} - 1]$.)
#
# Each accuracy comes with its noise: with several seeds (`task_seeds`, each a
# new draw of the data and of the weights) the standard error of their mean,
# with one seed the binomial standard error of the accuracy on the 512 test
# sequences (`labhelpers.noise`).

# %%
from labhelpers.data.long_range import make_long_range_dataset, one_hot
from labhelpers.lessons.gated_cells import open_gates
from labhelpers.metrics import accuracy
from labhelpers.training import predict

N_KEYS, N_TOKENS, PREFIX, N_TEST = 4, 8, 10, 512


def long_range_run(cell, start, distance, run_seed):
    """Test accuracy and training seconds of one model on the task.

    start: "pytorch" (PyTorch's initialisation), "orthogonal" (vanilla RNN,
    W_hh a random orthogonal matrix) or "opened" (gated cell, open_gates).
    """
    tokens, labels = make_long_range_dataset(
        settings.task_samples + N_TEST,
        distance,
        n_keys=N_KEYS,
        n_distractors=N_TOKENS - N_KEYS,
        shared_tokens=True,
        prefix=PREFIX,
        seed=run_seed,
    )
    # (n, PREFIX + d + 1, N_TOKENS + 1)
    X = torch.from_numpy(one_hot(tokens, N_TOKENS, mark_position=PREFIX))
    y = torch.from_numpy(labels)
    n = settings.task_samples
    seed_everything(run_seed)
    model = LastStepRNN(
        N_TOKENS + 1, settings.task_hidden_size, N_KEYS, cell=cell
    )
    if start == "orthogonal":
        with torch.no_grad():
            model.rnn.weight_hh_l0.copy_(
                torch.from_numpy(
                    theory.random_orthogonal(
                        settings.task_hidden_size, seed=run_seed
                    ).astype(np.float32)
                )
            )
    elif start == "opened":
        open_gates(model, settings.gate_bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        TensorBatches(X[:n], y[:n], batch_size=32, shuffle=True),
        epochs=settings.task_epochs,
        clip_grad_norm=1.0,
        log_every=settings.task_epochs,
    )
    logits, targets = predict(
        model, TensorBatches(X[n:], y[n:], batch_size=512)
    )
    return accuracy(targets.numpy(), logits.argmax(dim=1).numpy()), sum(
        history["seconds"]
    )


# Each model's name is built from the settings it ran with.
H_TASK = settings.task_hidden_size
OPENED = f"gates opened, bias {settings.gate_bias:g}"
MODELS = {  # key in the saved metrics: (name, cell, start)
    "rnn": (f"RNN({H_TASK}), PyTorch's init", "rnn", "pytorch"),
    "rnn_orthogonal": (f"RNN({H_TASK}), orthogonal W_hh", "rnn", "orthogonal"),
    "lstm_pytorch": (f"LSTM({H_TASK}), PyTorch's init", "lstm", "pytorch"),
    "lstm": (f"LSTM({H_TASK}), {OPENED}", "lstm", "opened"),
    "gru_pytorch": (f"GRU({H_TASK}), PyTorch's init", "gru", "pytorch"),
    "gru": (f"GRU({H_TASK}), {OPENED}", "gru", "opened"),
}
NAMES = {key: name for key, (name, _, _) in MODELS.items()}
seeds = [settings.seed + k for k in range(settings.task_seeds)]
# model name -> one list of test accuracies (one per seed) per distance
task_runs = {name: [] for name in NAMES.values()}
task_seconds = 0.0
for distance in settings.distances:
    for name, cell, start in MODELS.values():
        task_runs[name].append([])
        for run_seed in seeds:
            print(f"d = {distance}, {name}, seed {run_seed}: ", end="")
            test_accuracy, seconds = long_range_run(
                cell, start, distance, run_seed
            )
            task_runs[name][-1].append(test_accuracy)
            task_seconds += seconds
            print(f"    test accuracy {test_accuracy:.2%}")

# %% [markdown]
# ## Observation
#
# ### Vanishing and exploding

# %%
import pandas as pd

from labhelpers.lessons.exploding import growth_kind, growth_words

THRESHOLD = settings.growth_threshold
lags = sorted({1, min(10, T), T})
rows = []
for scale, (norms, bound) in norms_by_scale.items():
    row = {"sigma_max(W_hh)": scale}
    row.update({f"norm at lag {lag}": f"{norms[lag]:.2e}" for lag in lags})
    row[f"bound at lag {T}"] = f"{bound[T]:.2e}"
    row["over the whole sequence"] = growth_kind(norms[T], THRESHOLD)
    rows.append(row)
pd.DataFrame(rows).set_index("sigma_max(W_hh)")

# %%
kinds = {
    scale: growth_kind(norms[T], THRESHOLD)
    for scale, (norms, _) in norms_by_scale.items()
}
shrank = [s for s, (norms, _) in norms_by_scale.items() if norms[T] < 1]
grew = [s for s, (norms, _) in norms_by_scale.items() if norms[T] > 1]
print(
    f"over {T} steps the gradient factor fell for "
    f"sigma_max in {shrank} and grew for {grew}; "
    f"called vanishing (below 1/{THRESHOLD:g}) for "
    f"{[s for s, k in kinds.items() if k == 'vanishes']} and exploding "
    f"(above {THRESHOLD:g}) for "
    f"{[s for s, k in kinds.items() if k == 'explodes']}"
)
for scale, (norms, _) in norms_by_scale.items():
    print(
        f"sigma_max = {scale:g}: the factor "
        f"{growth_words(norms[T], T, THRESHOLD)}"
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


def finite_max(values):
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    return float(values[finite].max()) if finite.any() else math.nan


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
    f"with clipping at {settings.clip_threshold:g}: loss from "
    f"{clipped['loss'][0]:.4f} to {clipped['loss'][-1]:.4f}, "
    f"always finite: {bool(np.all(np.isfinite(clipped['loss'])))}; "
    f"{np.mean(clipped_norms > settings.clip_threshold):.0%} "
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

# %% tags=["nbval-ignore-output"]
# (The clipped run's figures change with the CPU: see the blow-up cells.)
from IPython.display import Markdown, display

from labhelpers import noise

clipped_model.eval()
with torch.no_grad():
    fitted = clipped_model(torch.from_numpy(blowup_X)).numpy()
# one squared error per training sequence, and its mean with its standard error
clipped_errors = ((fitted - blowup_y) ** 2).ravel().astype(float)
zero_errors = (blowup_y**2).ravel().astype(float)
n_blowup = len(zero_errors)
source = f"s.e. of the mean over {n_blowup} sequences"
clipped_fit = noise.Measured(
    float(clipped_errors.mean()),
    float(clipped_errors.std(ddof=1) / np.sqrt(n_blowup)),
    source,
)
zero_fit = noise.Measured(
    float(zero_errors.mean()),
    float(zero_errors.std(ddof=1) / np.sqrt(n_blowup)),
    source,
)
clipped_mse, zero_mse = clipped_fit.value, zero_fit.value
clipped_side = noise.verdict(clipped_fit, zero_fit, higher_is_better=False)
print(
    "predicting 0 for every sequence: mean squared error "
    f"{zero_fit.show(percent=False)}"
)
print(
    f"the clipped model after {clipped.epochs} epochs: "
    f"{clipped_fit.show(percent=False)} "
    f"({clipped_mse / zero_mse:.2f} times that); lower is the "
    "closer fit: "
    + noise.compare(
        "the clipped model",
        clipped_fit,
        "predicting 0",
        zero_fit,
        percent=False,
        higher_is_better=False,
    )
)

# %% tags=["nbval-ignore-output"]
# (The clipped run's figures change with the CPU: see the blow-up cells.)
from labhelpers.lessons.exploding import clipping_sentence, unclipped_words

clipped_share = float(np.mean(clipped_norms > settings.clip_threshold))
unclipped, plain_blew_up = unclipped_words(
    plain_bad_epoch, plain["loss"][0], finite_max(plain["loss"])
)
clipping_result = clipping_sentence(
    settings.clip_threshold,
    unclipped,
    bool(np.all(np.isfinite(clipped["loss"]))),
    clipped_fit,
    zero_fit,
    clipped.epochs,
    len(clipped_norms),
    clipped_share,
)
display(Markdown(clipping_result))

# %% [markdown]
# ### How far back each cell learns to look
#
# Test accuracy (in %) of every model at every distance, with its standard
# error (±).

# %%
from labhelpers.lessons.exploding import measured_accuracy, reach_words
from labhelpers.plots import plot_accuracy_by_distance

task_figures = {  # model name -> one Measured accuracy per distance
    name: [measured_accuracy(values, N_TEST) for values in runs]
    for name, runs in task_runs.items()
}
task_accuracy = {
    name: [figure.value for figure in figures]
    for name, figures in task_figures.items()
}
print(f"±: {next(iter(task_figures.values()))[0].source}")
plot_accuracy_by_distance(
    settings.distances,
    task_accuracy,
    chance=1 / N_KEYS,
    title="Long-range task: test accuracy against d "
    f"({settings.task_samples} training "
    f"sequences, {settings.task_epochs} epochs, "
    f"{len(seeds)} seed(s))",
)
plt.show()

# %%
accuracy_table = pd.DataFrame(
    {
        (f"d = {d}", column): [
            round(100 * (f.value if column == "accuracy %" else f.se), 2)
            for f in (figures[i] for figures in task_figures.values())
        ]
        for i, d in enumerate(settings.distances)
        for column in ("accuracy %", "±")
    },
    index=pd.Index(list(task_figures), name="model"),
)
accuracy_table

# %%
for name, values in task_accuracy.items():
    print(reach_words(name, settings.distances, values))

# %% [markdown]
# The fair controls: each start made for long lags against the same cell from
# PyTorch's initialisation, at every distance, and each gated cell against the
# vanilla RNN when all start from PyTorch's initialisation. The table compares
# every model at the largest distance with the vanilla RNN from PyTorch's
# initialisation.

# %%
D_LAST = settings.distances[-1]
at_last = {name: figures[-1] for name, figures in task_figures.items()}
noise.comparison_table(at_last, reference=NAMES["rnn"])

# %%
from labhelpers.lessons.exploding import effect_by_distance

control_sentences = [
    effect_by_distance(
        "Starting the RNN's W_hh orthogonal (instead of PyTorch's init)",
        task_figures[NAMES["rnn"]],
        task_figures[NAMES["rnn_orthogonal"]],
        settings.distances,
    ),
    *(
        effect_by_distance(
            f"Opening the {cell}'s gates (bias {settings.gate_bias:g}, "
            "instead of PyTorch's init)",
            task_figures[NAMES[f"{cell.lower()}_pytorch"]],
            task_figures[NAMES[cell.lower()]],
            settings.distances,
        )
        for cell in ("LSTM", "GRU")
    ),
    *(
        "From PyTorch's init, at d = "
        f"{D_LAST}: "
        + noise.compare(
            f"the {cell}",
            at_last[NAMES[f"{cell.lower()}_pytorch"]],
            "the vanilla RNN",
            at_last[NAMES["rnn"]],
        )
        for cell in ("LSTM", "GRU")
    ),
]
print("\n\n".join(control_sentences))

# %% [markdown]
# ## Result

# %% tags=["nbval-ignore-output"]
# (Its blow-up figures change with the CPU, see above; the long-range
# accuracies are compared in the cells before.)
from labhelpers.report import answers, report_result

sentence = (
    r"With $W_{hh}$ scaled to $\sigma_{\max}$ = "
    f"{', '.join(f'{s:g}' for s in settings.scales)}, the "
    f"gradient factor over {T} steps "
    + "; ".join(
        f"for {s:g} {growth_words(norms[T], T, THRESHOLD)}"
        for s, (norms, _) in norms_by_scale.items()
    )
    + ". "
)
sentence += clipping_result + " "
sentence += (
    "On the long-range task ("
    + f"{len(seeds)} seed(s), ± "
    + next(iter(task_figures.values()))[0].source
    + "): "
    + "; ".join(
        reach_words(f"the {name}", settings.distances, values)
        for name, values in task_accuracy.items()
    )
    + f" (chance 25%, {task_seconds:.0f} s of training in all). "
    + " ".join(control_sentences)
)
report_result(
    sentence,
    settings,
    title="T3 exploding and vanishing gradients",
    data=(
        "random sequences and the generated long-range task "
        f"(seed {settings.seed})"
    ),
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
            f"accuracy_{key}_d{d}": value
            for key, name in NAMES.items()
            for d, value in zip(settings.distances, task_accuracy[name])
        },
        **{
            f"accuracy_se_{key}_d{d}": figure.se
            for key, name in NAMES.items()
            for d, figure in zip(settings.distances, task_figures[name])
        },
        "long_range_train_seconds": task_seconds,
    },
    model=(
        f"RNN({BLOWUP_HIDDEN}) with W_hh = "
        f"{settings.blowup_scale:g} x orthogonal, SGD lr "
        f"{settings.blowup_learning_rate:g}, clipped at "
        f"{settings.clip_threshold:g}; "
        + ", ".join(NAMES.values())
        + " on the long-range task"
    ),
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
# 7. From which distance $d$ did each model fall below 90% test accuracy on
#    the long-range task in this run? Which differences between a start made
#    for long lags and PyTorch's initialisation are larger than their noise?
# 8. Why does the lesson scale an orthogonal matrix rather than a random
#    Gaussian one to set $\sigma_{\max}(W_{hh})$?
#
# Beyond this run:
#
# 9. Another common condition uses the spectral radius $\rho(W_{hh})$, the
#    largest $|\lambda|$ of its eigenvalues, instead of $\sigma_{\max}$.
#    What does $\rho$ say about the product $W_{hh}^{\,m}$ for large $m$?
#    Can $\lVert A^m \rVert_2$ grow for a few steps when $\rho(A) < 1$? Try
#    the $2 \times 2$ matrix $A$ with rows $(0.5, 10)$ and $(0, 0.5)$.
# 10. Clipping by norm keeps the gradient's direction. What does clipping
#     every entry to $[-c, c]$ (clipping by value) do to the direction, and
#     is the clipped step still downhill?
# 11. Part 2 trains with plain SGD. For one weight, what step does Adam take
#     when one gradient is far larger than every gradient before it? Why is
#     Adam less thrown by a single exploding gradient, and why does part 3
#     clip anyway?
# 12. On the long-range task the key is $d$ steps before the answer. Which
#     terms of the gradient teach the network to *store* the key when it is
#     read, and what happens to them as $d$ grows in a vanilla RNN?
# 13. If a forget gate stayed at the value its bias gives it, what share of
#     the gradient along the cell path would survive 100 steps with a bias
#     of 0, of 1 and of 3?
# 14. What does a clipping threshold $c$ far below the usual gradient norm
#     turn training into, and what does one far above it do?
# 15. Can an LSTM's gradient explode? Which paths through the cell does the
#     forget gate not control?
#
# **Try this**
#
# - `-p gate_bias 1.0`: the forget-gate bias Jozefowicz et al. (2015)
#   recommend. How far back do the LSTM and the GRU with opened gates learn to
#   look now?
# - `-p task_seeds 3`: the ± becomes the spread over seeds. Is it larger or
#   smaller than the binomial standard error of one run?
# - `-p blowup_learning_rate 0.01`: with smaller steps, does the clipped run
#   beat predicting 0? Does the unclipped run still blow up?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. Each one-step factor $\mathrm{diag}(1 - h^2) W_{hh}$ has norm at most
#    $\sigma_{\max}(W_{hh})$, so the product over a lag $m$ has norm at most
#    $\sigma_{\max}^m$, which goes to 0 when $\sigma_{\max} < 1$. Above 1 the
#    bound grows, but the factors $1 - h^2$ can shrink the product below it:
#    saturated units hold it down. The measured values are in the next cell.
# 2. See the next cell: wherever $h \ne 0$, $1 - h^2 < 1$ shrinks the
#    factor, so the product falls below the bound of 1.
# 3. It rescales the gradient $g$ to $c\, g / \lVert g \rVert$: the direction
#    is kept, the length bounded by $c$.
# 4. A vanilla RNN's total gradient is usually not small: the terms of the
#    recent lags fill it, and what vanishes is the share of the long-lag terms
#    (lesson 3 groups the gradient by lag to show this). Clipping multiplies
#    the whole gradient, every lag's term alike, by one factor
#    $c / \lVert g \rVert$, so it cannot change the share any lag has: the long
#    lags stay as small a part of each step as they were.
# 5. See the next cell. Clipping keeps the run finite; whether the network
#    learns depends on everything else (learning rate, initial weights,
#    number of steps).
# 6. The LSTM's cell state $c_t = f_t \odot c_{t-1} + \dots$ and the GRU's
#    $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$: along them the gradient is
#    multiplied by a gate at each step instead of by
#    $\mathrm{diag}(1 - h^2) W_{hh}$. A gate near 1 carries it far. PyTorch
#    draws the gate biases uniformly in $\pm 1/\sqrt{\text{hidden}}$, so the
#    gates start near $\sigma(0) = 0.5$ and the gradient along that path
#    roughly halves per step; a bias $b$ (`gate_bias`) starts them near
#    $\sigma(b)$, about 0.95 for $b = 3$.
# 7. See the next cell, the table of accuracies and the comparisons with their
#    noise above.
# 8. An orthogonal matrix times $s$ has every singular value equal to $s$, so
#    $s$ alone decides whether it shrinks or stretches; a Gaussian matrix
#    scaled to $\sigma_{\max} = s$ has smaller singular values too, and its
#    products shrink sooner.
# 9. $\lVert A^m \rVert^{1/m} \to \rho(A)$ as $m$ grows (Gelfand's
#    formula): for long products $\rho < 1$ means shrinking and $\rho > 1$
#    growing (without the $\tanh$ factors). Since $\rho \le \sigma_{\max}$,
#    the spectral radius says nothing about short lags: the example has
#    $\rho = 0.5$ but $A^2$ has rows $(0.25, 10)$ and $(0, 0.25)$, of norm
#    above 10, and the corner of $A^m$, $10\, m\, 0.5^{m-1}$, falls below 1
#    only at $m = 8$. For an orthogonal
#    matrix times $s$, as in part 1, $\rho = \sigma_{\max} = s$ and the two
#    conditions agree.
# 10. It cuts the large entries and keeps the small ones, so the direction
#     turns towards the small entries. Every clipped entry keeps its sign,
#     so the clipped vector $\tilde g$ still has $g^\top \tilde g > 0$: a
#     small enough step along it still lowers the loss, but it no longer
#     follows the gradient. Clipping by norm scales every entry alike and
#     changes only the length.
# 11. Adam divides a running mean of the gradient by the square root of a
#     running mean of its square. When one gradient $g$ dominates both, the
#     step is about $\eta\, (1 - \beta_1) / \sqrt{1 - \beta_2}$, about
#     $3.2\, \eta$ with the default $\beta_1 = 0.9$, $\beta_2 = 0.999$,
#     whatever the size of $g$, where SGD steps $\eta\, g$. Adam's step is
#     bounded per weight but not zero, its memory of the large gradient then
#     shrinks the following steps for a while, and a few large gradients in
#     a row still move the weights far: clipping bounds the whole step
#     directly.
# 12. The terms that link the loss at the last step to the step where the
#     key was read: lag $d$ or more. In a vanilla RNN they carry the product
#     of $d$ one-step Jacobians, which shrinks geometrically with $d$
#     (part 1), while the recent steps' terms do not shrink. The update that
#     would teach the network to keep the key becomes a vanishing share of
#     each step (question 4), so training sees almost nothing of it.
# 13. $\sigma(0)^{100} = 0.5^{100} \approx 8 \cdot 10^{-31}$,
#     $\sigma(1)^{100} \approx 0.731^{100} \approx 2.5 \cdot 10^{-14}$ and
#     $\sigma(3)^{100} \approx 0.953^{100} \approx 0.008$: only the largest
#     bias leaves a usable share. Real gates move with their inputs, so this
#     is the start, not the trained network.
# 14. Far below: every step is clipped, so every step has the same length,
#     (learning rate) $\times\, c$, along the gradient's direction, whatever
#     the gradient's size: normalised gradient descent, whose steps do not
#     shrink as the gradient does near a minimum. Far above: it is never
#     reached and training is plain training, with no protection from a
#     blow-up. A useful $c$ sits just above the usual norms, so that only the
#     rare large steps are cut; the run's gradient norms (part 2's figure)
#     show where that is.
# 15. Yes. The cell path is multiplied by $f_t$, but the gates, $\tilde c_t$
#     and $h_t$ also depend on $h_{t-1}$ through recurrent weights, and those
#     paths multiply the gradient by weight matrices and gate derivatives,
#     like a vanilla RNN's: with large recurrent weights they can grow. Gated
#     cells make vanishing along the cell path avoidable, not explosion
#     impossible; lessons 12 and 13 clip their LSTMs and GRUs too.
#
# </details>

# %% tags=["nbval-ignore-output"]
# (The clipped run's figures change with the CPU: see the blow-up cells.)
display(
    Markdown(
        answers(
            [
                f"Questions 1 and 2: at lag {T}, for each "
                r"$\sigma_{\max}(W_{hh})$: "
                + "; ".join(
                    f"{s:g}: {norms[T]:.2e} (bound {bound[T]:.2e}), the "
                    f"factor {growth_words(norms[T], T, THRESHOLD)}"
                    for s, (norms, bound) in norms_by_scale.items()
                )
                + ".",
                f"Question 5: {clipping_result}",
                "Question 7: "
                + "; ".join(
                    reach_words(f"the {name}", settings.distances, values)
                    for name, values in task_accuracy.items()
                )
                + ". "
                + " ".join(control_sentences),
            ]
        )
    )
)


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
