# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 2: the RNN cell from scratch
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/02_rnn_cell.ipynb)
#
# Theory T1 of the lab catalogue: the hidden-state update and the output, as the
# lab records write them by hand.

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

# %% [markdown]
# ## Aim
#
# Write the vanilla RNN cell and its forward pass in NumPy, from the equations,
# and show that it computes exactly what `torch.nn.RNN` and Keras `SimpleRNN`
# compute when they hold the same weights.
#
# ## Objectives
#
# - read the equations $h_t = \tanh(W_{hh} h_{t-1} + W_{in} x_t + b)$ and
#   $g_t = W_g h_t$, and the shape of every symbol;
# - draw the network unrolled in time and see that every step shares the same weights;
# - run one step and a whole sequence, one layer and two, batch first;
# - copy the weights out of PyTorch and Keras (which store them differently) and
#   measure the largest difference between their hidden states and ours.
#
# ## Parameters
#
# Pick a profile with `profile`. A parameter left at `None` takes its
# profile's value (lab, quick or smoke, all in
# `labhelpers/lesson_settings.toml`); set it to override. The cell after the
# parameters shows the values used. With papermill:
# `papermill 02_rnn_cell.ipynb out.ipynb -p profile lab -p hidden_size 64`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab".
batch_size = None  # type: int, at least 1  Sequences in the batch (the first dimension of x).
seq_len = None  # type: int, at least 1  Time steps T per sequence.
input_size = None  # type: int, at least 1  Features per time step (the size of x_t).
hidden_size = None  # type: int, at least 1  Size of the hidden state h_t.
output_size = None  # type: int, at least 1  Size of the output g_t (the rows of W_g).
tolerance = None  # type: float, above 0  Largest absolute difference allowed between our float64 hidden states and a framework's (the catalogue's example, 1e-6, would also pass a bias off by 1e-8).
compare_keras = None  # type: bool  Also compare with Keras SimpleRNN (imports TensorFlow: a few seconds).
seed = None  # type: int, at least 0  Seed of the inputs and of the frameworks' weights.

# %%
settings = notebook_settings()

# %% [markdown]
# ## Algorithm
#
# A vanilla RNN reads a sequence $x_1, \dots, x_T$ one step at a time. It keeps a
# hidden state $h_t$, updated from the previous state and the current input, and
# reads an output $g_t$ from it:
#
# $$h_t = \tanh(W_{hh}\, h_{t-1} + W_{in}\, x_t + b), \qquad h_0 = 0, \qquad g_t = W_g\, h_t.$$
#
# (The records also write $y_t = W_y h_t + b_y$ for the output, and one writes a
# generic activation $\sigma$ for $\tanh$.) The same $W_{in}$, $W_{hh}$, $b$ and
# $W_g$ serve every step: the network is one cell applied $T$ times.
#
# | symbol | shape | meaning |
# | --- | --- | --- |
# | $x_t$ | (input,) | the input at step $t$ |
# | $h_t$ | (hidden,) | the hidden state after step $t$ |
# | $W_{in}$ | (hidden, input) | input weights |
# | $W_{hh}$ | (hidden, hidden) | recurrent weights |
# | $b$ | (hidden,) | bias |
# | $W_g$ | (output, hidden) | output weights |
# | $g_t$ | (output,) | the output at step $t$ |
#
# The book's [notation page](https://github.com/rnn-lab-book/rnn-lab-book/blob/main/book/theory.md)
# gives their names in PyTorch and Keras. In code, a batch of sequences is an array of shape (batch, T, input)
# (batch first), vectors sit in rows, and $W h$ becomes `h @ W.T`. With several
# layers ($N_L$ of them), layer $\ell$ reads the states of layer $\ell - 1$ as
# its input.
#
# ```text
# for each layer l = 1..N_L:                # input of layer 1: x; of layer l: the states of layer l-1
#     h = h0[l]                             # zeros unless given
#     for t = 1..T:
#         h = tanh(h @ W_hh[l].T + input[:, t] @ W_in[l].T + b[l])
#         states[l][:, t] = h
# g = states[N_L] @ W_g.T                 # the top layer's states; L is the loss (lesson 3)
# ```

