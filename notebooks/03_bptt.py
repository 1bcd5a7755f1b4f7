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

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

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
# - tell apart the two kinds of truncated BPTT, a sliding window and detaching
#   the state every $n$ steps, and measure what each throws away;
# - measure what training on windows that start from a zero state (lesson 11)
#   changes besides: the state itself, and the computation per step.
#
# ## Parameters
#
# Pick a profile with `profile`. A parameter left at `None` takes its
# profile's value (lab, quick or smoke, all in
# `labhelpers/lesson_settings.toml`); set it to override. The cell after the
# parameters shows the values used. With papermill:
# `papermill 03_bptt.ipynb out.ipynb -p profile lab -p seq_len 200`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab".
batch_size = None  # type: int, at least 1  Sequences in the batch.
seq_len = None  # type: int, at least 1  Time steps T per sequence.
input_size = None  # type: int, at least 1  Features per time step (the size of x_t).
hidden_size = None  # type: int, at least 1  Size of the hidden state h_t.
output_size = None  # type: int, at least 1  Size of the output g_t, compared with a random target y_t at every step.
truncate = None  # type: int, at least 1  Steps n of the truncated-BPTT examples (a sliding window keeps lags below n; detaching every n steps keeps lags up to (t - 1) mod n).
seed = None  # type: int, at least 0  Seed of the inputs, the targets and the weights.

# %%
settings = notebook_settings()

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
from labhelpers.base.runtime import seed_everything
from labhelpers.report import rounding_level

seed_everything(settings.seed)
B, T, H = settings.batch_size, settings.seq_len, settings.hidden_size
rng = np.random.default_rng(settings.seed)
x = rng.normal(size=(B, T, settings.input_size))
targets = rng.normal(size=(B, T, settings.output_size))
W_g = rng.normal(size=(settings.output_size, H)) / np.sqrt(H)
rnn = torch.nn.RNN(settings.input_size, H, batch_first=True).double()
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
# ### Which earlier steps the gradient comes from
#
# Grouping the terms of $\partial L / \partial W_{hh}$ by their lag $m = t - k$
# shows where the gradient comes from. (The terms of the largest lag, $T - 1$,
# are zero here: they end at $k = 1$ and carry the factor $h_0^\top = 0$.)
#
# ### Two kinds of truncated BPTT
#
# **Truncated BPTT** with $n$ steps drops terms of long lag, but two different
# methods go by that name, and they keep different terms:
#
# - **a sliding window**: every loss sends its gradient back over the $n$ steps
#   before it, so the loss at step $t$ keeps every lag $m < n$. In PyTorch: the
#   loss at step $t$ is computed from $h_{t-n}$, detached, running $n$ steps
#   forward. Here $h_{t-n}$ is the true state, from a full forward pass, so
#   only the gradient is truncated. Every loss needs a run of its own: about
#   $n$ steps of computation per loss where one pass over the sequence needs
#   one. Training on windows, as lesson 11 does, starts each window from a zero
#   state instead: then the state itself cannot carry information older than
#   the window, not only the gradient (both measured below);
# - **detaching every $n$ steps** (what lesson 12 does, and what training code
#   usually means): the sequence is cut into chunks of $n$ steps, the hidden
#   state is carried from chunk to chunk but detached at every boundary
#   (`h = h.detach()`). The loss at step $t$ reaches back only to the first step
#   of its chunk: it keeps the lags $m \le (t - 1) \bmod n$. Only the last step
#   of a chunk keeps $n$ lags; the first keeps lag 0 alone.
#
# `truncated_bptt_lags` says which (step, lag) terms each kind keeps;
# `bptt_grad_W_hh_by_step_and_lag` gives every term, so each truncated gradient
# is the sum of the terms kept.

# %%
print(inspect.getsource(theory.truncated_bptt_lags))

# %%
import pandas as pd

n = settings.truncate
kept = {
    kind: theory.truncated_bptt_lags(T, n, kind)
    for kind in ("window", "detach")
}
KIND_NAMES = {
    "window": "sliding window",
    "detach": f"detach every {n} steps",
}


def lags_kept(row):
    """The lags a row of truncated_bptt_lags keeps, as text."""
    lags = np.flatnonzero(row)
    return f"{lags[0]}" if len(lags) == 1 else f"{lags[0]}..{lags[-1]}"


shown_steps = np.arange(1, min(T, 2 * n + 2) + 1)
pd.DataFrame(
    {
        KIND_NAMES[kind]: [lags_kept(mask[t - 1]) for t in shown_steps]
        for kind, mask in kept.items()
    },
    index=pd.Index(shown_steps, name="lags kept by the loss at step t"),
)

