# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 6: gated cells from scratch, LSTM and GRU
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/06_gated_cells.ipynb)
#
# A theory lesson that follows lesson 5. Lesson 2 built the vanilla
# RNN cell from its equation; this lesson builds the two gated cells the
# other lessons train, the LSTM and the GRU, and measures what lesson 5 only
# said: how much of the gradient a gate carries back.

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

# %% [markdown]
# ## Aim
#
# Write the LSTM and the GRU cells and their forward passes in NumPy, from
# their gate equations; show that they compute what `torch.nn.LSTM`,
# `torch.nn.GRU` and Keras `LSTM` and `GRU` compute with the same weights
# (both of Keras's GRU conventions); and measure why gates help: how the
# gradient of the loss reaches states further and further back in a vanilla
# RNN, an LSTM and a GRU of the same size on the same task.
#
# ## Objectives
#
# - read the gate equations of the LSTM and the GRU in the book's notation
#   ($W_{in}$, $W_{hh}$, $b$, one block of rows per gate);
# - run them in NumPy and compare every hidden state with PyTorch's and
#   Keras's layers, one and two layers, to 1e-6;
# - see the two GRU conventions (where the reset gate acts) and that they
#   are different functions;
# - measure $\lVert \partial L / \partial s_{T-\mathrm{lag}} \rVert$ against the
#   lag for the three cells, at initialisation and after training, beside
#   lesson 5's picture.
#
# ## Parameters
#
# Pick a profile with `profile`; a parameter left at `None` takes its
# profile's value (`lab`, `quick` or `smoke`, all in
# `labhelpers/lesson_settings.toml`), and the cell after the parameters shows
# the values used. With papermill:
# `papermill 06_gated_cells.ipynb out.ipynb -p profile lab -p distance 200`.
#
# | parameter | what it sets |
# | --- | --- |
# | `batch_size`, `seq_len`, `input_size`, `hidden_size` | the random sequences and layers compared with PyTorch and Keras |
# | `tolerance` | the largest absolute difference allowed in those comparisons (the catalogue asks for 1e-6) |
# | `compare_keras` | also compare with Keras (imports TensorFlow, a few seconds) |
# | `distance` | steps between the key and the answer in the long-range task: the lag the gradient must cover |
# | `task_hidden_size` | hidden units of the vanilla RNN, the LSTM and the GRU of that task (the same for all three) |
# | `gradient_sequences` | held-out sequences whose gradient norms are averaged (and whose accuracy is reported) |
# | `gate_bias` | the constant bias that opens the gates: LSTM forget gate (input gate: minus it), GRU update gate |
# | `task_samples`, `task_epochs` | the training of each cell before the last measurement |

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  "smoke" (tests), "quick" (CPU book), "lab".
batch_size = None  # type: int, at least 1  Compared sequences.
seq_len = None  # type: int, at least 1  Steps per compared sequence.
input_size = None  # type: int, at least 1  Inputs per step (compared).
hidden_size = None  # type: int, at least 1  Hidden size (compared).
tolerance = None  # type: float, above 0  Largest difference allowed.
compare_keras = None  # type: bool  Also compare with Keras.
distance = None  # type: int, at least 1  Lag of the key (task).
task_hidden_size = None  # type: int, at least 1  Hidden units (task).
gradient_sequences = None  # type: int, at least 1  Measured sequences.
gate_bias = None  # type: float  Bias that opens the gates (lesson 5).
task_samples = None  # type: int, at least 1  Training sequences.
task_epochs = None  # type: int, at least 1  Training epochs.
seed = None  # type: int, at least 0  Seed of the data and the weights.

# %%
settings = notebook_settings()

# %% [markdown]
# ## Algorithm
#
# ### The LSTM (Hochreiter and Schmidhuber, 1997), with the forget gate of Gers, Schmidhuber and Cummins (2000)
#
# The LSTM of 1997 had no forget gate: its cell state was carried on
# unchanged. Gers, Schmidhuber and Cummins (2000) added $f_t$, and that form is
# the one PyTorch and Keras compute and this lesson builds.
# Besides the hidden state $h_t$ the LSTM keeps a **cell state** $c_t$. Three
# gates, each a sigmoid of the same affine map of $x_t$ and $h_{t-1}$ that the
# vanilla RNN uses, decide what the cell forgets ($f_t$), what it writes
# ($i_t$, of a candidate $\tilde c_t$) and what it shows ($o_t$):
#
# $$\begin{aligned}
# i_t &= \sigma(W^{i}_{in} x_t + W^{i}_{hh} h_{t-1} + b^{i}), &
# f_t &= \sigma(W^{f}_{in} x_t + W^{f}_{hh} h_{t-1} + b^{f}),\\
# \tilde c_t &= \tanh(W^{c}_{in} x_t + W^{c}_{hh} h_{t-1} + b^{c}), &
# o_t &= \sigma(W^{o}_{in} x_t + W^{o}_{hh} h_{t-1} + b^{o}),\\
# c_t &= f_t \odot c_{t-1} + i_t \odot \tilde c_t, &
# h_t &= o_t \odot \tanh(c_t).
# \end{aligned}$$
#
# The four blocks are stacked: $W_{in}$ is $(4\,\text{hidden}, \text{input})$ with
# rows $[W^{i}_{in}; W^{f}_{in}; W^{c}_{in}; W^{o}_{in}]$, $W_{hh}$ is
# $(4\,\text{hidden}, \text{hidden})$ and $b$ is $(4\,\text{hidden},)$, in the
# order PyTorch (`weight_ih_l0`) and Keras (`kernel`, transposed) both use.

# %%
import matplotlib.pyplot as plt

from labhelpers.plots import plot_gru_cell, plot_lstm_cell

plot_lstm_cell()
plt.show()

