# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 4: a whole RNN by hand
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/04_rnn_by_hand.ipynb)
#
# A theory lesson. Lesson 2 wrote the forward pass and lesson 3 the
# gradient of $W_{hh}$; this lesson writes every other gradient too and trains
# a character-level RNN with nothing but NumPy: forward, backward, update and
# sampling, each checked against an independent computation.

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

# %% [markdown]
# ## Aim
#
# Derive every gradient of a character-level vanilla RNN by hand, check each
# one against finite differences and against `torch.nn.RNN`'s autograd on the
# same weights, then train the network in NumPy with Adam and gradient
# clipping on a small text, sampling from it as it trains, and compare its
# loss with a model that ignores context.
#
# ## Objectives
#
# - write the model (forward pass, backward pass, update, sampling) in one
#   screen of NumPy, reusing lesson 2's forward pass;
# - derive $\partial L/\partial W_{in}$, $\partial L/\partial W_{hh}$,
#   $\partial L/\partial b$, $\partial L/\partial W_g$,
#   $\partial L/\partial b_g$ and $\partial L/\partial h_0$ in one sweep back
#   through time, and see that the sweep gives lesson 3's double sum for
#   $W_{hh}$;
# - check them all to a relative $10^{-6}$ against central differences and to
#   $10^{-10}$ against autograd (float64);
# - train with Adam and norm clipping written out, with truncated BPTT that
#   carries the state from chunk to chunk (lesson 3's "detach every $n$
#   steps");
# - watch samples improve, and measure the loss against the unigram model's
#   cross-entropy on the same text.
#
# ## Parameters
#
# Pick a profile with `profile`. A parameter left at `None` takes its
# profile's value (lab, quick or smoke, all in
# `labhelpers/lesson_settings.toml`); set it to override. The cell after the
# parameters shows the values used. With papermill:
# `papermill 04_rnn_by_hand.ipynb out.ipynb -p profile lab -p hidden_size 128`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab".
corpus = None  # type: str in {"lee", "python_docs"}  "lee" (news text shipped with gensim, as lesson 12) or "python_docs" (ships with Python).
max_chars = None  # type: int, at least 0  Keep only the first characters of the corpus; 0 keeps all of it.
train_fraction = None  # type: float in (0, 1)  Share of the text, from its start, used for training; the rest validates.
hidden_size = None  # type: int, at least 1  Size of the hidden state h_t of the trained network.
batch_size = None  # type: int, at least 1  Streams of text read side by side.
seq_len = None  # type: int, at least 1  Steps n of each chunk: the gradient goes back at most n - 1 steps.
steps = None  # type: int, at least 1  Updates of the parameters.
learning_rate = None  # type: float, above 0  Adam's learning rate.
max_norm = None  # type: float, above 0  Gradient-norm clipping threshold c.
samples = None  # type: int, at least 2  Points of training (the first before any update) at which the network writes a sample.
sample_length = None  # type: int, at least 1  Characters per sample.
check_hidden = None  # type: int, at least 1  Hidden size of the small network whose gradients are checked entry by entry.
seed = None  # type: int, at least 0  Seed of the weights and of the samples.

# %%
settings = notebook_settings()