# %% [markdown]
# ## Program
#
# ### The network unrolled in time

# %%
import matplotlib.pyplot as plt

from labhelpers.plots import plot_unrolled_rnn

plot_unrolled_rnn(steps=4)
plt.show()

# %% [markdown]
# ### One step and a whole sequence, in NumPy
#
# The cell and the forward pass are `labhelpers.theory.rnn_cell_forward` and
# `rnn_forward`; their source:

# %%
import inspect

from labhelpers import theory

print(inspect.getsource(theory.rnn_cell_forward))
print(inspect.getsource(theory.rnn_forward))

# %% [markdown]
# One step by hand, on random inputs, with weights drawn the way `torch.nn.RNN`
# draws them (uniform in $\pm 1/\sqrt{\text{hidden}}$):

# %%
import numpy as np

from labhelpers.base.runtime import seed_everything

seed_everything(settings.seed)
rng = np.random.default_rng(settings.seed)
# float64
x = rng.normal(
    size=(settings.batch_size, settings.seq_len, settings.input_size)
)
(layer,) = theory.init_rnn_weights(
    settings.input_size, settings.hidden_size, seed=settings.seed
)
h0 = np.zeros((settings.batch_size, settings.hidden_size))
h1 = theory.rnn_cell_forward(x[:, 0], h0, layer.W_in, layer.W_hh, layer.b)
print(
    f"x {x.shape} (batch, T, input); W_in {layer.W_in.shape}, "
    f"W_hh {layer.W_hh.shape}, b {layer.b.shape}"
)
print(
    f"h_1 = tanh(W_hh h_0 + W_in x_1 + b): shape {h1.shape} (batch, hidden), "
    f"values in [{h1.min():.4f}, {h1.max():.4f}]"
)
states, h_n = theory.rnn_forward(x, [layer])
print(
    f"all states: {states.shape} (layers, batch, "
    f"T, hidden); last states h_n: {h_n.shape}"
)
print(
    "the first step of the sequence is the step "
    f"above: {np.array_equal(states[0, :, 0], h1)}"
)

# %% [markdown]
# ### The same weights in `torch.nn.RNN`
#
# PyTorch keeps `weight_ih_l{k}` $= W_{in}$ and `weight_hh_l{k}` $= W_{hh}$ in the
# book's orientation, and two biases, `bias_ih_l{k}` and `bias_hh_l{k}`, whose
# sum is our $b$. `labhelpers.theory.weights_from_torch` reads them from the
# module's `state_dict()`. We compare every hidden state, in float64, for one
# layer and for two: torch's `output` holds the top layer's states at every
# step, `h_n` every layer's last state.

# %%
import torch

from labhelpers.report import rounding_level

comparisons = []  # one row per check, for the Observation table


def compare(
    framework, layers, ours, theirs, what, dtype="float64", check=True
):
    """Print, record and (with check) assert the
    largest absolute difference of two arrays."""
    difference = float(np.max(np.abs(ours - theirs)))
    comparisons.append(
        dict(
            framework=framework,
            layers=layers,
            compared=what,
            dtype=dtype,
            max_abs_difference=difference,
            asserted=check,
        )
    )
    if dtype == "float32":
        shown = f"{difference:.1e}"
    else:
        shown = rounding_level(difference)
    print(
        f"{framework}, {layers} layer(s), {what}, {dtype}: "
        f"largest absolute difference {shown}"
    )
    if check:
        assert difference < settings.tolerance, (
            f"{framework} differs by {difference} (> {settings.tolerance})"
        )