# %%
# (T, T, H, H): [t - 1, m] is the term of the loss at step t and lag m
terms_by_step = theory.bptt_grad_W_hh_by_step_and_lag(states, h0, dL_dh, W_hh)
assert np.allclose(terms_by_step.sum(axis=0), terms, rtol=1e-12, atol=1e-15)
print(
    f"terms by step and lag: {terms_by_step.shape}; of the "
    f"{T * (T + 1) // 2} (t, k) pairs, a sliding window of {n} steps "
    f"keeps {kept['window'].sum()}, detaching every {n} steps "
    f"{kept['detach'].sum()}"
)


# one row per (t, m), one column per entry of W_hh
flat_terms = terms_by_step.reshape(T * T, H * H)


def truncated_grad(n, kind):
    """The sum of the terms that truncation `kind` with n steps keeps."""
    mask = theory.truncated_bptt_lags(T, n, kind).astype(float)
    return (mask.reshape(1, T * T) @ flat_terms).reshape(H, H)


# the full gradient summed in the same way as the truncated ones (it
# matched autograd above as `grad`): n = T then gives exactly 0
full_grad = (np.ones((1, T * T)) @ flat_terms).reshape(H, H)


def relative_error(approximation):
    return float(
        np.linalg.norm(approximation - full_grad) / np.linalg.norm(full_grad)
    )


# %% [markdown]
# Each truncated gradient is what autograd computes when the state is detached
# in that way. The sliding window: for every step $t$, start from $h_{t-n}$
# detached and run $n$ steps forward. Detaching every $n$ steps: run the
# sequence chunk by chunk, carrying the state, with `h = h.detach()` between
# chunks, and one backward pass for the whole loss.

# %%
def step_loss(out, t):
    """0.5 ||W_g h_t - y_t||^2 summed over the batch (t counts from 1)."""
    return (
        0.5
        * (
            (
                out @ torch.from_numpy(W_g).T
                - torch.from_numpy(targets[:, t - 1])
            )
            ** 2
        ).sum()
    )


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
    step_loss(out[:, -1], t).backward()
window_autograd = rnn.weight_hh_l0.grad.numpy().copy()

rnn.zero_grad()
h, chunk_loss = None, 0.0
for start in range(0, T, n):
    out, h = rnn(torch.from_numpy(x[:, start : start + n]), h)
    for i in range(out.shape[1]):
        chunk_loss = chunk_loss + step_loss(out[:, i], start + i + 1)
    h = h.detach()  # the next chunk starts from a constant
chunk_loss.backward()
detach_autograd = rnn.weight_hh_l0.grad.numpy().copy()

autograd_truncated = {"window": window_autograd, "detach": detach_autograd}
for kind, reference in autograd_truncated.items():
    ours = truncated_grad(n, kind)
    difference = float(
        np.abs(ours - reference).max() / np.abs(reference).max()
    )
    print(
        f"{KIND_NAMES[kind]}: ours against autograd, "
        f"relative difference {rounding_level(difference)}"
    )
    assert difference < 1e-8, (kind, difference)

# %% [markdown]
# ### Windows that start from a zero state
#
# Lesson 11 trains on windows cut from a series, each read from $h = 0$: the
# same windows as the sliding window above, without the true $h_{t-n}$. The
# state at the end of a window then differs from the true $h_t$ wherever the
# steps before the window mattered, and so does the gradient. The cost in
# computation is counted in cell steps (one $\tanh$ update of a batch):

# %%
rnn.zero_grad()
zero_start = np.zeros((B, T, H))  # h_t as the window ending at t computes it
for t in range(1, T + 1):
    start = max(0, t - n)
    out, _ = rnn(torch.from_numpy(x[:, start:t]))  # h = 0 before the window
    zero_start[:, t - 1] = out[:, -1].detach().numpy()
    step_loss(out[:, -1], t).backward()
zero_window_grad = rnn.weight_hh_l0.grad.numpy().copy()
zero_window_error = relative_error(zero_window_grad)
# steps t <= n read their window from the sequence's own start, h_0 = 0,
# so only the steps t > n can differ
state_gap = np.abs(zero_start - states).max(axis=(0, 2))
later = state_gap[n:]
window_steps = sum(min(t, n) for t in range(1, T + 1))
cell_steps = {
    "whole sequence (full BPTT, or detach every n)": T,
    "sliding window from the true state": window_steps + T,
    "sliding window from a zero state": window_steps,
}
print(
    f"windows of {n} steps from a zero state: the largest difference "
    f"from the true state is {rounding_level(state_gap[:n].max())} for "
    f"t <= {n}"
    + (
        f" and {later.max():.2e} for t > {n} (mean over those steps "
        f"{later.mean():.2e})"
        if len(later)
        else ""
    )
)
true_window_error = relative_error(truncated_grad(n, "window"))
print(
    "their gradient differs from the full one by a relative "
    f"{zero_window_error:.2e}; the window from the true state's by "
    f"{true_window_error:.2e}"
)
pd.DataFrame({"forward cell steps per sequence": cell_steps}).rename_axis(
    f"T = {T}, n = {n}"
)

