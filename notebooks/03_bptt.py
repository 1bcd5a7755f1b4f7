# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 3: backpropagation through time
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/03_bptt.ipynb)
#
# Theory T2 of the lab catalogue: the gradient of an RNN's loss with respect to
# its recurrent weights, written out as the records derive it by hand.

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
# Compute the gradient of an RNN's loss with respect to $W_{hh}$ by hand, from
# the chain rule through time, check every piece against PyTorch's autograd,
# and see how much each earlier step contributes to it.
#
# ## Objectives
#
# - write the one-step Jacobian $\partial h_i / \partial h_{i-1}$ and the product
#   of Jacobians that carries a gradient from step $t$ back to step $k$;
# - assemble $\partial L / \partial W_{hh}$ as the sum over earlier steps and
#   match autograd to a relative difference below $10^{-8}$ (float64);
# - plot the norm of $\partial h_t / \partial h_k$ against the lag $t - k$;
# - see what truncated BPTT keeps and what it throws away.
#
# ## Parameters
#
# `papermill 03_bptt.ipynb out.ipynb -p profile lab -p seq_len 200`.

# %% tags=["parameters"]
profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab" (longer sequences).
batch_size = None  # type: int, at least 1  Sequences in the batch.
seq_len = None  # type: int, at least 1  Time steps T per sequence.
input_size = None  # type: int, at least 1  Features per time step (the size of x_t).
hidden_size = None  # type: int, at least 1  Size of the hidden state h_t.
output_size = None  # type: int, at least 1  Size of the output g_t, compared with a random target y_t at every step.
truncate = None  # type: int, at least 1  Steps kept by the truncated-BPTT example (the gradient of step t reaches back to t - truncate + 1).
seed = 0  # type: int, at least 0  Seed of the inputs, the targets and the weights.

# %%
from labhelpers.profiles import notebook_settings

# fmt: off
PROFILES = {
    "smoke": dict(batch_size=2,  seq_len=8,   input_size=3, hidden_size=4,
                  output_size=2, truncate=3),
    "quick": dict(batch_size=8,  seq_len=40,  input_size=4, hidden_size=16,
                  output_size=2, truncate=10),
    "lab":   dict(batch_size=32, seq_len=100, input_size=4, hidden_size=32,
                  output_size=2, truncate=20),
}
# fmt: on
# Checks the parameters, then fills in the profile's values.
settings = notebook_settings(PROFILES)
if settings["truncate"] > settings["seq_len"]:
    raise ValueError(
        f"truncate ({settings['truncate']}) must be "
        f"at most seq_len ({settings['seq_len']})"
    )
settings

# %% [markdown]
# ## Algorithm
#
# The network of lesson 2, $h_t = \tanh(a_t)$ with $a_t = W_{hh} h_{t-1} + W_{in} x_t + b$,
# reads an output $g_t = W_g h_t$ at every step, and the loss adds up one term
# per step: $L = \sum_{t=1}^{T} L^{(t)}$, here $L^{(t)} = \tfrac12 \lVert g_t - y_t \rVert^2$.
#
# **One step back.** Since $h_i = \tanh(W_{hh} h_{i-1} + \dots)$ and
# $\tanh' = 1 - \tanh^2$,
#
# $$\frac{\partial h_i}{\partial h_{i-1}} = \mathrm{diag}(1 - h_i^2)\, W_{hh}.$$
#
# **Many steps back.** By the chain rule the gradient from step $t$ reaches step
# $k \le t$ through every step in between:
#
# $$\frac{\partial h_t}{\partial h_k} = \prod_{i=k+1}^{t} \frac{\partial h_i}{\partial h_{i-1}}
#   = \frac{\partial h_t}{\partial h_{t-1}} \cdots \frac{\partial h_{k+1}}{\partial h_k}$$
#
# (the latest step on the left; the identity when $k = t$).
#
# **The gradient.** $W_{hh}$ is used at every step. Its use at step $k$ changes
# $h_k$ by $\partial h_k / \partial W_{hh}$ (holding $h_{k-1}$ fixed), entry
# $[a, c]$ being $(1 - h_{k,a}^2)\, h_{k-1,c}$; the loss at step $t \ge k$ feels
# that change through $\partial h_t / \partial h_k$. Summing over both:
#
# $$\frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \sum_{k=1}^{t}
#   \Big[\Big(\frac{\partial h_t}{\partial h_k}\Big)^{\!\top} \frac{\partial L^{(t)}}{\partial h_t}
#   \odot (1 - h_k^2)\Big]\, h_{k-1}^{\top},
#   \qquad \frac{\partial L^{(t)}}{\partial h_t} = W_g^\top (g_t - y_t).$$
#
# ```text
# forward: h_1..h_T (lesson 2); dL_dh[t] = W_g^T (g_t - y_t)
# grad = 0
# for t = 1..T:
#     P = I                                    # dh_t/dh_t
#     for k = t, t-1, ..., 1:
#         delta = P^T dL_dh[t]                 # dL^(t)/dh_k
#         grad += outer(delta * (1 - h_k^2), h_{k-1})
#         P = P @ diag(1 - h_k^2) W_hh         # dh_t/dh_{k-1}
# ```
#
# Autograd computes the same sum in one backward sweep, $O(T)$ instead of
# $O(T^2)$ products, by passing back a single vector; the double sum is the form
# that shows where each term comes from.