torch_rnns = {}
for num_layers in (1, 2):
    torch.manual_seed(settings.seed)
    rnn = torch.nn.RNN(
        settings.input_size,
        settings.hidden_size,
        num_layers=num_layers,
        batch_first=True,
    ).double()
    torch_rnns[num_layers] = rnn
    with torch.no_grad():
        output, torch_h_n = rnn(torch.from_numpy(x))
    ours, ours_h_n = theory.rnn_forward(
        x, theory.weights_from_torch(rnn.state_dict())
    )
    compare(
        "torch nn.RNN",
        num_layers,
        ours[-1],
        output.numpy(),
        "top layer, every step",
    )
    compare(
        "torch nn.RNN",
        num_layers,
        ours_h_n,
        torch_h_n.numpy(),
        "every layer, last step (h_n)",
    )

# %% [markdown]
# torch returns only the top layer at every step. The lower layer of the
# two-layer network is checked too: it is a one-layer RNN with the lower
# weights.

# %%
two_layers = torch_rnns[2]
lower = torch.nn.RNN(
    settings.input_size, settings.hidden_size, batch_first=True
).double()
with torch.no_grad():
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(lower, f"{name}_l0").copy_(getattr(two_layers, f"{name}_l0"))
    lower_output, _ = lower(torch.from_numpy(x))
ours, _ = theory.rnn_forward(
    x, theory.weights_from_torch(two_layers.state_dict())
)
compare(
    "torch nn.RNN", 2, ours[0], lower_output.numpy(), "lower layer, every step"
)

# %% [markdown]
# Why float64? The same one-layer network run by torch in float32 (single
# precision, what training normally uses) against our float64 states; then a
# deliberate mistake, every entry of our bias $b$ off by `planted_error`, compared
# with torch in both precisions: which comparison can tell it from rounding?

# %%
import copy

# the same weights, rounded to float32
single = copy.deepcopy(torch_rnns[1]).float()
with torch.no_grad():
    output32, _ = single(torch.from_numpy(x.astype(np.float32)))
    output64, _ = torch_rnns[1](torch.from_numpy(x))
right_weights = theory.weights_from_torch(torch_rnns[1].state_dict())
ours, _ = theory.rnn_forward(x, right_weights)
compare(
    "torch nn.RNN",
    1,
    ours[-1],
    output32.numpy().astype(np.float64),
    "top layer, every step",
    dtype="float32",
    check=False,
)
difference32 = comparisons[-1]["max_abs_difference"]
difference64 = float(np.max(np.abs(ours[-1] - output64.numpy())))
CATALOGUE_TOLERANCE = 1e-6  # the lab catalogue's example bound
print(
    f"float32 below the catalogue's {CATALOGUE_TOLERANCE:g}: "
    f"{difference32 < CATALOGUE_TOLERANCE}; below this run's tolerance "
    f"{settings.tolerance:g}: {difference32 < settings.tolerance}"
)

planted_error = 1e-8
wrong_weights = [
    theory.RNNLayerWeights(layer.W_in, layer.W_hh, layer.b + planted_error)
    for layer in right_weights
]
wrong, _ = theory.rnn_forward(x, wrong_weights)
# the planted mistake through the same check, recorded but not asserted
compare(
    "torch nn.RNN",
    1,
    wrong[-1],
    output64.numpy(),
    f"top layer, our b off by {planted_error:g}",
    check=False,
)
wrong64 = comparisons[-1]["max_abs_difference"]
wrong32 = float(
    np.max(np.abs(wrong[-1] - output32.numpy().astype(np.float64)))
)
print(
    f"b off by {planted_error:g}: against torch in float64 the "
    f"difference is {wrong64:.1e} ({rounding_level(difference64)} "
    f"without the mistake); in float32 {wrong32:.1e} "
    f"({difference32:.1e} without)"
)

# %%
from IPython.display import Markdown, display

from labhelpers.lessons.rnn_cell import tolerance_reading

display(
    Markdown(
        tolerance_reading(
            tolerance=settings.tolerance,
            catalogue=CATALOGUE_TOLERANCE,
            planted_error=planted_error,
            rounding64=difference64,
            planted64=wrong64,
            rounding32=difference32,
            planted32=wrong32,
        )
        + " That is why the checks run in float64, with a tolerance "
        "between float64's rounding and the mistakes they must catch."
    )
)