# %% [markdown]
# The four boxes along the bottom all read $x_t$ and $h_{t-1}$, each with its
# own block of weights. Only $f_t$ and $i_t$ (with the candidate
# $\tilde c_t$) write the cell state along the top, where $c_{t-1}$ reaches
# $c_t$ through one product and one sum, with no weight matrix on the way;
# $o_t$ decides how much of $\tanh(c_t)$ leaves as $h_t$.
#
# ### The GRU (Cho et al., 2014), the book's convention
#
# The GRU has no cell state. A **reset** gate $r_t$ decides how much of
# $h_{t-1}$ enters the candidate $n_t$, an **update** gate $z_t$ mixes the
# candidate with the old state. The book uses PyTorch's convention, which is
# also Keras's default (`reset_after=True`):
#
# $$\begin{aligned}
# r_t &= \sigma(W^{r}_{in} x_t + b^{r}_{in} + W^{r}_{hh} h_{t-1} + b^{r}_{hh}), &
# z_t &= \sigma(W^{z}_{in} x_t + b^{z}_{in} + W^{z}_{hh} h_{t-1} + b^{z}_{hh}),\\
# n_t &= \tanh\big(W^{n}_{in} x_t + b^{n}_{in} + r_t \odot (W^{n}_{hh} h_{t-1} + b^{n}_{hh})\big), &
# h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}.
# \end{aligned}$$
#
# $z_t$ near 1 keeps the old state. The GRU needs two biases, $b_{in}$ and
# $b_{hh}$: $b^{n}_{hh}$ sits inside the reset gate's product, so it cannot be
# folded into $b^{n}_{in}$. PyTorch stacks the gates as (reset, update, new),
# Keras as (update, reset, new).

# %%
plot_gru_cell(reset_after=True)
plt.show()

# %% [markdown]
# One state runs along the top: $z_t$ keeps a share of $h_{t-1}$ and
# $1 - z_t$ lets the candidate $n_t$ in. The candidate reads $x_t$ from the
# bottom line and $h_{t-1}$ only through the reset path (in colour), where
# $r_t$ scales the product $W^{n}_{hh} h_{t-1} + b^{n}_{hh}$.
#
# **The other convention**, Keras's `GRU(reset_after=False)` (the form of
# Cho et al.'s paper), resets the state *before* the product and has one bias
# per gate ($b^{r}$ and $b^{z}$ act as the sums $b^{r}_{in} + b^{r}_{hh}$ and
# $b^{z}_{in} + b^{z}_{hh}$ would):
#
# $$\begin{aligned}
# r_t &= \sigma(W^{r}_{in} x_t + W^{r}_{hh} h_{t-1} + b^{r}), &
# z_t &= \sigma(W^{z}_{in} x_t + W^{z}_{hh} h_{t-1} + b^{z}),\\
# n_t &= \tanh\big(W^{n}_{in} x_t + W^{n}_{hh} (r_t \odot h_{t-1}) + b^{n}\big), &
# h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}.
# \end{aligned}$$

# %%
plot_gru_cell(reset_after=False)
plt.show()

# %% [markdown]
# The same cell with the reset path reversed: $r_t$ scales $h_{t-1}$ unit by
# unit first, and only then does $W^{n}_{hh}$ mix the units, so the candidate
# is a different function of the same weights (measured below).
#
# ### Why gates can help
#
# Along the LSTM's cell state, $\partial c_t / \partial c_{t-1}$ contains the
# term $\mathrm{diag}(f_t)$, and along the GRU's state
# $\partial h_t / \partial h_{t-1}$ contains $\mathrm{diag}(z_t)$: a gradient
# passed back is multiplied by a gate (near 1 when the gate keeps the state)
# instead of only by $\mathrm{diag}(1 - h_t^2) W_{hh}$. Whether that keeps
# more of the gradient is measured below: the gradient of the loss at the last
# step with respect to the state $s_k$ that step $k$ passes on ($h_k$ for the
# RNN and the GRU, $(h_k, c_k)$ for the LSTM), against the lag $T - k$.
#
# ```text
# 1. for cell in (LSTM, GRU): NumPy forward pass, copy the weights from
#    nn.LSTM / nn.GRU (1 and 2 layers) and Keras LSTM / GRU (both
#    conventions), compare every hidden state, assert < tolerance
# 2. long-range task of lesson 5 (key `distance` steps before the answer):
#    for cell in (RNN, LSTM, GRU), same hidden size:
#        at PyTorch's initialisation, with the gates opened, after training:
#            ||dL/ds_(T-lag)|| for every lag (geometric mean over sequences)
#    plot beside lesson 5's ||dh_T/dh_(T-lag)|| for scaled W_hh
# ```

# %% [markdown]
# ## Program
#
# ### The cells in NumPy
#
# `labhelpers.theory.lstm_cell_forward` and `gru_cell_forward`, the
# equations above; `lstm_forward` and `gru_forward` apply them at every step
# of every layer, as `rnn_forward` does in lesson 2.

# %%
import inspect

from labhelpers import theory

print(inspect.getsource(theory.lstm_cell_forward))
print(inspect.getsource(theory.gru_cell_forward))

# %% [markdown]
# ### Against `torch.nn.LSTM` and `torch.nn.GRU`
#
# The same random inputs and random initial states go through PyTorch's
# layers (in float64) and through ours, with the weights copied from the
# layers' `state_dict()`. The biases are drawn from $[-1, 1]$ rather than
# PyTorch's default range, $\pm 1/\sqrt{\text{hidden}}$, so that a bias in the wrong gate shows.

# %%
import numpy as np
import torch

from labhelpers.base.runtime import seed_everything
from labhelpers.report import rounding_level

seed_everything(settings.seed)
rng = np.random.default_rng(settings.seed)
B, T_cmp = settings.batch_size, settings.seq_len
I_cmp, H_cmp = settings.input_size, settings.hidden_size
x = rng.normal(size=(B, T_cmp, I_cmp))  # (batch, T, input), float64
comparisons = []  # one row per check, for the Observation table