# %% [markdown]
# ## Algorithm
#
# **The model.** Characters are numbered $0, \dots, V - 1$; $x_t$ is the
# one-hot vector of the character read at step $t$ and $y_t$ the number of the
# next one. Lesson 2's cell and a softmax read-out:
#
# $$a_t = W_{hh} h_{t-1} + W_{in} x_t + b, \quad h_t = \tanh(a_t), \quad
#   g_t = W_g h_t + b_g, \quad p_t = \mathrm{softmax}(g_t),$$
#
# $$L = -\frac{1}{N} \sum_{t} \log p_{t, y_t}$$
#
# over the $N$ characters of a batch, in nats per character. $W_{in} x_t$ is
# column $x$ of $W_{in}$: the one-hot product picks an embedding.
#
# **Backward, from the output in.** The softmax and the cross-entropy together
# have the gradient $\partial L / \partial g_t = (p_t - e_{y_t}) / N$
# ($e_{y}$ the one-hot vector of $y$). The read-out is used once per step:
#
# $$\frac{\partial L}{\partial W_g} = \sum_t \frac{\partial L}{\partial g_t}
#   h_t^\top, \qquad \frac{\partial L}{\partial b_g} = \sum_t
#   \frac{\partial L}{\partial g_t}.$$
#
# The state $h_t$ reaches the loss two ways, through its own output and
# through $a_{t+1}$; with $\delta_t = \partial L / \partial a_t$ and lesson
# 3's $\tanh' = 1 - h_t^2$:
#
# $$\frac{\partial L}{\partial h_t} = W_g^\top \frac{\partial L}{\partial g_t}
#   + W_{hh}^\top \delta_{t+1}, \qquad
#   \delta_t = \frac{\partial L}{\partial h_t} \odot (1 - h_t^2),$$
#
# with $\delta_{T+1} = 0$, and each weight sums its uses:
#
# $$\frac{\partial L}{\partial W_{in}} = \sum_t \delta_t x_t^\top, \quad
#   \frac{\partial L}{\partial W_{hh}} = \sum_t \delta_t h_{t-1}^\top, \quad
#   \frac{\partial L}{\partial b} = \sum_t \delta_t, \quad
#   \frac{\partial L}{\partial h_0} = W_{hh}^\top \delta_1.$$
#
# $W_{hh}^\top \delta_{t+1}$ is lesson 3's one-step Jacobian transposed,
# $(\partial h_{t+1} / \partial h_t)^\top \partial L / \partial h_{t+1}$:
# one vector passed back per step. Unrolled, the sweep is lesson 3's double
# sum over (loss, earlier step), computed in $O(T)$ products.
#
# **The update.** Clip the gradient $G$ of all five parameters together:
# if $\lVert G \rVert_2 > c$, $G \leftarrow c\, G / \lVert G \rVert_2$ (lesson
# 4). Then Adam (Kingma and Ba, 2015), for every parameter $w$ with gradient
# $G_w$, at step $s$:
#
# $$m \leftarrow \beta_1 m + (1 - \beta_1) G_w, \quad
#   v \leftarrow \beta_2 v + (1 - \beta_2) G_w^2, \quad
#   w \leftarrow w - \eta\, \frac{m / (1 - \beta_1^s)}
#   {\sqrt{v / (1 - \beta_2^s)} + \epsilon}.$$
#
# ```text
# cut the training text into B streams; h = 0; start = 0
# repeat for every step:
#     inputs = streams[:, start : start+n]
#     targets = streams[:, start+1 : start+n+1]     # the next characters
#     loss, cache = forward(params, inputs, targets, h)
#     grads = backward(params, cache)               # the sweep above
#     clip grads to norm c; Adam update
#     h = last state of the chunk     # the state goes on, its gradient not
#     start += n (back to 0 and h = 0 at the end of the text)
# sample: h = 0; x = a space
#     repeat: h = cell(x, h); draw x from softmax(W_g h + b_g)
# ```

# %% [markdown]
# ## Program
#
# ### The text
#
# The corpus of lesson 12, shipped offline: the Lee Background Corpus of news
# articles (Lee, Pincombe and Welsh, 2005), or Python's own help texts where
# gensim is missing. The first part trains, the end validates.

# %%
from labhelpers.data.chars import (
    CharCodec,
    corpus_or_python_docs,
    load_corpus,
    split_text,
    unigram_cross_entropy,
)

corpus_name = corpus_or_python_docs(settings.corpus)
text_corpus = load_corpus(corpus_name, max_chars=settings.max_chars or None)
codec = CharCodec(text_corpus.text)
encoded = codec.encode(text_corpus.text)
train_text, val_text = split_text(encoded, settings.train_fraction)
V = codec.vocab_size
print(f"corpus: {text_corpus.source}")
print(
    f"{len(text_corpus):,} characters, vocabulary of {V}; training "
    f"{len(train_text):,}, validation {len(val_text):,} (the end)"
)

# %% [markdown]
# **The baseline.** A model that ignores context predicts every character
# with its frequency in the training text (add-one smoothing). Its
# cross-entropy on a text is what the RNN must go below to have learned
# anything from the characters before the next one; guessing uniformly
# scores $\log V$.

# %%
import numpy as np

unigram = {
    "training": unigram_cross_entropy(train_text, train_text, V),
    "validation": unigram_cross_entropy(train_text, val_text, V),
}
print(
    f"unigram cross-entropy: {unigram['training']:.3f} nats per character "
    f"on the training text, {unigram['validation']:.3f} on the validation "
    f"text; uniform guessing log V = {np.log(V):.3f}"
)

# %% [markdown]
# ### The model, on one screen
#
# `forward` runs lesson 2's `theory.rnn_forward` on one-hot characters and
# reads the softmax; `backward` is the sweep of the Algorithm; `adam_update`
# and `sample` follow. This is all of the model:

# %%
import inspect

import labhelpers.lessons.rnn_by_hand as rnn_by_hand

model_source = "\n\n".join(
    inspect.getsource(function)
    for function in (
        rnn_by_hand.forward,
        rnn_by_hand.backward,
        rnn_by_hand.adam_update,
        rnn_by_hand.sample,
    )
)
print(model_source)
model_lines = len(model_source.splitlines())
print(f"{model_lines} lines with docstrings and blank lines")

# %% [markdown]
# ### Every gradient, checked twice
#
# A small network (the hidden size `check_hidden`) reads two chunks of the
# real text from a random initial state $h_0$, and its output bias is set
# away from zero so that every term is exercised. Three computations of the
# same gradients:
#
# - ours, `backward`;
# - central differences $(L(w + \varepsilon) - L(w - \varepsilon)) /
#   (2 \varepsilon)$, $\varepsilon = 10^{-5}$, for every entry of every
#   parameter and of $h_0$: no derivation at all, only the loss;
# - autograd through `torch.nn.RNN` and `torch.nn.Linear` holding the same
#   weights (our $b$ in `bias_ih_l0`, `bias_hh_l0` zero).

# %%
import pandas as pd

from labhelpers.report import rounding_level

check_rng = np.random.default_rng(settings.seed)
small = rnn_by_hand.init_params(V, settings.check_hidden, seed=settings.seed)
small["b_g"] = 0.3 * check_rng.normal(size=V)
check_steps = 8
rows = rnn_by_hand.streams(train_text[: 2 * (check_steps + 1)], 2)
check_inputs, check_targets = rows[:, :-1], rows[:, 1:]
check_h0 = 0.5 * check_rng.normal(size=(2, settings.check_hidden))

check_loss, cache = rnn_by_hand.forward(
    small, check_inputs, check_targets, check_h0
)
ours = rnn_by_hand.backward(small, cache)
numeric = rnn_by_hand.numerical_gradients(
    small, check_inputs, check_targets, check_h0
)
torch_loss, autograd = rnn_by_hand.torch_gradients(
    small, check_inputs, check_targets, check_h0
)
check_table = pd.DataFrame(
    {
        "shape": [str(ours[name].shape) for name in ours],
        "largest |gradient|": [
            f"{np.abs(autograd[name]).max():.2e}" for name in ours
        ],
        "against finite differences": [
            rnn_by_hand.relative_difference(ours[name], numeric[name])
            for name in ours
        ],
        "against autograd": [
            rnn_by_hand.relative_difference(ours[name], autograd[name])
            for name in ours
        ],
    },
    index=pd.Index(list(ours), name="gradient of L with respect to"),
)
fd_worst = check_table["against finite differences"].max()
autograd_worst = check_table["against autograd"].max()
print(
    f"loss {check_loss:.12f} ours, {torch_loss:.12f} torch; "
    f"{sum(a.size for a in ours.values())} gradient entries, "
    f"{2 * check_steps} characters"
)
print(
    f"largest relative difference: {fd_worst:.1e} against finite "
    f"differences, {rounding_level(autograd_worst)} against autograd"
)
assert fd_worst < 1e-6 and autograd_worst < 1e-10
check_table.assign(
    **{
        "against finite differences": check_table[
            "against finite differences"
        ].map("{:.1e}".format),
        "against autograd": check_table["against autograd"].map(
            rounding_level
        ),
    }
)

# %% [markdown]
# Finite differences agree within their own errors (truncation of order
# $\varepsilon^2$, rounding of order $10^{-16} / \varepsilon$) and autograd
# to float64 rounding: two independent checks, one that knows nothing of the
# derivation and one that knows nothing of ours.
#
# **The sweep is lesson 3's double sum.** Lesson 3 assembled
# $\partial L/\partial W_{hh}$ term by term, one per (loss $t$, earlier step
# $k$), from the direct gradients $\partial L^{(t)}/\partial h_t$; here they
# are $W_g^\top \partial L / \partial g_t$. The same weights through
# `theory.bptt_grad_W_hh`:

# %%
from labhelpers import theory