# %% [markdown]
# ### The output $g_t = W_g h_t$
#
# A `torch.nn.Linear(hidden, output, bias=False)` applied to every state is
# $g_t = W_g h_t$ with `weight` $= W_g$:

# %%
from labhelpers.theory import rnn_output

torch.manual_seed(settings.seed)
readout = torch.nn.Linear(
    settings.hidden_size, settings.output_size, bias=False
).double()
rnn = torch_rnns[1]
with torch.no_grad():
    torch_g = readout(rnn(torch.from_numpy(x))[0]).numpy()
ours, _ = theory.rnn_forward(x, theory.weights_from_torch(rnn.state_dict()))
g = rnn_output(ours[-1], readout.weight.detach().numpy())
print(f"g: {g.shape} (batch, T, output)")
compare("torch nn.Linear", 1, g, torch_g, "output g_t, every step")

# %% [markdown]
# ### The same weights in Keras `SimpleRNN`
#
# Keras multiplies row vectors, $x_t^\top K$, so it stores the transposes:
# `kernel` (input, hidden) $= W_{in}^\top$ and `recurrent_kernel` (hidden,
# hidden) $= W_{hh}^\top$, with one `bias` $= b$. We build the layers in float64
# (`dtype="float64"`), give the bias random values (its default is zeros,
# which would test nothing), and stack two layers with `return_sequences=True`.

# %%
keras_available = False
if settings.compare_keras:
    try:
        from labhelpers.base.runtime import import_keras

        keras = import_keras()  # without TensorFlow's start-up lines on stderr
        keras_available = True
    except ImportError:
        print(
            "Keras (TensorFlow) is not installed "
            "here: skipping the Keras comparison. "
            "Install it with: pip install 'labhelpers[keras]'"
        )
if keras_available:
    seed_everything(
        settings.seed
    )  # seeds TensorFlow too, now that it is imported
    for num_layers in (1, 2):
        layers = [
            keras.layers.SimpleRNN(
                settings.hidden_size,
                return_sequences=True,
                dtype="float64",
                bias_initializer=keras.initializers.RandomUniform(
                    -0.5, 0.5, seed=settings.seed + n
                ),
            )
            for n in range(num_layers)
        ]
        model = keras.Sequential(
            [
                keras.Input(
                    (settings.seq_len, settings.input_size),
                    dtype="float64",
                ),
                *layers,
            ]
        )
        keras_states = np.asarray(model(x))
        kernel, recurrent_kernel, bias = layers[0].get_weights()
        if num_layers == 1:
            print(
                f"Keras kernel {kernel.shape}, recurrent_kernel "
                f"{recurrent_kernel.shape}, bias {bias.shape}"
            )
        ours, _ = theory.rnn_forward(
            x,
            theory.weights_from_keras(
                [layer.get_weights() for layer in layers]
            ),
        )
        compare(
            "Keras SimpleRNN",
            num_layers,
            ours[-1],
            keras_states,
            "top layer, every step",
        )

# %% [markdown]
# ## Observation
#
# Every comparison; the float32 row and the planted mistake's row are shown,
# not asserted ("below tolerance" says whether they would pass):

# %%
import pandas as pd

table = pd.DataFrame(comparisons)
table["below tolerance"] = table["max_abs_difference"] < settings.tolerance
table["max_abs_difference"] = [
    rounding_level(value) if dtype == "float64" else f"{value:.1e}"
    for value, dtype in zip(table["max_abs_difference"], table["dtype"])
]
table

# %%
checked = [row["max_abs_difference"] for row in comparisons if row["asserted"]]
single_row = [
    row["max_abs_difference"]
    for row in comparisons
    if row["dtype"] == "float32"
]
print(
    f"float64: {len(checked)} comparisons, "
    f"largest difference {rounding_level(max(checked))} "
    f"(float64 machine epsilon {np.finfo(np.float64).eps:.1e})"
)
print(
    f"float32: largest difference {single_row[0]:.1e} "
    f"(float32 machine epsilon {np.finfo(np.float32).eps:.1e})"
)