def compare(framework, layers, ours, theirs, what):
    """Print, record and assert the largest absolute difference."""
    difference = float(np.max(np.abs(ours - theirs)))
    comparisons.append(
        dict(
            framework=framework,
            layers=layers,
            compared=what,
            max_abs_difference=difference,
        )
    )
    print(
        f"{framework}, {layers} layer(s), {what}: "
        f"largest absolute difference {rounding_level(difference)}"
    )
    assert difference < settings.tolerance, (
        f"{framework} differs by {difference} (> {settings.tolerance})"
    )


def wide_biases(module):
    """Biases uniform in [-1, 1] (seeded)."""
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            if name.startswith("bias"):
                parameter.uniform_(-1.0, 1.0)


for layers in (1, 2):
    h0 = rng.normal(size=(layers, B, H_cmp)) * 0.5
    c0 = rng.normal(size=(layers, B, H_cmp)) * 0.5
    torch.manual_seed(settings.seed)
    lstm = torch.nn.LSTM(
        I_cmp, H_cmp, num_layers=layers, batch_first=True
    ).double()
    wide_biases(lstm)
    with torch.no_grad():
        out, (h_n, c_n) = lstm(
            torch.from_numpy(x), (torch.from_numpy(h0), torch.from_numpy(c0))
        )
    ours, ours_h, ours_c = theory.lstm_forward(
        x, theory.lstm_weights_from_torch(lstm.state_dict()), h0, c0
    )
    compare(
        "torch nn.LSTM", layers, ours[-1], out.numpy(), "top layer, every step"
    )
    compare(
        "torch nn.LSTM",
        layers,
        ours_c,
        c_n.numpy(),
        "cell state c_n, every layer",
    )
    torch.manual_seed(settings.seed)
    gru = torch.nn.GRU(
        I_cmp, H_cmp, num_layers=layers, batch_first=True
    ).double()
    wide_biases(gru)
    with torch.no_grad():
        out, h_n = gru(torch.from_numpy(x), torch.from_numpy(h0))
    ours, ours_h = theory.gru_forward(
        x, theory.gru_weights_from_torch(gru.state_dict()), h0
    )
    compare(
        "torch nn.GRU", layers, ours[-1], out.numpy(), "top layer, every step"
    )
    compare(
        "torch nn.GRU",
        layers,
        ours_h,
        h_n.numpy(),
        "every layer, last step (h_n)",
    )

# %% [markdown]
# ### Against Keras `LSTM` and `GRU`, both GRU conventions
#
# Keras stores the transposes (`kernel` is (input, gates x hidden)) and
# orders the GRU's gates update, reset, new; `lstm_weights_from_keras` and
# `gru_weights_from_keras` transpose and reorder. A `GRU(reset_after=True)`
# has a bias of shape (2, 3 x hidden), input and recurrent; a
# `GRU(reset_after=False)` one of shape (3 x hidden,). The LSTM is built with
# `unit_forget_bias=False` and random biases, so that every bias is tested.

# %%
keras_available = False
if settings.compare_keras:
    try:
        from labhelpers.base.runtime import import_keras

        keras = import_keras()  # without TensorFlow's start-up lines
        keras_available = True
    except ImportError:
        print(
            "Keras (TensorFlow) is not installed here: skipping the "
            "Keras comparison. Install it with: "
            "pip install 'labhelpers[keras]'"
        )
if keras_available:
    seed_everything(
        settings.seed
    )  # seeds TensorFlow too, now that it is imported

    def keras_run(make_layer, layers):
        """The top layer's states of `layers` stacked Keras layers."""
        stacked = [make_layer(n) for n in range(layers)]
        model = keras.Sequential(
            [keras.Input((T_cmp, I_cmp), dtype="float64"), *stacked]
        )
        return np.asarray(model(x)), [s.get_weights() for s in stacked]

    def wide(n):
        return keras.initializers.RandomUniform(
            -1.0, 1.0, seed=settings.seed + n
        )

    for layers in (1, 2):
        states, weights = keras_run(
            lambda n: keras.layers.LSTM(
                H_cmp,
                return_sequences=True,
                dtype="float64",
                unit_forget_bias=False,
                bias_initializer=wide(n),
            ),
            layers,
        )
        ours, _, _ = theory.lstm_forward(
            x, theory.lstm_weights_from_keras(weights)
        )
        compare(
            "Keras LSTM", layers, ours[-1], states, "top layer, every step"
        )
        for reset_after in (True, False):
            states, weights = keras_run(
                lambda n: keras.layers.GRU(
                    H_cmp,
                    return_sequences=True,
                    dtype="float64",
                    reset_after=reset_after,
                    bias_initializer=wide(n),
                ),
                layers,
            )
            if layers == 1:
                print(
                    f"  GRU(reset_after={reset_after}): bias shape "
                    f"{weights[0][2].shape}"
                )
            ours, _ = theory.gru_forward(
                x, theory.gru_weights_from_keras(weights)
            )
            compare(
                f"Keras GRU(reset_after={reset_after})",
                layers,
                ours[-1],
                states,
                "top layer, every step",
            )

# %% [markdown]
# The two conventions are two different functions, not two spellings of one:
# the same weights give different states.

# %%
(after,) = theory.init_gru_weights(I_cmp, H_cmp, seed=settings.seed)
before = theory.GRULayerWeights(
    after.W_in,
    after.W_hh,
    after.b_in,
    np.zeros_like(after.b_hh),
    reset_after=False,
)
same_biases = theory.GRULayerWeights(
    after.W_in, after.W_hh, after.b_in, np.zeros_like(after.b_hh)
)
states_before, _ = theory.gru_forward(x, [before])
states_after, _ = theory.gru_forward(x, [same_biases])
convention_gap = float(np.max(np.abs(states_before - states_after)))
print(
    f"same weights (b_hh = 0), reset after against reset before the "
    f"product: largest difference {convention_gap:.3f}"
)