_, h0_used, states, p, _ = cache
dL_dg = p.copy()
dL_dg[np.arange(2)[:, None], np.arange(check_steps)[None], check_targets] -= 1
dL_dg /= check_targets.size
double_sum = theory.bptt_grad_W_hh(
    states, h0_used, dL_dg @ small["W_g"], small["W_hh"]
)
sweep_vs_sum = rnn_by_hand.relative_difference(ours["W_hh"], double_sum)
print(
    "one sweep against lesson 3's double sum over "
    f"{check_steps * (check_steps + 1) // 2} (t, k) pairs: relative "
    f"difference {rounding_level(sweep_vs_sum)}"
)
assert sweep_vs_sum < 1e-10

# %% [markdown]
# ### Training, sampling as it trains
#
# The network of `hidden_size` units reads the training text in `batch_size`
# streams, `seq_len` characters at a time. At a few points of training,
# the first before any update, it writes a sample from a zero state after a
# space; each sample has its own seeded generator, so a rerun writes the same
# text. The validation loss is measured at the same points.

# %%
import time

H = settings.hidden_size
params = rnn_by_hand.init_params(V, H, seed=settings.seed)
sample_steps = [
    int(round(settings.steps * f))
    for f in np.linspace(0, 1, settings.samples) ** 2
]
sample_steps = sorted(set(sample_steps))
first = codec.char2idx.get(" ", 0)
words = set(
    word.strip(".,;:!?\"'()") for word in codec.decode(train_text).split()
)
written, val_losses = {}, {}


def write_sample(step, params):
    if step in sample_steps:
        rng = np.random.default_rng([settings.seed, step])
        text = codec.decode(
            rnn_by_hand.sample(
                params, np.zeros(H), first, settings.sample_length, rng
            )
        )
        written[step] = text
        val_losses[step] = rnn_by_hand.mean_loss(
            params, val_text, settings.batch_size, settings.seq_len
        )
        print(
            f"step {step:5d}, validation loss {val_losses[step]:.3f}: {text!r}"
        )


started = time.perf_counter()
write_sample(0, params)
history = rnn_by_hand.train(
    params,
    train_text,
    steps=settings.steps,
    batch_size=settings.batch_size,
    seq_len=settings.seq_len,
    lr=settings.learning_rate,
    max_norm=settings.max_norm,
    on_step=write_sample,
)
seconds = time.perf_counter() - started
print(f"{settings.steps} updates and the samples in {seconds:.1f} s")

# %% [markdown]
# ## Observation
#
# ### The loss against the unigram baseline

# %%
import matplotlib.pyplot as plt

from labhelpers.plots import plot_loss_against_baselines