# %%
eps64 = np.finfo(np.float64).eps
display(
    Markdown(
        f"In float64 the {len(checked)} differences stayed "
        f"{rounding_level(max(checked))}, within "
        f"{max(max(checked), 1e-14) / eps64:.0f} "
        "float64 machine epsilons: the frameworks compute the same function "
        "with the operations in a different order, not a different "
        "function. Their exact digits change with the CPU's vector kernels, "
        "so they are printed as a bound; the recorded results keep the "
        f"exact values. In float32 the difference was {single_row[0]:.1e}, "
        f"{single_row[0] / np.finfo(np.float32).eps:.1f} float32 machine "
        "epsilons: the rounding of single precision."
    )
)

# %% [markdown]
# ## Result

# %%
from labhelpers.report import report_result

worst = {
    name: max(
        row["max_abs_difference"]
        for row in comparisons
        if row["framework"] == name and row["asserted"]
    )
    for name in dict.fromkeys(row["framework"] for row in comparisons)
}
shape = (
    f"{settings.batch_size} sequences of {settings.seq_len} "
    f"steps, input {settings.input_size}, "
    f"hidden {settings.hidden_size}"
)
sentence = (
    "The NumPy RNN reproduced every hidden state "
    "of `torch.nn.RNN` (1 and 2 layers) to within "
    f"{rounding_level(worst['torch nn.RNN'])}"
)
if "Keras SimpleRNN" in worst:
    sentence += (
        " and of Keras `SimpleRNN` (1 and 2 layers) to within "
        f"{rounding_level(worst['Keras SimpleRNN'])}"
    )
sentence += (
    ", and the output $g_t = W_g h_t$ to within "
    f"{rounding_level(worst['torch nn.Linear'])}, in float64 on {shape} "
    f"(tolerance {settings.tolerance:g})."
)
report_result(
    sentence,
    settings,
    title="T1 RNN cell from scratch",
    data=f"random float64 inputs (seed {settings.seed}): {shape}",
    metrics={
        {
            "torch nn.RNN": "max_abs_difference_torch_rnn",
            "torch nn.Linear": "max_abs_difference_output",
            "Keras SimpleRNN": "max_abs_difference_keras",
        }[name]: value
        for name, value in worst.items()
    },
    model=f"NumPy RNN cell (hidden {settings.hidden_size}, 1 and 2 "
    "layers) against torch nn.RNN",
    headline="max_abs_difference_torch_rnn",
)