# %% [markdown]
# ## Program
#
# ### A network, a sequence, a loss
#
# A `torch.nn.RNN` in float64 provides the weights and, through autograd, the
# reference gradients; `labhelpers.theory` does the same from scratch in NumPy.

# %%
import numpy as np
import torch

from labhelpers import theory
from labhelpers.report import rounding_level
from labhelpers.runtime import seed_everything

seed_everything(seed)
B, T, H = settings["batch_size"], settings["seq_len"], settings["hidden_size"]
rng = np.random.default_rng(seed)
x = rng.normal(size=(B, T, settings["input_size"]))
targets = rng.normal(size=(B, T, settings["output_size"]))
W_g = rng.normal(size=(settings["output_size"], H)) / np.sqrt(H)
rnn = torch.nn.RNN(settings["input_size"], H, batch_first=True).double()
(layer,) = theory.weights_from_torch(rnn.state_dict())
W_hh = layer.W_hh
h0 = np.zeros((B, H))

states, _ = theory.rnn_forward(x, [layer])
states = states[0]  # (batch, T, hidden): h_1..h_T of the one layer
loss, dL_dh = theory.squared_error_loss(states, W_g, targets)
print(
    f"x {x.shape}, states {states.shape}, W_hh {W_hh.shape}, "
    f"||W_hh||_2 = {theory.spectral_norm(W_hh):.4f}"
)
print(
    "L = sum_t 0.5 ||W_g h_t - y_t||^2 = "
    f"{loss:.6f} (summed over {B} sequences)"
)

# %% [markdown]
# The independent check: the same recurrence written with torch operations, step
# by step, keeping every $h_t$ in autograd's graph so that we can ask for
# derivatives with respect to any of them.

# %%
def torch_states(rnn, x):
    """h_0..h_T as a list of tensors in one autograd
    graph (h_0 a leaf that needs gradients)."""
    h = torch.zeros(
        x.shape[0], rnn.hidden_size, dtype=torch.float64, requires_grad=True
    )
    hs = [h]
    for t in range(x.shape[1]):
        h = torch.tanh(
            h @ rnn.weight_hh_l0.T
            + x[:, t] @ rnn.weight_ih_l0.T
            + rnn.bias_ih_l0
            + rnn.bias_hh_l0
        )
        hs.append(h)
    return hs


hs = torch_states(rnn, torch.from_numpy(x))
torch_loss = (
    0.5
    * (
        (
            torch.stack(hs[1:], dim=1) @ torch.from_numpy(W_g).T
            - torch.from_numpy(targets)
        )
        ** 2
    ).sum()
)
state_difference = max(
    float(np.abs(states[:, t] - hs[t + 1].detach().numpy()).max())
    for t in range(T)
)
print(
    f"the same loss from torch: {torch_loss.item():.6f}; "
    f"largest state difference {rounding_level(state_difference)}"
)