step_axis = np.arange(1, settings.steps + 1)
window = max(1, min(100, settings.steps // 10))
plot_loss_against_baselines(
    {
        "training loss (each step's chunk)": (step_axis, history["loss"]),
        f"training loss, mean of the last {window} steps": (
            step_axis,
            rnn_by_hand.smoothed(history["loss"], window),
        ),
        "validation loss": (list(val_losses), list(val_losses.values())),
    },
    {
        "unigram model, training text": unigram["training"],
        "unigram model, validation text": unigram["validation"],
    },
    title=f"A {H}-unit RNN trained by hand on {len(train_text):,} characters",
)
plt.show()

# %% [markdown]
# ### The samples and the final losses
#
# The samples are the lines printed during training. For each, the table
# gives the validation loss at that point and the share of its words (cut at
# spaces, punctuation at their ends removed) that occur in the training text:
# a rough count of how much of the sample is spelled like the text. The
# final losses are measured once more on the whole training and validation
# texts, chunk by chunk, beside the unigram model's on the same characters.

# %%
from IPython.display import Markdown, display

probabilities = rnn_by_hand.unigram_probabilities(train_text, V)
measured = {
    part: rnn_by_hand.loss_against_unigram(
        params,
        indices,
        probabilities,
        settings.batch_size,
        settings.seq_len,
    )
    for part, indices in (("training", train_text), ("validation", val_text))
}
final_train, final_val = (measured[part][0].value for part in measured)
shares = {
    step: rnn_by_hand.known_word_share(text, words)
    for step, text in written.items()
}
display(
    pd.DataFrame(
        {
            "validation loss": [f"{val_losses[s]:.3f}" for s in written],
            "words found in the training text": [
                f"{shares[s]:.0%}" for s in written
            ],
        },
        index=pd.Index(list(written), name="step"),
    )
)
training_sentence = rnn_by_hand.baseline_reading(
    *measured["training"], "the trained network's loss on the training text"
)
validation_sentence = rnn_by_hand.baseline_reading(
    *measured["validation"], "its loss on the validation text"
)
clipping_sentence = rnn_by_hand.clipping_reading(
    history["clipped"], settings.max_norm
)
words_sentence = rnn_by_hand.word_share_reading(shares)
display(
    Markdown(
        f"{training_sentence[0].upper() + training_sentence[1:]}; "
        f"{validation_sentence}. Each ± is the "
        f"{measured['validation'][1].source} (on the validation text), "
        "paired with the unigram model's: it counts the text's luck only. "
        "In this run "
        f"{clipping_sentence}; the largest gradient norm was "
        f"{max(history['grad_norm']):.2f}. In the samples, "
        f"{words_sentence}."
    )
)

# %% [markdown]
# ## Result

# %%
from labhelpers.report import report_result

sentence = (
    "Every gradient of the character-level RNN derived by hand "
    "($W_{in}$, $W_{hh}$, $b$, $W_g$, $b_g$ and $h_0$) matched central "
    f"differences to "
    f"a relative {fd_worst:.1e} and `nn.RNN`'s autograd to "
    f"{rounding_level(autograd_worst)} (float64); the sweep's "
    f"$\\partial L/\\partial W_{{hh}}$ matched lesson 3's double sum to "
    f"{rounding_level(sweep_vs_sum)}. Trained in NumPy ({model_lines} "
    f"lines of model) for {settings.steps} steps on "
    f"{len(train_text):,} characters, {training_sentence}; "
    f"{validation_sentence}."
)
report_result(
    sentence,
    settings,
    title="A whole RNN by hand",
    data=f"{text_corpus.name} ({len(text_corpus):,} characters)",
    metrics={
        "finite_difference_relative_difference": fd_worst,
        "autograd_relative_difference": autograd_worst,
        "train_cross_entropy": final_train,
        "val_cross_entropy": final_val,
        "unigram_train_cross_entropy": unigram["training"],
        "unigram_val_cross_entropy": unigram["validation"],
        "sampled_known_word_share": shares[max(shares)],
    },
    model=f"character RNN (hidden {H}) in NumPy, gradients by hand",
    headline="val_cross_entropy",
)

# %% [markdown]
# ## Questions
#
# 1. Why is $\partial L / \partial g_t = (p_t - e_{y_t}) / N$? Which two
#    functions' derivatives combine into it?
# 2. $h_t$ reaches the loss by two paths. Which, and which term of
#    $\partial L / \partial h_t$ does each give?
# 3. Why does $\partial L / \partial W_{in}$ change only the columns of the
#    characters that occur in the chunk?
# 4. In this run, how large was the largest relative difference against
#    finite differences, and against autograd? Why is the first much larger?
# 5. Why is $\varepsilon = 10^{-5}$ a good step for central differences in
#    float64, and what goes wrong with $10^{-12}$ or $10^{-1}$?
# 6. The gradient with respect to $h_0$ is computed but no parameter is
#    updated with it. Where would it go if the state were not detached
#    between chunks?
# 7. How does the one sweep compute lesson 3's double sum with $O(T)$
#    products instead of $O(T^2)$?
# 8. What do the unigram model's cross-entropies and $\log V$ mean, and where
#    did the final training and validation losses of this run fall against
#    them?
# 9. How many steps did clipping change in this run? What would an update
#    without clipping do at a step whose gradient norm is 100 times $c$?
# 10. Why does Adam divide by $1 - \beta_1^s$ and $1 - \beta_2^s$? What would
#     the first update be without it?
# 11. How did the samples change between the first and the last point, and
#     what did the share of real words do?
# 12. Why is the state carried from chunk to chunk but its gradient not? What
#     does each chunk's loss still see of the text before it?
# 13. A perplexity is $e^{L}$. What does the unigram model's perplexity mean,
#     in words?
# 14. What would sharing one matrix between the input embedding $W_{in}$ and
#     the output $W_g$ (weight tying, Press and Wolf, 2017) require of their
#     shapes here, and what would it save?
#
# **Try this**
#
# - `-p max_norm 0.1`: how many steps are clipped now, and how do the loss
#   and the samples change?
# - `-p seq_len 5`: what can the network still learn when the gradient
#   reaches back at most 4 steps?
# - `-p hidden_size 16`: how far does the final loss move from this run's?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. $L$ is $-\frac1N \sum \log p_{t,y_t}$ and $\log p_{t,y} = g_{t,y} -
#    \log \sum_j e^{g_{t,j}}$; differentiating gives $e_y - p_t$ for one
#    step, so $\partial L / \partial g_t = (p_t - e_{y_t}) / N$: the
#    derivatives of the log-softmax and of the mean.
# 2. Through its own output $g_t$, giving $W_g^\top \partial L/\partial g_t$,
#    and through the next step's pre-activation $a_{t+1}$, giving
#    $W_{hh}^\top \delta_{t+1}$ (zero at the last step of a chunk).
# 3. $\sum_t \delta_t x_t^\top$ with one-hot $x_t$ adds $\delta_t$ to the
#    column of the character read at step $t$; the other columns get 0.
# 4. The figures are in the answers from this run. Central differences carry
#    a truncation error of order $\varepsilon^2 = 10^{-10}$ times the loss's
#    third derivative, and a rounding error of order float64's $10^{-16}$
#    times the loss divided by $\varepsilon$; autograd makes only the rounding
#    error of the same products as ours.
# 5. The truncation error shrinks as $\varepsilon^2$ and the rounding error
#    grows as $10^{-16} / \varepsilon$: about $10^{-5}$ keeps both near
#    $10^{-10}$. At $10^{-12}$ rounding dominates ($10^{-4}$ relative), at
#    $10^{-1}$ truncation does.
# 6. To the last state of the previous chunk, as the $\partial L/\partial h_t$
#    of its last step: full BPTT would carry it back through the whole text.
#    Detaching drops it.
# 7. It passes back one vector, $\partial L / \partial h_t$, which already
#    sums the gradient of every later loss; each step multiplies it once by
#    $W_{hh}^\top$ and $\mathrm{diag}(1 - h_t^2)$ (lesson 3, question 5).
# 8. The unigram model's cross-entropy is the loss of the best model that
#    ignores context (on average, in nats, how surprised it is by the next
#    character); $\log V$ is uniform guessing. This run's figures are in the
#    answers below.
# 9. The count is in the answers below. Without clipping the update would be
#    100 times as long as a clipped one in the same direction (with plain
#    gradient descent), and could throw the weights far out of the region the
#    loss was measured in. Adam divides by the running root mean square of
#    the gradients, which damps a single large step, but not to $c$.
# 10. $m$ and $v$ start at 0, so their early running means are too small by
#     the factors $1 - \beta^s$; dividing corrects this. Without it the first
#     update would be $\eta (1 - \beta_1) G / (\sqrt{1 - \beta_2}\, |G|)$,
#     about $3.2\,\eta$ per entry instead of $\eta$.
# 11. Measured: the table of samples and the answers below.
# 12. Carrying the state lets every chunk's forward pass see the whole text
#     before it (through $h$); dropping its gradient bounds the memory and
#     the work of the backward pass to one chunk. The gradient of a loss
#     reaches back at most to the start of its chunk.
# 13. On average the model is as uncertain about the next character as if it
#     chose uniformly among that many characters (this run's figure is in
#     the answers below).
# 14. $W_{in}$ is (hidden, $V$) and $W_g$ is ($V$, hidden): tying sets
#     $W_g = W_{in}^\top$, which fits here because the input is one-hot and
#     both are indexed by characters. It saves $V \times$ hidden parameters,
#     and the gradient of the shared matrix is the sum of the two gradients
#     derived here (transposed where needed).
#
# </details>

# %%
from labhelpers.metrics import perplexity
from labhelpers.report import answers

clipped_steps = int(sum(history["clipped"]))
first_step, last_step = min(written), max(written)
display(
    Markdown(
        answers(
            [
                f"Question 4: {fd_worst:.1e} against finite differences, "
                f"{rounding_level(autograd_worst)} against autograd.",
                "Question 8: the unigram model scored "
                f"{unigram['training']:.3f} nats per character on the "
                f"training text and {unigram['validation']:.3f} on the "
                f"validation text, $\\log V$ = {np.log(V):.3f}; "
                f"{training_sentence}; {validation_sentence}.",
                f"Question 9: {clipped_steps} of {settings.steps} steps "
                f"(threshold {settings.max_norm:g}); the largest norm "
                f"was {max(history['grad_norm']):.2f}.",
                f"Question 11: at step {first_step} the sample began "
                f"{rnn_by_hand.code_span(written[first_step][:60])}, at "
                f"step {last_step} "
                f"{rnn_by_hand.code_span(written[last_step][:60])}; "
                f"{words_sentence}.",
                "Question 13: this text's unigram perplexity is "
                f"{perplexity(unigram['validation']):.1f} on the validation "
                f"text; the RNN's is {perplexity(final_val):.1f}.",
            ]
        )
    )
)


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