# %% [markdown]
# ### What each kind loses
#
# Both against the full gradient, for every $n$ from 1 to $T$:

# %%
from labhelpers.lessons.bptt import plot_truncation_errors

# Frobenius norm of each lag's share
term_norms = np.linalg.norm(terms, axis=(1, 2))
n_values = np.arange(1, T + 1)
errors = {
    kind: np.array([relative_error(truncated_grad(m, kind)) for m in n_values])
    for kind in ("window", "detach")
}

plot_truncation_errors(term_norms, errors, n)
plt.show()

# %%
truncations = sorted({1, 2, n, max(1, T // 2), T})
truncation_error = {
    kind: {m: float(errors[kind][m - 1]) for m in truncations}
    for kind in ("window", "detach")
}
pd.DataFrame(
    {
        "relative error, sliding window": [
            f"{truncation_error['window'][m]:.2e}" for m in truncations
        ],
        "relative error, detach every n": [
            f"{truncation_error['detach'][m]:.2e}" for m in truncations
        ],
    },
    index=pd.Index(truncations, name="steps n"),
)

# %%
from IPython.display import Markdown, display

window_error = truncation_error["window"][n]
detach_error = truncation_error["detach"][n]
if n < T:
    comparison = (
        "larger than" if detach_error > window_error else "no larger than"
    )
    print(
        f"n = {n}: detaching every {n} steps changes the gradient by "
        f"{detach_error:.2e}, {comparison} the {window_error:.2e} of "
        f"a sliding window (it keeps {kept['detach'].sum()} of the "
        f"{kept['window'].sum()} terms the window keeps)"
    )
display(
    Markdown(
        "**A note on truncated BPTT.** Backpropagating through a whole long "
        "sequence costs memory in proportion to its length (every $h_t$ is "
        "kept for the backward pass). Detaching the state every $n$ steps "
        "bounds that cost: the network still *sees* the whole past through "
        "the carried state, but the gradient of each loss reaches back at "
        "most $n - 1$ steps of lag: its longest term, from the last step of "
        "a chunk to the first, multiplies $n - 1$ one-step Jacobians and "
        "reaches the $n$ steps of the chunk (lesson 12 counts those steps, "
        "and says at most $T$ for chunks of $T$ characters). From most steps "
        "it reaches fewer, and no gradient term links a loss to an input "
        "more than $n - 1$ steps before it. For this network, with $n$ = "
        f"{n} of {T} steps, detaching every {n} steps changed "
        f"$\\partial L/\\partial W_{{hh}}$ by a relative {detach_error:.2e} "
        f"and a sliding window of {n} steps by {window_error:.2e}: the "
        "sliding window's error measures only the terms of lag $n$ or more, "
        "detaching also drops shorter lags at the start of every chunk."
    )
)

# %% [markdown]
# Where the lessons use it: the character-level language model (lesson 12)
# trains on a long text in chunks, carrying the hidden state across batches
# and detaching it: truncated BPTT of the second kind, detaching every chunk
# length. Lesson 11 cuts a series into windows and reads each from a zero
# state: the windows from a zero state measured above, whose state forgets
# everything before the window. The IMDB lessons cut each review to 200
# tokens, so the network never sees more than 200 steps, and backpropagate
# through all of them. The other lessons backpropagate through their whole
# (short) sequences.

# %% [markdown]
# ## Result

# %%
from labhelpers.report import report_result

sentence = (
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
    f"truncating BPTT to {n} steps changed the gradient by a "
    f"relative {detach_error:.2e} when detaching the state every {n} "
    f"steps (as lesson 12 trains) and by {window_error:.2e} with a "
    f"sliding window of {n} steps from the true state; windows of {n} "
    "steps that start from a zero state (as lesson 11 trains) changed "
    f"it by {zero_window_error:.2e}"
    + (
        f", and their last state differed from the true $h_t$ by up "
        f"to {later.max():.2e}."
        if len(later)
        else "."
    )
)
report_result(
    sentence,
    settings,
    title="T2 backpropagation through time",
    data=f"random float64 sequences (seed {settings.seed})",
    metrics={
        "jacobian_product_relative_difference": product_relative,
        "grad_W_hh_relative_difference": grad_relative,
        "norm_at_full_lag": mean_norms[T],
        "shrink_per_step": per_step,
        "detach_every_n_relative_error": detach_error,
        "sliding_window_relative_error": window_error,
        "zero_state_window_relative_error": zero_window_error,
    },
    model=f"hand-written BPTT of an RNN (hidden {H}) against autograd",
    headline="grad_W_hh_relative_difference",
)


# %% [markdown]
# ## Questions
#
# 1. Why is the one-step Jacobian $\partial h_i / \partial h_{i-1}$ equal to
#    $\mathrm{diag}(1 - h_i^2)\, W_{hh}$? Where does each factor come from?
# 2. $W_{hh}$ is one matrix. Why is $\partial L / \partial W_{hh}$ a double sum,
#    over the losses $t$ and over the earlier steps $k \le t$?
# 3. What bounds $\lVert \partial h_T / \partial h_k \rVert_2$, and how close to
#    that bound did this run's network come at the largest lag?
# 4. Why are the terms of lag $T - 1$ zero in this lesson?
# 5. Autograd gets the same gradient with $O(T)$ matrix products instead of
#    $O(T^2)$. What does it pass backwards, step by step, to do so?
# 6. For the loss at step $t$, which lags does a sliding window of $n$ steps
#    keep, and which does detaching the state every $n$ steps keep? How many
#    (t, k) terms did each keep in this run?
# 7. In this run, which of the two truncations changed the gradient more, and
#    why can detaching every $n$ steps never keep more terms than the window?
# 8. Why are the checks against autograd made in float64 and as *relative*
#    differences?
#
# Beyond this run:
#
# 9. Why does the memory of backpropagation through a whole sequence grow in
#    proportion to $T$? Which quantities of the forward pass does the
#    backward pass need at step $k$?
# 10. Detaching every $n$ steps bounds that memory. What does it trade for
#     it? Can a network trained so still use something it read more than $n$
#     steps ago, and can it *learn* to keep such a thing?
# 11. In a training loop that carries the state from one chunk to the next,
#     what happens at the second `loss.backward()` if the state is not
#     detached? And if `retain_graph=True` silences the error?
# 12. Detaching $h$ keeps its value and drops its gradient; starting each
#     window from $h = 0$ drops both. What can the network use from before
#     the window in each case?
# 13. Write $\partial L / \partial W_{in}$ and $\partial L / \partial b$ by
#     analogy with the double sum for $W_{hh}$. Which factor changes?
# 14. Real-time recurrent learning (Williams and Zipser, 1989) carries
#     $\partial h_t / \partial W_{hh}$ forwards while the network runs, so it
#     keeps no past states. What shape is that quantity, and what does
#     carrying it forwards ask for per step in memory and in computation?
#
# **Try this**
#
# - `-p truncate 1`: what do the two kinds of truncation keep now, and what do
#   their two errors in the table show?
# - `-p seq_len 100 -p truncate 20`: how do the per-step shrink factor and the
#   errors of the two truncations change with longer sequences?
# - `-p hidden_size 64`: `nn.RNN` draws $W_{hh}$ uniform in
#   $\pm 1/\sqrt{\text{hidden}}$; does its spectral norm, and so the shrink
#   factor per step, change with the hidden size?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. $h_i = \tanh(a_i)$ with $a_i = W_{hh} h_{i-1} + W_{in} x_i + b$. The chain
#    rule gives $\partial h_i / \partial a_i \cdot \partial a_i / \partial h_{i-1}$:
#    the first is diagonal with $\tanh'(a_i) = 1 - h_i^2$, the second is $W_{hh}$.
# 2. The same $W_{hh}$ is used at every step $k$, and the loss at step $t$
#    depends on every use at $k \le t$ through $h_k, \dots, h_t$; the gradient
#    adds up one term per (loss, use) pair.
# 3. $\lVert W_{hh} \rVert_2^{\,T-k}$, since $|1 - h^2| \le 1$ and the norm of a
#    product is at most the product of the norms. This run's figures are in the
#    next cell's answers.
# 4. The lag-$(T-1)$ terms end at $k = 1$, whose use of $W_{hh}$ multiplies
#    $h_0$; here $h_0 = 0$, so the factor $h_0^\top$ makes them zero.
# 5. One vector, $\partial L / \partial h_k$ (the gradient reaching $h_k$ from
#    every later loss), multiplied by one transposed Jacobian per step and
#    added to the next step's direct gradient: a vector-matrix product per
#    step instead of a matrix product per (t, k) pair.
# 6. The window keeps $m < n$ for every loss; detaching keeps
#    $m \le (t - 1) \bmod n$, the steps back to the start of $t$'s chunk. The
#    counts are in the next cell's answers and in the line printed above the
#    figure.
# 7. Detaching keeps, for each loss, a subset of the window's lags
#    ($(t - 1) \bmod n \le n - 1$). Which error is larger is measured below;
#    dropping more terms usually, but not necessarily, moves the gradient
#    further, since terms can cancel.
# 8. In float64 the rounding differences are about $10^{-16}$, so any real
#    mistake stands out by many orders of magnitude; relative differences,
#    because the size of the gradient depends on the data and the weights.
# 9. Each term at step $k$ needs $h_k$ (for $1 - h_k^2$) and $h_{k-1}$, and
#    the pass back through step $k$ needs them again: the forward pass must
#    keep every state (autograd keeps what each operation saved), a
#    (batch, hidden) array per step, so memory grows linearly with $T$.
#    Computation grows linearly too, but it is spread over time; the memory
#    is held all at once.
# 10. It keeps $n$ steps of states in memory and makes one update per chunk,
#     so a long text gives many updates; in exchange no gradient term links a
#     loss to anything more than $n - 1$ steps before it. The carried state
#     still holds what the network keeps from earlier chunks, so it can use
#     it, but nothing in the gradient rewards keeping information longer
#     than a chunk: a longer dependency can only be learnt where it already
#     helps within $n$ steps. The truncated gradient is not the gradient of
#     the loss (question 7 measures how far from it).
# 11. The second backward pass would continue through the state into the
#     first chunk's graph, whose saved tensors the first backward pass
#     freed: PyTorch raises an error about backwarding through the graph a
#     second time. With `retain_graph=True` that error goes, but every
#     backward pass then runs back to the start of the text: the graph, its
#     memory and each step's computation grow with everything read so far
#     (and PyTorch may stop with another error, since the optimizer has
#     changed in place the weights that the old graph saved).
# 12. Detached, the state still carries what the network computed from
#     everything before the window, so its output can depend on it; only the
#     training signal stops at the boundary. From zero, the window is all the
#     network knows: the state at its end differs from the true $h_t$
#     wherever earlier steps mattered (measured above).
# 13. The same double sum with $h_{k-1}^\top$ replaced by $x_k^\top$ for
#     $W_{in}$ (its use at step $k$ multiplies $x_k$), and by nothing for $b$:
#     $\partial L/\partial b = \sum_t \sum_{k \le t}
#     (\partial h_t/\partial h_k)^\top \partial L^{(t)}/\partial h_t
#     \odot (1 - h_k^2)$. The Jacobian products are shared by all three.
# 14. It is a (hidden, hidden, hidden) array: how each entry of $h_t$ moves
#     with each entry of $W_{hh}$. Each step multiplies it by the one-step
#     Jacobian and adds the direct term, about $\text{hidden}^4$
#     multiplications, and keeps $\text{hidden}^3$ numbers whatever $T$ is.
#     BPTT instead keeps $T$ states of size hidden and does about
#     $\text{hidden}^2$ work per step and sequence: it needs less memory
#     whenever $T < \text{hidden}^2$, and about $\text{hidden}^2$ times less
#     computation.
#
# Try this: with $n = 1$ both keep only lag 0 and give the same error. The
# other two are for you to measure.
#
# </details>

# %%
from labhelpers.report import answers

bound = theory.norm_bound_by_lag(W_hh, T)[-1]
display(
    Markdown(
        answers(
            [
                "Question 3: $\\lVert W_{hh} \\rVert_2$ = "
                f"{theory.spectral_norm(W_hh):.4f}, so the bound at lag {T} "
                f"is {bound:.2e}; the measured $\\lVert \\partial h_T / "
                "\\partial h_0 \\rVert_2$ (geometric mean over "
                f"{B} sequences) was {mean_norms[T]:.2e}, "
                f"{mean_norms[T] / bound:.2g} times the bound.",
                f"Question 6: of the {T * (T + 1) // 2} (t, k) pairs, the "
                f"sliding window of {n} steps kept {kept['window'].sum()}, "
                f"detaching every {n} steps {kept['detach'].sum()}.",
                f"Question 7: relative error {detach_error:.2e} detaching "
                f"every {n} steps, {window_error:.2e} with the sliding "
                "window.",
            ]
        )
    )
)


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