# %% [markdown]
# ### The one-step Jacobian $\partial h_i/\partial h_{i-1} = \mathrm{diag}(1 - h_i^2) W_{hh}$

# %%
import inspect

print(inspect.getsource(theory.step_jacobians))

# %% [markdown]
# Autograd gives row $j$ of $\partial h_t / \partial h_k$, for every $k$ at once,
# as the gradient of $h_{t,j}$ with respect to $h_0, \dots, h_t$. The sequences of
# the batch do not interact, so summing $h_{t,j}$ over the batch keeps them
# apart. Below: every step's one-step Jacobian, then every product that ends at
# $t = T$.

# %%
def autograd_products(hs, t):
    """dh_t/dh_k for k = 0..t by autograd: array
    (batch, t + 1, hidden, hidden), entry [:, k]."""
    hidden = hs[t].shape[1]
    rows = [
        torch.autograd.grad(
            hs[t][:, j].sum(),
            hs[: t + 1],
            retain_graph=True,
            allow_unused=True,
        )
        for j in range(hidden)
    ]
    products = np.zeros((hs[t].shape[0], t + 1, hidden, hidden))
    for j, row in enumerate(rows):
        for k, grad in enumerate(row):
            if grad is not None:
                products[:, k, j, :] = grad.numpy()
    return products


def autograd_step(hs, i):
    """dh_i/dh_{i-1} by autograd: (batch, hidden, hidden)."""
    rows = [
        torch.autograd.grad(hs[i][:, j].sum(), hs[i - 1], retain_graph=True)[0]
        for j in range(hs[i].shape[1])
    ]
    return torch.stack(rows, dim=1).numpy()


# (batch, T, H, H); [:, i-1] is dh_i/dh_{i-1}
jacobians = theory.step_jacobians(states, W_hh)
one_step_difference = max(
    float(np.abs(jacobians[:, i - 1] - autograd_step(hs, i)).max())
    for i in range(1, T + 1)
)
print(
    f"one-step Jacobians {jacobians.shape}: largest "
    f"difference from autograd over all {T} steps "
    f"{rounding_level(one_step_difference)}"
)

# (batch, T + 1, H, H); [:, lag] is dh_T/dh_{T-lag}
products = theory.jacobian_products_to(states, W_hh)
# reorder autograd's k = 0..T as lag = T..0
reference = autograd_products(hs, T)[:, ::-1]
product_difference = float(np.abs(products - reference).max())
product_relative = float(
    np.max(
        np.abs(products - reference).max(axis=(-2, -1))
        / np.abs(reference).max(axis=(-2, -1))
    )
)
print(
    f"products dh_T/dh_k for k = 0..{T}: largest "
    f"absolute difference {rounding_level(product_difference)}, "
    f"largest relative difference {rounding_level(product_relative)}"
)
assert product_relative < 1e-8

# %% [markdown]
# ### $\partial L / \partial W_{hh}$ as the sum over earlier steps
#
# `bptt_grad_W_hh` adds up the terms that `bptt_grad_W_hh_by_lag` computes, one
# group per lag $m = t - k$ (the grouping is used further down):

# %%
print(inspect.getsource(theory.bptt_grad_W_hh_by_lag))

# %%
# (T, H, H): the terms of lag m = t - k
terms = theory.bptt_grad_W_hh_by_lag(states, h0, dL_dh, W_hh)
grad = theory.bptt_grad_W_hh(states, h0, dL_dh, W_hh)
print(
    f"dL/dW_hh: {grad.shape}, the sum of "
    f"{T * (T + 1) // 2 * B} terms (t, k, sequence); "
    f"grouped by lag: {terms.shape}"
)

rnn.zero_grad()
output, _ = rnn(torch.from_numpy(x))
(
    0.5
    * (
        (output @ torch.from_numpy(W_g).T - torch.from_numpy(targets)) ** 2
    ).sum()
).backward()
autograd_grad = rnn.weight_hh_l0.grad.numpy()
grad_relative = float(
    np.abs(grad - autograd_grad).max() / np.abs(autograd_grad).max()
)
grad_difference = np.abs(grad - autograd_grad).max()
print(
    "against nn.RNN's autograd: largest absolute "
    f"difference {rounding_level(grad_difference)}, "
    f"relative difference {rounding_level(grad_relative)}"
)
assert grad_relative < 1e-8, grad_relative