# %% [markdown]
# ## Questions
#
# 1. Write the hidden-state update and the output of a vanilla RNN, and give the
#    shape of $W_{in}$, $W_{hh}$, $b$ and $W_g$ for this run's sizes.
# 2. Every step uses the same $W_{in}$, $W_{hh}$ and $b$. What does that mean
#    for the number of parameters when the sequences get longer?
# 3. How many parameters does one `torch.nn.RNN` layer have, and how many does
#    our NumPy layer have, for this run's sizes? Why do they differ?
# 4. Why are Keras's `kernel` and `recurrent_kernel` the transposes of
#    $W_{in}$ and $W_{hh}$?
# 5. In a two-layer RNN, what does the second layer read as its input? What do
#    torch's `output` and `h_n` hold?
# 6. Why does the lesson give the Keras layers a random bias instead of the
#    default?
# 7. float32's difference passes the catalogue's bound of $10^{-6}$. Why then
#    do the checks run in float64, against a tolerance far below $10^{-6}$?
#
# Beyond this run:
#
# 8. Why does the vanilla RNN squash its state with $\tanh$ rather than a
#    ReLU? What can happen to $h_t$ over many steps with a ReLU when
#    $W_{hh}$ has an eigenvalue above 1, and what does $\tanh$ rule out?
# 9. Remove the $\tanh$ (the identity instead). Write $h_T$ as a sum over
#    the inputs $x_t$. What kind of function of the sequence is it, and does
#    stacking a second such layer change that?
# 10. Why does the hidden state start at $h_0 = 0$? Name two other choices
#     and what each would let the network do.
# 11. The batch is computed in one matrix product per step, but the $T$ steps
#     run one after the other. Why can they not run in parallel like the
#     batch? Which part of the update could be computed for every step at
#     once, before the loop?
# 12. `nn.RNN` without `batch_first=True` expects (T, batch, input). What
#     happens if a (batch, T, input) array is passed to such a layer? Would
#     an error tell you?
# 13. `nn.RNN` draws every weight uniformly in
#     $\pm 1/\sqrt{\text{hidden}}$. Why does the range shrink as the
#     layer widens? Consider the variance of one entry of $W_{hh} h$.
# 14. How many parameters does this run's two-layer `nn.RNN` have? Why is
#     the second layer's input matrix (hidden, hidden) and not
#     (hidden, input)?
#
# **Try this**
#
# - `-p seq_len 500`: does the float32 difference grow with the length of the
#   sequence? Does the float64 one leave its bound?
# - `-p hidden_size 256 -p input_size 64`: the same question for wider layers.
# - `-p tolerance 1e-6` (the catalogue's bound): which rows of the Observation
#   table pass it now, the planted mistake's included? And with
#   `-p tolerance 1e-15`, do the float64 checks still pass?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. $h_t = \tanh(W_{hh} h_{t-1} + W_{in} x_t + b)$, $h_0 = 0$, $g_t = W_g h_t$;
#    $W_{in}$ is (hidden, input), $W_{hh}$ (hidden, hidden), $b$ (hidden,),
#    $W_g$ (output, hidden). This run's shapes are printed by the one-step cell
#    and in the next cell's answers.
# 2. Nothing: the parameters do not depend on $T$. The network is one cell
#    applied $T$ times, so it can read sequences of any length.
# 3. See the next cell: torch keeps two bias vectors, `bias_ih` and `bias_hh`,
#    where we keep their sum $b$; only the sum changes $h_t$, so one of them
#    is redundant.
# 4. Keras multiplies row vectors by its kernels, $x_t^\top K$; this book and
#    PyTorch multiply column vectors, $W x_t$. $x_t^\top K = (K^\top x_t)^\top$,
#    so $K = W^\top$.
# 5. The hidden states of the first layer, one per step. `output` holds the
#    top layer's state at every step, `h_n` every layer's state at the last
#    step.
# 6. Keras's default bias is zero, so a comparison with zero biases would
#    not notice a mistake in how the bias is read or added.
# 7. A check is useful when every right implementation passes it and a wrong
#    one fails it. In float64 rounding leaves differences many orders of
#    magnitude below a small mistake such as the planted bias error, so a
#    tolerance between the two separates them; a bound of $10^{-6}$ passes
#    the planted mistake too. In float32 the rounding of one operation
#    (machine epsilon $1.2 \cdot 10^{-7}$) is already larger than the planted
#    error. The run's figures are in the next cell's answers and in the
#    Observation table.
# 8. $\tanh$ keeps every entry of $h_t$ in $(-1, 1)$ whatever the weights, so
#    the state cannot grow without bound over many steps; it is also centred
#    on 0, so a unit can carry a sign. A ReLU is unbounded above: with
#    $W_{hh} = 1.1\, I$, for instance, a positive state is multiplied by 1.1
#    at every step and grows geometrically with $t$. ReLU RNNs can be trained
#    with care (Le, Jaitly and Hinton, 2015, start $W_{hh}$ at the identity),
#    but the bound of $\tanh$ is what makes the plain cell safe to run for
#    long sequences. Its derivative $1 - h^2$ is at most 1, which lesson 5
#    meets again as a vanishing factor.
# 9. $h_T = \sum_{t=1}^{T} W_{hh}^{\,T-t} (W_{in} x_t + b)$ (with $h_0 = 0$):
#    a linear function of the inputs, a fixed filter that weighs $x_t$ by
#    the matrix power $W_{hh}^{T-t}$. A second linear layer applied to those
#    states is again linear in the inputs; without the nonlinearity, depth
#    and recurrence add no kind of function a single linear map of the
#    whole sequence could not compute.
# 10. Zero means the network knows nothing before the first input, and every
#     sequence starts alike. A learnt $h_0$ (one more parameter vector of size
#     hidden, trained like the others) lets it start from a useful state; a
#     state carried over from the previous batch lets one long text be read
#     in pieces (truncated backpropagation, lessons 3 and 12), with the
#     gradient cut at the boundary.
# 11. $h_t$ needs $h_{t-1}$: the steps form a chain of $T$ dependent matrix
#     products, while the sequences of a batch do not depend on one another,
#     so they are rows of one product. The input part $W_{in} x_t + b$ does
#     not depend on the state and can be computed for all $T$ steps in one
#     product before the loop; only $W_{hh} h_{t-1}$ must wait.
# 12. The layer reads the first axis as time: it treats the batch's
#     sequences as the steps of `seq_len` parallel sequences. No error is
#     raised: the last axis is the features in both layouts, so every shape
#     fits, and the model silently carries a state from one example to the
#     next. Only the meaning of the axes tells the two apart, which is why
#     the book writes `batch_first=True` everywhere.
# 13. An entry of $W_{hh} h$ sums hidden products $w_j h_j$. With $w_j$
#     uniform in $\pm a$ (variance $a^2/3$) and independent of $h$, the sum
#     has variance $\text{hidden} \cdot \tfrac{a^2}{3} \overline{h^2}$;
#     $a = 1/\sqrt{\text{hidden}}$ makes it $\overline{h^2}/3$, the same for
#     every width, so wider layers do not push the $\tanh$ into saturation.
# 14. Layer 2 reads the states of layer 1, vectors of size hidden, so its
#     $W_{in}$ is (hidden, hidden); it adds hidden $\times$ hidden for
#     $W_{in}$ and $W_{hh}$ each, and two bias vectors. The run's count is in
#     the next cell.
#
# </details>