# %% [markdown]
# ### Why gates help, measured
#
# The task is lesson 5's long-range task: 10 random tokens, a key (one of
# 4), then `distance` random tokens; the label is the key, so at the last step
# the answer lies `distance` steps back, and the state $s_k$ right after the
# key is at lag `distance`. A vanilla RNN, an LSTM and a GRU with the same
# hidden size read the same sequences. For each, and for each lag, we compute
# $\lVert \partial L / \partial s_{T-\mathrm{lag}} \rVert$, where $L$ is the
# cross-entropy of the last step's output: `gradient_norms_by_lag` runs
# the layer one step at a time so that autograd keeps the gradient of every
# state. Three moments:
#
# - **PyTorch's initialisation**: `nn.RNN`, `nn.LSTM` and `nn.GRU` draw every
#   weight and every bias uniformly in $\pm 1/\sqrt{\text{hidden}}$, so every
#   gate starts near $\sigma(0) = 0.5$, give or take what the weights add;
# - **gates opened**: the LSTM's forget gate bias `gate_bias` (and its input
#   gate's minus it), the GRU's update gate bias `gate_bias`, as lesson 5
#   starts them (the vanilla RNN has no gate and stays as it was). A constant
#   positive forget-gate bias is the advice of Gers, Schmidhuber and Cummins
#   (2000), and Jozefowicz, Zaremba and Sutskever (2015) recommend 1; it is
#   not chrono initialisation (Tallec and Ollivier, 2018), which draws each
#   forget bias as $\log u$ with $u$ uniform in $[1, T_{\max} - 1]$;
# - **after training** from the opened gates: Adam (learning rate 0.01),
#   clipping at norm 1, batches of 32, as in lesson 5.
#
# The gradients are computed in float64, on a float64 copy of each model: in
# float32 a product of many small factors falls below float32's smallest
# number (about 1e-45) and becomes exactly 0 (and a saturated unit's
# $1 - h^2$ is 0 once $\tanh$ rounds to 1). A sequence whose norm is still 0 is
# left out of the averages and counted, never replaced by a floor.

# %%
from torch import nn

from labhelpers.data.batches import TensorBatches
from labhelpers.data.long_range import make_long_range_dataset, one_hot
from labhelpers.lessons.gated_cells import gradient_norms_by_lag, open_gates
from labhelpers.metrics import accuracy
from labhelpers.models import LastStepRNN
from labhelpers.training import fit, predict

print(inspect.getsource(gradient_norms_by_lag))
torch.set_num_threads(1)  # tiny networks: one thread is the fastest
N_KEYS, N_TOKENS, PREFIX = 4, 8, 10
d, H = settings.distance, settings.task_hidden_size
n_train, n_measure = settings.task_samples, settings.gradient_sequences
tokens, labels = make_long_range_dataset(
    n_train + n_measure,
    d,
    n_keys=N_KEYS,
    n_distractors=N_TOKENS - N_KEYS,
    shared_tokens=True,
    prefix=PREFIX,
    seed=settings.seed,
)
X = torch.from_numpy(one_hot(tokens, N_TOKENS, mark_position=PREFIX))
y = torch.from_numpy(labels)
T = X.shape[1]
X_train, y_train = X[:n_train], y[:n_train]
X_measure, y_measure = X[n_train:], y[n_train:]
print(
    f"X {tuple(X.shape)} (sequences, T, tokens + key flag); the key is "
    f"at step {PREFIX + 1}, lag {T - (PREFIX + 1)} from the last step"
)


def geometric_mean(norms):
    """Geometric mean over the sequences, one value per lag, of the norms
    that are above 0 (NaN where none is): nothing is floored."""
    norms = np.asarray(norms, dtype=float)
    positive = norms > 0
    logs = np.where(positive, np.log(np.where(positive, norms, 1.0)), 0.0)
    with np.errstate(invalid="ignore"):
        return np.exp(logs.sum(axis=0) / positive.sum(axis=0))


def measured_norms(model):
    """||dL/ds_(T-lag)|| (sequences, T + 1), computed in float64."""
    return gradient_norms_by_lag(
        model, X_measure, y_measure, dtype=torch.float64
    )