# %% [markdown]
# ## Observation
#
# ### How the gradient factor shrinks with the lag
#
# The spectral norm $\lVert \partial h_T / \partial h_k \rVert_2$ is the most
# that the gradient arriving at $h_T$ can be stretched on its way back to $h_k$.
# Each factor has norm at most $\lVert W_{hh} \rVert_2$ (since $|1 - h^2| \le 1$),
# so the product is at most $\lVert W_{hh} \rVert_2^{\,T-k}$: the dashed bound.

# %%
import matplotlib.pyplot as plt

from labhelpers.plots import plot_norms_by_lag

# (batch, T + 1), by lag
norms = np.linalg.norm(products, ord=2, axis=(-2, -1))
mean_norms = np.exp(
    np.log(np.maximum(norms, np.finfo(float).tiny)).mean(axis=0)
)
label = f"this network (geometric mean over {B} sequences)"
plot_norms_by_lag(
    {
        label: mean_norms,
        "smallest sequence": norms.min(axis=0),
        "largest sequence": norms.max(axis=0),
    },
    {label: theory.norm_bound_by_lag(W_hh, T)},
    title=r"$\|\partial h_T/\partial h_k\|_2$ against the lag $T-k$ "
    rf"(T = {T}, $\|W_{{hh}}\|_2$ = {theory.spectral_norm(W_hh):.2f})",
)
plt.show()

# %%
for lag in sorted({1, min(5, T), min(10, T), T}):
    print(
        f"lag {lag:3d}: ||dh_T/dh_(T-{lag})||_2 = "
        f"{mean_norms[lag]:.2e} (geometric mean), "
        f"bound ||W_hh||_2^{lag} = "
        f"{theory.norm_bound_by_lag(W_hh, lag)[-1]:.2e}"
    )
per_step = mean_norms[T] ** (1 / T)
print(f"average shrink factor per step: {per_step:.3f}")

# %% [markdown]
# ### Which earlier steps the gradient comes from, and truncated BPTT
#
# Grouping the terms of $\partial L / \partial W_{hh}$ by their lag shows where the
# gradient comes from. **Truncated BPTT** with $n$ steps keeps only the terms of
# lag $m < n$: each loss sends its gradient back at most $n - 1$ steps. In
# PyTorch this is `h = h.detach()` every $n$ steps, or in the form checked below,
# a loss at step $t$ that starts from a detached $h_{t-n}$. (The terms of the
# largest lag, $T - 1$, are zero here: they end at $k = 1$ and carry the factor
# $h_0^\top = 0$.)