# %%
from labhelpers.report import answers

hidden, inputs = settings.hidden_size, settings.input_size
torch_parameters = sum(p.numel() for p in torch_rnns[1].parameters())
ours_parameters = (
    sum(array.size for array in (right_weights[0].W_in, right_weights[0].W_hh))
    + right_weights[0].b.size
)
caught = "fails" if wrong64 >= settings.tolerance else "passes"
catalogue_caught = "fails" if wrong64 >= CATALOGUE_TOLERANCE else "passes"
display(
    Markdown(
        answers(
            [
                f"Question 1: $W_{{in}}$ {right_weights[0].W_in.shape}, "
                f"$W_{{hh}}$ {right_weights[0].W_hh.shape}, $b$ "
                f"{right_weights[0].b.shape}, $W_g$ "
                f"{tuple(readout.weight.shape)}.",
                f"Question 3: `nn.RNN` {torch_parameters} parameters "
                f"({hidden}x{inputs} + {hidden}x{hidden} + 2x{hidden}); ours "
                f"{ours_parameters} ({hidden}x{inputs} + {hidden}x{hidden} + "
                f"{hidden}).",
                f"Question 7: float32 differed by {difference32:.1e}; a bias "
                f"off by {planted_error:g} moved it to {wrong32:.1e}, while "
                "in float64 it moved the difference from "
                f"{rounding_level(difference64)} to {wrong64:.1e}, which "
                f"{caught} this run's tolerance of {settings.tolerance:g} and "
                f"{catalogue_caught} the catalogue's "
                f"{CATALOGUE_TOLERANCE:g}.",
                "Question 14: the two-layer `nn.RNN` has "
                f"{sum(p.numel() for p in torch_rnns[2].parameters())} "
                f"parameters: {torch_parameters} in layer 1, "
                f"{hidden}x{hidden} + {hidden}x{hidden} + 2x{hidden} = "
                f"{2 * hidden * hidden + 2 * hidden} in layer 2.",
            ]
        )
    )
)


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