CELLS = {"rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
MOMENTS = {
    "PyTorch's initialisation": "init",
    "gates opened": "opened",
    "after training": "trained",
}  # moment -> its name in the metrics
gradients = {moment: {} for moment in MOMENTS}  # moment -> cell -> by lag
raw_norms = {moment: {} for moment in MOMENTS}  # moment -> cell -> per seq.
trained_accuracy, train_seconds = {}, 0.0
for cell, name in CELLS.items():
    seed_everything(settings.seed)
    model = LastStepRNN(N_TOKENS + 1, H, N_KEYS, cell=cell)
    raw_norms["PyTorch's initialisation"][name] = measured_norms(model)
    open_gates(model, settings.gate_bias)
    raw_norms["gates opened"][name] = measured_norms(model)
    print(f"{name}: ", end="")
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    history = fit(
        model,
        nn.CrossEntropyLoss(),
        optimizer,
        TensorBatches(X_train, y_train, batch_size=32, shuffle=True),
        epochs=settings.task_epochs,
        clip_grad_norm=1.0,
        log_every=settings.task_epochs,
    )
    train_seconds += sum(history["seconds"])
    raw_norms["after training"][name] = measured_norms(model)
    logits, targets = predict(
        model, TensorBatches(X_measure, y_measure, batch_size=512)
    )
    trained_accuracy[name] = accuracy(
        targets.numpy(), logits.argmax(dim=1).numpy()
    )
    print(
        f"    accuracy on the {n_measure} measured sequences "
        f"{trained_accuracy[name]:.2%}"
    )
for moment, by_cell in raw_norms.items():
    for name, norms in by_cell.items():
        gradients[moment][name] = geometric_mean(norms)
zero_norms = {
    (moment, name): int(np.sum(norms == 0))
    for moment, by_cell in raw_norms.items()
    for name, norms in by_cell.items()
}
print(
    f"gradient norms exactly 0 (underflow), in float64, among the "
    f"{n_measure} x {T + 1} of each model and moment: "
    f"{sum(zero_norms.values())} in all"
)

# %% [markdown]
# For the vanilla RNN, lesson 3 gives the same gradient another way:
# $\partial L / \partial h_k = (\partial h_T / \partial h_k)^\top\,
# \partial L / \partial h_T$, with the Jacobian product of
# `theory.jacobian_products_to`. A check, in float64, on the untrained RNN:

# %%
seed_everything(settings.seed)
rnn_model = LastStepRNN(N_TOKENS + 1, H, N_KEYS).double()
X64 = X_measure[:8].double()
by_autograd = gradient_norms_by_lag(rnn_model, X64, y_measure[:8])
layer = theory.weights_from_torch(rnn_model.rnn.state_dict())[0]
rnn_states, _ = theory.rnn_forward(X64.numpy(), [layer])
W_g = rnn_model.out.weight.detach().numpy()
logits = rnn_states[0, :, -1] @ W_g.T + rnn_model.out.bias.detach().numpy()
p = np.exp(logits - logits.max(axis=1, keepdims=True))
p /= p.sum(axis=1, keepdims=True)
dL_dh_T = (p - np.eye(N_KEYS)[y_measure[:8].numpy()]) @ W_g
products = theory.jacobian_products_to(rnn_states[0], layer.W_hh)
by_jacobians = np.linalg.norm(
    np.einsum("blij,bi->blj", products, dL_dh_T), axis=2
)
jacobian_gap = float(np.max(np.abs(by_autograd - by_jacobians)))
print(
    f"autograd against lesson 3's Jacobian products: largest "
    f"difference {rounding_level(jacobian_gap)}"
)
assert jacobian_gap < settings.tolerance

# %% [markdown]
# ## Observation
#
# ### The frameworks

# %%
import pandas as pd

table = pd.DataFrame(comparisons)
table["below tolerance"] = table["max_abs_difference"] < settings.tolerance
table["max_abs_difference"] = table["max_abs_difference"].map(rounding_level)
table

# %%
worst = max(row["max_abs_difference"] for row in comparisons)
print(
    f"{len(comparisons)} comparisons, "
    f"largest difference {rounding_level(worst)} "
    f"(float64 machine epsilon {np.finfo(np.float64).eps:.1e}); "
    f"the two GRU conventions differ by up to {convention_gap:.3f}"
)

# %% [markdown]
# ### The gradient against the lag, beside lesson 5's picture
#
# Left: lesson 5's measurement, recomputed here at this lesson's hidden size
# and length: $\lVert \partial h_T / \partial h_{T-\mathrm{lag}} \rVert_2$ of a
# vanilla RNN whose $W_{hh}$ is an orthogonal matrix scaled to
# $\sigma_{\max}$ (solid) and the bound $\sigma_{\max}^{\,\mathrm{lag}}$ (dashed).
# The other panels: $\lVert \partial L / \partial s_{T-\mathrm{lag}} \rVert$ of the
# three cells on the task, geometric mean over the measured sequences. The
# grey line marks the key's lag.

# %%
import matplotlib.pyplot as plt

from labhelpers.lessons.gated_cells import plot_gradients_beside_lesson_4

SCALES = [0.5, 0.9, 1.0, 1.1, 1.5]
Q = theory.random_orthogonal(H, seed=settings.seed)
W_in4 = theory.init_rnn_weights(4, H, seed=settings.seed)[0].W_in
inputs4 = np.random.default_rng(settings.seed).normal(size=(16, T, 4)) * 0.5
lesson4_norms, lesson4_bounds = {}, {}
for scale in SCALES:
    W_hh = theory.scale_to_spectral_norm(Q, scale)
    states4, _ = theory.rnn_forward(
        inputs4, [theory.RNNLayerWeights(W_in4, W_hh, np.zeros(H))]
    )
    label = rf"$\sigma_{{\max}}$ = {scale:g}"
    lesson4_norms[label] = geometric_mean(
        theory.jacobian_norms_by_lag(states4[0], W_hh)
    )
    lesson4_bounds[label] = theory.norm_bound_by_lag(W_hh, T)

plot_gradients_beside_lesson_4(
    lesson4_norms, lesson4_bounds, gradients, seq_len=T, hidden=H, distance=d
)
plt.show()

# %% [markdown]
# How much of the gradient reaches the key: for each sequence the norm at lag
# `distance` divided by the norm at lag 0 (1 would mean nothing lost on the
# way back), then the mean of its $\log_{10}$ over the measured sequences, with
# its standard error (±, in powers of ten); the share shown is $10$ to that
# mean, the geometric mean of the sequences' shares.

# %%
from labhelpers.lessons.gated_cells import compared_with_rnn, share_at_lag

reach_measured, left_out = {}, {}
for moment in MOMENTS:
    reach_measured[moment] = {}
    for name in CELLS.values():
        reach_measured[moment][name], left_out[moment, name] = share_at_lag(
            raw_norms[moment][name], d
        )
reach = {
    moment: {name: 10.0**figure.value for name, figure in row.items()}
    for moment, row in reach_measured.items()
}
reach_table = pd.DataFrame(
    {
        (moment, column): {
            name: (
                f"{10.0**figure.value:.2e}"
                if column == "share"
                else f"{figure.se:.2f}"
            )
            for name, figure in row.items()
        }
        for moment, row in reach_measured.items()
        for column in ("share", "± (log10)")
    }
)
reach_table.index.name = f"norm at lag {d} / norm at lag 0"
reach_table

# %%
print(
    f"sequences left out because a norm at lag {d} or 0 was exactly 0: "
    f"{sum(left_out.values())} of {n_measure} per model and moment, "
    "in all"
)
findings = []
for moment in MOMENTS:
    shares = ", ".join(
        f"{name} {value:.2e}" for name, value in reach[moment].items()
    )
    words = "; ".join(
        compared_with_rnn(
            name,
            reach_measured[moment][name],
            reach_measured[moment]["vanilla RNN"],
        )
        for name in ("LSTM", "GRU")
    )
    findings.append(
        f"{moment}: share of the lag-0 gradient left at lag "
        f"{d}: {shares} ({words})"
    )
print("\n".join(findings))

# %% [markdown]
# ## Result

# %%
from IPython.display import Markdown, display

from labhelpers import noise
from labhelpers.report import answers, report_result

worst_by = {}
for row in comparisons:
    name = row["framework"]
    worst_by[name] = max(worst_by.get(name, 0.0), row["max_abs_difference"])
sentence = (
    "The NumPy LSTM and GRU reproduced "
    + ", ".join(
        f"{name} to within {rounding_level(value)}"
        for name, value in worst_by.items()
    )
    + f" (1 and 2 layers, float64, tolerance {settings.tolerance:g}). "
)
sentence += (
    f"On the long-range task (key {d} steps back, hidden {H}), the share "
    f"of the last step's gradient that reached the key's state was "
    + "; ".join(
        f"{moment}: "
        + ", ".join(
            f"{name} {value:.2e}" for name, value in reach[moment].items()
        )
        for moment in MOMENTS
    )
    + f" (gradients in float64, geometric means over {n_measure} "
    f"sequences; {sum(left_out.values())} left out because a norm "
    f"underflowed to 0). After {settings.task_epochs} epochs the "
    f"accuracy on {n_measure} held-out sequences was "
    + ", ".join(
        f"{name} {noise.binomial(value, n_measure).show()}"
        for name, value in trained_accuracy.items()
    )
    + f" (chance 25%, ± the binomial standard error; "
    f"{train_seconds:.1f} s of training in all)."
)
key = {"vanilla RNN": "rnn", "LSTM": "lstm", "GRU": "gru"}
report_result(
    sentence,
    settings,
    title="Gated cells from scratch",
    data=f"random float64 inputs and the generated long-range task "
    f"(seed {settings.seed})",
    metrics={
        "max_abs_difference": worst,
        **{
            f"gradient_share_at_key_{key[name]}_{MOMENTS[moment]}": value
            for moment in MOMENTS
            for name, value in reach[moment].items()
        },
        **{
            f"gradient_share_at_key_se_log10_{key[name]}_"
            f"{MOMENTS[moment]}": figure.se
            for moment in MOMENTS
            for name, figure in reach_measured[moment].items()
        },
        "gradient_sequences_left_out": sum(left_out.values()),
        **{
            f"accuracy_{key[name]}": value
            for name, value in trained_accuracy.items()
        },
        "train_seconds": train_seconds,
    },
    model=(
        f"NumPy LSTM and GRU (input {I_cmp}, hidden {H_cmp}) against "
        f"torch{' and Keras' if keras_available else ''}; RNN, LSTM and "
        f"GRU (hidden {H}) on the long-range task, d = {d}"
    ),
    headline="max_abs_difference",
)


# %% [markdown]
# ## Questions
#
# 1. Write the LSTM's equations for $c_t$ and $h_t$. Which gate decides what
#    the cell forgets, and which values of the gates leave $c_t = c_{t-1}$?
# 2. Why does the GRU keep two bias vectors, $b_{in}$ and $b_{hh}$, when for
#    the LSTM and the vanilla RNN only their sum matters?
# 3. How many trainable parameters have one LSTM layer and one GRU layer
#    with this run's input and hidden sizes, in PyTorch and in Keras? Where
#    does the difference come from?
# 4. What is the difference between Keras's `GRU(reset_after=True)` and
#    `GRU(reset_after=False)`, and which one does PyTorch compute? How far
#    apart were their states, for the same weights, in this run?
# 5. Our states and PyTorch's are not exactly equal. Why not, and what size
#    of difference shows that the same function is computed?
# 6. What does `open_gates` change in an LSTM and in a GRU? Why is the
#    vanilla RNN's curve the same in the first two panels of the gradient
#    figure?
# 7. In this run, what share of the gradient at lag 0 reached the key's state
#    in each cell, at PyTorch's initialisation and with the gates opened?
#    What does that say about training a gated cell from PyTorch's defaults
#    on a long-range task?
# 8. Why is the LSTM's state measured as $(h_k, c_k)$ and not as $h_k$ alone?
# 9. What does the forget gate's bias do at initialisation? PyTorch starts it
#    small and random like every other weight; Keras's `LSTM` starts it at 1
#    (`unit_forget_bias=True`, its default). What is $f_t$ for a zero input
#    and state in each case, and how much of $c_k$ is left after `distance`
#    steps at that value?
# 10. Why does an LSTM have two states, $c_t$ and $h_t$, when the GRU has one?
#     What can the output gate do that one state would not allow?
# 11. What does the GRU's update gate interpolate between? What do $z_t = 1$
#     and $z_t = 0$ do, and which two gates of the LSTM does it stand for?
# 12. Why do the two GRU conventions give different states with the same
#     weights (question 4)? When is $r_t \odot (W^{n}_{hh} h_{t-1})$ equal to
#     $W^{n}_{hh} (r_t \odot h_{t-1})$?
# 13. Why are the gates sigmoids and the candidates ($\tilde c_t$, $n_t$)
#     tanh?
# 14. How many parameters has a vanilla `nn.RNN` layer with this run's input
#     and hidden sizes? Why are PyTorch's LSTM and GRU exactly four and three
#     times as large?
# 15. In the LSTM's figure, which path takes $c_{t-1}$ to $c_t$, and what
#     multiplies a gradient passed back along it? What multiplies it along
#     the vanilla RNN's path from $h_{t-1}$ to $h_t$?
# 16. What does a reset gate near 0 do to the GRU's candidate, and what does
#     that let the cell do?
#
# **Try this**
#
# - Set `gate_bias=0`: the opened gates' biases are then exactly 0, close to
#   PyTorch's small random ones. Does training still get the LSTM and the GRU
#   to solve the task? Compare the accuracies and the third panel.
# - Set `distance=100` (and `task_epochs=30`): how does the vanilla RNN's
#   share at the key change with the distance? Compare its slope with the
#   $\sigma_{\max}$ lines of lesson 5's panel.
# - Set `tolerance=1e-17`: which comparison fails first, and why is that not
#   a bug in either implementation?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$ and
#    $h_t = o_t \odot \tanh(c_t)$. The forget gate $f_t$ decides what is
#    kept of $c_{t-1}$; $f_t = 1$ and $i_t = 0$ leave the cell state as it was,
#    whatever the input.
# 2. In the GRU's candidate, $b^{n}_{hh}$ is added to $W^{n}_{hh} h_{t-1}$ and
#    then multiplied by the reset gate $r_t$, so it is scaled by $r_t$ and
#    cannot be moved into $b^{n}_{in}$. Every other bias (all of the LSTM's
#    and the RNN's, and the GRU's reset and update gates) is added before the
#    nonlinearity next to the other bias, where only the sum acts.
# 3. The counts are below, counted from the layers themselves. PyTorch keeps
#    two bias vectors per gate in both cells; Keras keeps one for the LSTM,
#    and two for the GRU only with `reset_after=True`.
# 4. With `reset_after=True` (PyTorch's, and Keras's default) the reset gate
#    multiplies $W^{n}_{hh} h_{t-1} + b^{n}_{hh}$; with `reset_after=False` it
#    multiplies $h_{t-1}$ before the product: $W^{n}_{hh}(r_t \odot h_{t-1})$.
#    The measured gap is below.
# 5. The frameworks add and multiply in a different order (one product for
#    all gates, fused kernels), and each floating-point operation rounds.
#    Differences of a few float64 machine epsilons (about 2.2e-16) mean the
#    same function; a wrong gate order or a missing bias gives differences of
#    the order of the states themselves. This run's largest is below.
# 6. It sets the LSTM's forget gate bias to `gate_bias` and its input gate
#    bias to minus it, and the GRU's update gate bias to `gate_bias`, so that
#    the gates start near keeping the state. The vanilla RNN has no gate:
#    `open_gates` leaves it as it was, so its gradient is the same.
# 7. The shares measured in this run are below. PyTorch draws every bias
#    uniformly in $\pm 1/\sqrt{\text{hidden}}$, so every gate starts near
#    $\sigma(0) = 0.5$, and a factor of 0.5 per step along the memory path is
#    itself a vanishing product ($0.5^{50} \approx 10^{-15}$).
#    Compare the first two moments below: how much of the gated cells' lead
#    over the RNN comes from where their gates start? The first "try this"
#    trains from PyTorch's values.
# 8. The LSTM passes two vectors to the next step, $h_k$ and $c_k$, and the
#    gradient of the later loss reaches step $k$ through both. The path
#    through $c$ is the one multiplied by the forget gate; measuring $h_k$
#    alone would miss it.
# 9. It sets how much of the cell state each step keeps before training has
#    taught the gate anything: for a zero input and state
#    $f_t = \sigma(b^{f})$. PyTorch draws `bias_ih` and `bias_hh` uniformly in
#    $\pm 1/\sqrt{\text{hidden}}$, so $f_t$ starts near $\sigma(0) = 0.5$ and a
#    step keeps about half of $c_{t-1}$ (and passes back about half of its
#    gradient); Keras's $b^{f} = 1$ gives $\sigma(1) \approx 0.73$, which
#    Jozefowicz, Zaremba and Sutskever (2015) recommend. A product of such
#    factors over many steps is what separates the two; this run's fresh
#    layers give the numbers below.
# 10. $c_t$ is the memory: along the top of the figure it changes only by the
#     gated product and sum, never through a weight matrix or a squashing
#     function. $h_t = o_t \odot \tanh(c_t)$ is what the cell shows: the
#     gates, the next layer and the output read it. With $o_t$ near 0 the cell
#     hides what it keeps without erasing it; with one state, everything kept
#     would be shown and pass through $W_{hh}$ at every step. The GRU lets
#     $z_t$ decide what is kept, and shows all of it.
# 11. Unit by unit, between the candidate $n_t$ and the old state $h_{t-1}$:
#     $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$. $z_t = 1$ copies
#     $h_{t-1}$ whatever the input; $z_t = 0$ replaces it with $n_t$. It does
#     the work of the LSTM's forget gate ($z_t$ in place of $f_t$) and input
#     gate ($1 - z_t$ in place of $i_t$), tied so that they sum to 1.
# 12. The reset gate scales units one by one; $W^{n}_{hh}$ mixes them. After
#     the product, row $j$ of $W^{n}_{hh} h_{t-1}$ is scaled by $r_{t,j}$, the
#     reset of the unit being computed; before it, each unit $k$ of $h_{t-1}$
#     is scaled by $r_{t,k}$ before the mixing. The two agree when every unit
#     has the same reset value (or when $W^{n}_{hh}$ is diagonal); the run's
#     check of a reset gate equal for every unit is below.
# 13. A gate's value is a share: of the old cell state to keep, of the
#     candidate to write, of the memory to show. The sigmoid's values lie in
#     $(0, 1)$, near 0 (shut) or 1 (open) when its argument is large. A
#     candidate is a value to write, negative or positive: $\tanh$, in
#     $(-1, 1)$ and centred on 0 like the vanilla RNN's state.
# 14. The counts are below. Each of the LSTM's four blocks ($i$, $f$, $c$,
#     $o$) and of the GRU's three ($r$, $z$, $n$) is the affine map of a
#     vanilla RNN layer, with its own $W_{in}$, $W_{hh}$ and two biases in
#     PyTorch.
# 15. The top line: one product with $f_t$ and one sum. Along it
#     $\partial c_t / \partial c_{t-1}$ contains $\mathrm{diag}(f_t)$, with no
#     weight matrix and no $\tanh$ derivative, so a forget gate near 1 passes
#     the gradient back nearly whole. The vanilla RNN's only path multiplies
#     it by $\mathrm{diag}(1 - h_t^2)\, W_{hh}$ at every step (lesson 5). The
#     gradient panels above measure how much reaches the key in each cell.
# 16. With $r_t$ near 0 the candidate's recurrent term vanishes
#     ($r_t \odot (W^{n}_{hh} h_{t-1} + b^{n}_{hh})$, or
#     $W^{n}_{hh} (r_t \odot h_{t-1})$), so $n_t$ is computed from $x_t$ alone:
#     the cell can write a value that does not depend on what it held, and
#     with $z_t$ near 0 start afresh.
#
# Try this: look at the accuracies after training, the third panel and the
# table of shares; the answers are the run's own numbers.
#
# </details>

# %%
torch.manual_seed(settings.seed)
lstm_1 = torch.nn.LSTM(I_cmp, H_cmp, batch_first=True)
gru_1 = torch.nn.GRU(I_cmp, H_cmp, batch_first=True)
counts = {
    "PyTorch LSTM": sum(p.numel() for p in lstm_1.parameters()),
    "PyTorch GRU": sum(p.numel() for p in gru_1.parameters()),
}
rnn_1 = torch.nn.RNN(I_cmp, H_cmp, batch_first=True)
rnn_count = sum(p.numel() for p in rnn_1.parameters())
assert counts["PyTorch LSTM"] == 4 * rnn_count
assert counts["PyTorch GRU"] == 3 * rnn_count
# The forget gate at initialisation: rows hidden..2 hidden are f's.
b_f = (lstm_1.bias_ih_l0 + lstm_1.bias_hh_l0)[H_cmp : 2 * H_cmp].detach()
f_torch = torch.sigmoid(b_f.double()).numpy()
KERAS_FORGET_BIAS = 1.0  # what unit_forget_bias=True adds to Keras's 0
f_keras = 1 / (1 + np.exp(-KERAS_FORGET_BIAS))
if keras_available:
    for name, layer in (
        ("Keras LSTM", keras.layers.LSTM(H_cmp)),
        (
            "Keras GRU(reset_after=True)",
            keras.layers.GRU(H_cmp, reset_after=True),
        ),
        (
            "Keras GRU(reset_after=False)",
            keras.layers.GRU(H_cmp, reset_after=False),
        ),
    ):
        layer.build((None, T_cmp, I_cmp))
        counts[name] = layer.count_params()
        if name == "Keras LSTM":  # Keras's forget biases, as built
            keras_b_f = layer.get_weights()[2][H_cmp : 2 * H_cmp]
            assert np.all(keras_b_f == KERAS_FORGET_BIAS)
# Question 12: a reset gate with the same value for every unit (its weights
# and bias 0, so r_t = 0.5) makes the two conventions the same function.
W_in_u, W_hh_u = after.W_in.copy(), after.W_hh.copy()
b_u = after.b_in.copy()
W_in_u[:H_cmp], W_hh_u[:H_cmp], b_u[:H_cmp] = 0.0, 0.0, 0.0
uniform_states = [
    theory.gru_forward(
        x,
        [
            theory.GRULayerWeights(
                W_in_u, W_hh_u, b_u, np.zeros_like(b_u), reset_after=flag
            )
        ],
    )[0]
    for flag in (True, False)
]
uniform_gap = float(np.max(np.abs(uniform_states[0] - uniform_states[1])))
init = "PyTorch's initialisation"
rnn_init = reach[init]["vanilla RNN"]
rnn_opened = reach["gates opened"]["vanilla RNN"]
run_answers = [
    f"Question 3: Input {I_cmp}, hidden {H_cmp}: "
    + ", ".join(f"{name} {count:,}" for name, count in counts.items())
    + f". The weights alone are 4 x {H_cmp} x ({I_cmp} + {H_cmp}) = "
    f"{4 * H_cmp * (I_cmp + H_cmp):,} for the LSTM and 3 x {H_cmp} x "
    f"({I_cmp} + {H_cmp}) = {3 * H_cmp * (I_cmp + H_cmp):,} for the GRU; "
    "the rest are biases.",
    f"Question 4: Largest difference between the two conventions' states: "
    f"{convention_gap:.3f}.",
    f"Question 5: Largest difference in the {len(comparisons)} "
    f"comparisons: {rounding_level(worst)}.",
    f"Question 6: The vanilla RNN's share at the key: {rnn_init:.2e} "
    f"before and {rnn_opened:.2e} after `open_gates` "
    f"({'equal' if rnn_init == rnn_opened else 'not equal'}).",
    "Question 7: "
    + "; ".join(findings)
    + ". "
    + " ".join(
        noise.effect(
            f"Opening the {name}'s gates",
            reach_measured[init][name],
            reach_measured["gates opened"][name],
            f"log10 share at the key (a factor of "
            f"{reach['gates opened'][name] / reach[init][name]:.3g})",
            percent=False,
        )
        for name in ("LSTM", "GRU")
    ),
    f"Question 9: A fresh `nn.LSTM` (hidden {H_cmp}): forget-gate biases "
    f"(`bias_ih` + `bias_hh`) from {b_f.min():.3f} to {b_f.max():.3f}, so "
    f"$f_t$ from {f_torch.min():.3f} to {f_torch.max():.3f} for a zero "
    f"input and state (mean {f_torch.mean():.3f}); Keras's bias "
    f"{KERAS_FORGET_BIAS:g} gives {f_keras:.3f}. Over {d} such steps (the "
    f"task's distance) what is left of $c_k$, and of the gradient passed "
    f"back along the cell state, is scaled by $f_t^{{{d}}}$: "
    f"{np.mean(f_torch**d):.1e} (PyTorch, mean over the units) or "
    f"{f_keras**d:.1e} (Keras).",
    f"Question 12: Same weights, a reset gate that is 0.5 for every unit: "
    f"the two conventions' states differ by {rounding_level(uniform_gap)}; "
    f"with the reset gate of the weights, by {convention_gap:.3f} "
    "(question 4).",
    f"Question 14: `nn.RNN` (input {I_cmp}, hidden {H_cmp}): "
    f"{rnn_count:,} = {H_cmp} x ({I_cmp} + {H_cmp}) + 2 x {H_cmp}; "
    f"LSTM {counts['PyTorch LSTM']:,} = 4 x {rnn_count:,}, "
    f"GRU {counts['PyTorch GRU']:,} = 3 x {rnn_count:,}.",
]
display(Markdown(answers(run_answers)))

# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