# %%
# Frobenius norm of each lag's share
term_norms = np.linalg.norm(terms, axis=(1, 2))
truncations = sorted({1, 2, settings["truncate"], max(1, T // 2), T})
truncation_error = {
    n: float(
        np.linalg.norm(terms[:n].sum(axis=0) - grad) / np.linalg.norm(grad)
    )
    for n in truncations
}

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
left.semilogy(
    np.arange(T),
    np.where(term_norms > 0, term_norms, np.nan),
    marker="o",
    markersize=3,
)
left.set_xlabel("lag m = t - k (time steps)")
left.set_ylabel("Frobenius norm of the lag-m terms (log scale)")
left.set_title(r"Share of $\partial L/\partial W_{hh}$ from each lag")
left.grid(alpha=0.3)
n_values = np.arange(1, T + 1)
errors = [
    np.linalg.norm(terms[:n].sum(axis=0) - grad) / np.linalg.norm(grad)
    for n in n_values
]
right.semilogy(
    n_values,
    np.where(np.array(errors) > 0, errors, np.nan),
    marker="o",
    markersize=3,
    label="truncated BPTT",
)
right.axvline(
    settings["truncate"],
    color="grey",
    linestyle="--",
    label=f"n = {settings['truncate']} (the example)",
)
right.set_xlabel("steps kept, n")
right.set_ylabel("relative error of the gradient (log scale)")
right.set_title("Truncated BPTT against the full gradient")
right.grid(alpha=0.3)
right.legend()
fig.tight_layout()
plt.show()

# %%
import pandas as pd

pd.DataFrame(
    {
        "steps kept n": truncations,
        "relative error of dL/dW_hh": [
            f"{truncation_error[n]:.2e}" for n in truncations
        ],
    }
).set_index("steps kept n")

# %% [markdown]
# The truncated gradient is what autograd computes when the state is detached:
# for every step $t$, start from $h_{t-n}$ detached and run $n$ steps forward.

# %%
n = settings["truncate"]
rnn.zero_grad()
for t in range(1, T + 1):
    start = max(0, t - n)
    h_start = (
        torch.zeros(1, B, H, dtype=torch.float64)
        if start == 0
        else torch.from_numpy(states[:, start - 1])[None]
    )
    # h_start is a constant: no gradient flows past it
    out, _ = rnn(torch.from_numpy(x[:, start:t]), h_start)
    (
        0.5
        * (
            (
                out[:, -1] @ torch.from_numpy(W_g).T
                - torch.from_numpy(targets[:, t - 1])
            )
            ** 2
        ).sum()
    ).backward()
truncated_autograd = rnn.weight_hh_l0.grad.numpy()
truncated_relative = float(
    np.abs(terms[:n].sum(axis=0) - truncated_autograd).max()
    / np.abs(truncated_autograd).max()
)
print(
    f"truncated BPTT, n = {n}: ours against autograd "
    "with detached states, relative difference "
    f"{rounding_level(truncated_relative)}"
)
assert truncated_relative < 1e-8

# %% [markdown]
# **A note on truncated BPTT.** Backpropagating through a whole long sequence
# costs memory in proportion to its length (every $h_t$ is kept for the
# backward pass) and, as the plots show, the terms of large lag are small
# whenever the Jacobian products shrink. Truncated BPTT cuts the sequence into
# chunks of $n$ steps, carries the hidden state from one chunk to the next (the
# network still *sees* the whole past) but stops the gradient at the chunk
# boundary (it cannot *learn* dependencies longer than $n$ steps). The error
# table above measures what is lost for this network.
#
# Where the lessons use it: the character-level language model (lesson 10)
# trains on a long text in chunks, carrying the hidden state across batches
# and detaching it, which is truncated BPTT. The IMDB lessons do something
# different: they cut each review to 200 tokens, so the network never sees
# more than 200 steps, and backpropagate through all of them. The other
# lessons backpropagate through their whole (short) sequences.

# %% [markdown]
# ## Result

# %%
from IPython.display import Markdown, display

from labhelpers.report import record_results

display(
    Markdown(
        "The hand-written Jacobian products $\\partial "
        "h_T/\\partial h_k$ matched autograd to a relative "
        f"difference of {rounding_level(product_relative)}, and $\\partial "
        "L/\\partial W_{hh}$ assembled as the sum over earlier "
        "steps matched `nn.RNN`'s autograd to "
        f"{rounding_level(grad_relative)} "
        f"(float64, {B} sequences of {T} steps, hidden {H}). "
        "With `nn.RNN`'s initial weights ($\\lVert W_{hh} "
        f"\\rVert_2$ = {theory.spectral_norm(W_hh):.2f}) the gradient "
        f"factor shrank by {per_step:.3f} per step on "
        f"average, to {mean_norms[T]:.1e} after {T} steps; "
        f"truncating BPTT to {n} steps changed the "
        f"gradient by a relative {truncation_error[n]:.2e}."
    )
)
recorded = record_results(
    "T2 backpropagation through time",
    profile,
    data=f"random float64 sequences (seed {seed})",
    metrics={
        "jacobian_product_relative_difference": product_relative,
        "grad_W_hh_relative_difference": grad_relative,
        "norm_at_full_lag": mean_norms[T],
        "shrink_per_step": per_step,
        "truncated_relative_error": truncation_error[n],
    },
    settings=settings,
    model="hand-written BPTT against autograd",
    headline="grad_W_hh_relative_difference",
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
