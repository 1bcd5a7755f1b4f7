# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 10: a character-level RNN that writes text
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/10_char_rnn.ipynb)
#
# Experiment E5 of the lab catalogue (lab record 002, "Week-11 RNN").

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
# Train a recurrent network to predict the next character of a text, first on
# one short string as the lab record does, then on a real corpus, and use it to
# generate new text.
#
# ## Objectives
#
# - build a vocabulary with `char2idx` / `idx2char`, encode a string and its
#   one-step-shifted target, and decode predictions back into text;
# - train Embedding -> RNN -> Linear with cross-entropy, the hidden state
#   starting at zeros;
# - on a corpus, train with truncated backpropagation through time (BPTT),
#   carrying the hidden state from batch to batch, and report loss and
#   perplexity per epoch;
# - compare a vanilla RNN, a GRU and an LSTM of the same width;
# - name teacher forcing (training reads the true previous character) and
#   measure it against free running (generation reads its own output);
# - sample text at several temperatures, reproducibly (seeded).
#
# ## Parameters
#
# Pick a profile with `profile`; leave a parameter at `None` to take the
# profile's value, or set it to override. With papermill:
# `papermill 10_char_rnn.ipynb out.ipynb -p profile lab -p corpus python_docs`.

# %% tags=["parameters"]
profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab" (longer training).
toy_text = None  # type: str  The short string of the record-style toy model.
toy_hidden = None  # type: int, at least 1  Embedding and hidden size of the toy model.
toy_epochs = None  # type: int, at least 1  Training epochs of the toy model (one sequence per epoch).
corpus = None  # type: str in {"lee", "python_docs", "tiny_shakespeare"}  "lee" (news text shipped with gensim), "python_docs" (ships with Python) or "tiny_shakespeare" (downloaded once, needs the network).
max_chars = None  # type: int, at least 0  Keep only the first characters of the corpus; 0 keeps all of it.
train_fraction = None  # type: float in (0, 1)  Share of the corpus, from its start, used for training; the rest validates.
cells = None  # type: list of str in {"rnn", "gru", "lstm"}  Recurrent cells to compare, from "rnn", "gru", "lstm".
embedding_dim = None  # type: int, at least 1  Size of the character embeddings.
hidden_size = None  # type: int, at least 1  Hidden units of every recurrent model.
seq_len = None  # type: int, at least 1  Truncation length: characters per batch row, and steps gradients flow back.
batch_size = None  # type: int, at least 1  Parallel text streams per batch.
learning_rate = None  # type: float, above 0  Adam's learning rate on the corpus.
epochs = None  # type: int, at least 1  Passes over the training text per model.
clip_grad_norm = None  # type: float, above 0  Gradient-norm clipping threshold during training.
temperatures = None  # type: list of float, above 0  Sampling temperatures for the generated text.
sample_length = None  # type: int, at least 1  Characters generated per sample.
free_run_steps = None  # type: int, at least 1  Characters continued from the validation text to compare teacher forcing with free running.
prompt = None  # type: str  Text the generated samples start from.
seed = 0  # type: int, at least 0  Seed of the models and of the sampling.
device = "auto"  # type: str in {"auto", "cuda", "mps", "cpu"}  "auto" takes CUDA, then MPS, then the CPU.

# %%
from labhelpers.profiles import notebook_settings

# fmt: off
PROFILES = {
    "smoke": dict(toy_text="hello world", toy_hidden=16, toy_epochs=60,
                  corpus="lee", max_chars=20000, train_fraction=0.9,
                  cells=["rnn", "gru", "lstm"], embedding_dim=16,
                  hidden_size=32,  seq_len=50,  batch_size=32,
                  learning_rate=0.005, epochs=1,  clip_grad_norm=1.0,
                  temperatures=[0.5, 1.0, 1.5], sample_length=80,
                  prompt="The ", free_run_steps=10),
    "quick": dict(toy_text="hello world", toy_hidden=16, toy_epochs=100,
                  corpus="lee", max_chars=0,     train_fraction=0.9,
                  cells=["rnn", "gru", "lstm"], embedding_dim=32,
                  hidden_size=128, seq_len=100, batch_size=64,
                  learning_rate=0.005, epochs=6,  clip_grad_norm=1.0,
                  temperatures=[0.5, 1.0, 1.5], sample_length=300,
                  prompt="The ", free_run_steps=20),
    "lab":   dict(toy_text="hello world", toy_hidden=16, toy_epochs=100,
                  corpus="lee", max_chars=0,     train_fraction=0.9,
                  cells=["rnn", "gru", "lstm"], embedding_dim=64,
                  hidden_size=256, seq_len=100, batch_size=64,
                  learning_rate=0.003, epochs=30, clip_grad_norm=1.0,
                  temperatures=[0.5, 1.0, 1.5], sample_length=500,
                  prompt="The ", free_run_steps=20),
}
# fmt: on
# Checks the parameters, then fills in the profile's values.
settings = notebook_settings(PROFILES)
if not settings["prompt"]:
    raise ValueError(
        "prompt must hold at least one character: the samples continue it"
    )
settings

# %% [markdown]
# ## Algorithm
#
# **Characters as classes.** The vocabulary is the sorted set of characters
# of the text; `char2idx` maps a character to its index and `idx2char` back.
# For a text $c_1 c_2 \dots c_n$ the input is $c_1 \dots c_{n-1}$ and the target
# the same text shifted by one, $c_2 \dots c_n$: at every step the network
# predicts the character that follows.
#
# **Model.** Each index is looked up in an embedding table $E$, read by the
# recurrent layer, and mapped to one score per vocabulary character:
#
# $$e_t = E[c_t], \qquad h_t = \tanh(W_{hh} h_{t-1} + W_{in} e_t + b), \qquad
#   g_t = W_g h_t + b_g, \qquad p(c_{t+1} \mid c_{\le t}) = \mathrm{softmax}(g_t),$$
#
# with $h_0 = 0$ (a GRU or an LSTM replaces the $\tanh$ update by its gated one).
# The loss is the mean cross-entropy $L = -\frac{1}{N}\sum_t \log p(c_{t+1} \mid c_{\le t})$
# in nats per character, and the **perplexity** is $e^{L}$: the number of
# characters the model is, on average, as unsure between as if it picked
# uniformly among them. A model that ignores context (character frequencies
# only, the *unigram* model) sets the bar to beat; guessing uniformly scores the
# vocabulary size.
#
# **Truncated BPTT.** A corpus is far too long to backpropagate through in one
# piece. It is cut into $B$ contiguous streams (the rows of a batch), and each
# batch takes the next $T$ characters of every stream, so row $b$ of batch $k+1$
# continues row $b$ of batch $k$. The hidden state is carried over from batch to
# batch, so the model reads the text as one long sequence, but it is *detached*
# in between: gradients flow back at most $T$ steps.
#
# **Teacher forcing and free running.** In training the input at every step
# is the *true* previous character, whatever the model predicted there: this
# is **teacher forcing**, and it is why one forward pass over the text gives
# every step's loss. In generation there is no true text: the model's own
# output is fed back as the next input (**free running**). A model trained
# only on true contexts then reads contexts made of its own guesses; the
# lesson measures how much that costs.
#
# **Sampling with a temperature.** To generate, the model's scores are divided
# by a temperature $\tau$ before the softmax, $p_i \propto \exp(g_{t,i} / \tau)$, one
# character is drawn, fed back as the next input, and so on. $\tau < 1$ sharpens
# the distribution (safer, more repetitive text), $\tau > 1$ flattens it (more
# surprising, more misspelt text).
#
# ```text
# toy: encode "hello world"; x = text[:-1], y = text[1:]
#      for epoch: h = 0; logits = Linear(RNN(Embedding(x), h)); loss = CE(logits, y); step
#      print decode(argmax(logits))
# corpus: split in order 90% / 10%; cut the training text into B streams
#      for cell in RNN, GRU, LSTM:
#          for epoch: h = 0
#              for each batch (next T characters of every stream):
#                  logits, h = model(x, detach(h)); loss = CE; backward; clip; Adam step
#              validation loss and perplexity
# sample from the best model at several temperatures, with a fixed seed
# ```

# %% [markdown]
# ## Program
#
# ### The record's toy model

# %%
import numpy as np
import torch

from labhelpers.data.chars import CharCodec, shifted_pair
from labhelpers.runtime import choose_device, describe_device, seed_everything

seed_everything(seed)
device = choose_device(device)
print(f"device: {describe_device(device)}")
toy = settings["toy_text"]
toy_codec = CharCodec(toy)
print(
    f"text {toy!r}: {len(toy)} characters, "
    f"vocabulary of {toy_codec.vocab_size}"
)
print(f"idx2char = {toy_codec.idx2char}")
print(f"char2idx = {toy_codec.char2idx}")
toy_input, toy_target = shifted_pair(toy_codec.encode(toy))
print(f"input  {toy_codec.decode(toy_input)!r} = {toy_input.tolist()}")
print(f"target {toy_codec.decode(toy_target)!r} = {toy_target.tolist()}")

# %% [markdown]
# Embedding(vocabulary, hidden) -> RNN(hidden, hidden) -> Linear(hidden,
# vocabulary), as in the record; `labhelpers.models.CharRNN`:

# %%
import inspect

from labhelpers.models import CharRNN
from labhelpers.training import run_bptt_epoch

torch.manual_seed(seed)
toy_model = CharRNN(toy_codec.vocab_size, settings["toy_hidden"], "rnn").to(
    device
)
print(toy_model)
print(inspect.getsource(CharRNN.forward))

# %% [markdown]
# One sequence, one batch, so each epoch starts from $h_0 = 0$; every few
# epochs the most likely next character at each position is decoded back into
# text:

# %%
# shape (1, len - 1): one batch of one row
toy_batches = [(toy_input[None, :], toy_target[None, :])]
toy_optimizer = torch.optim.Adam(toy_model.parameters(), lr=0.01)
toy_x = torch.as_tensor(toy_input[None, :], device=device)
report_every = max(1, settings["toy_epochs"] // 5)
for epoch in range(1, settings["toy_epochs"] + 1):
    toy_loss = run_bptt_epoch(toy_model, toy_batches, device, toy_optimizer)
    if epoch % report_every == 0 or epoch in (1, settings["toy_epochs"]):
        with torch.no_grad():
            toy_logits, _ = toy_model.eval()(toy_x)
        guess = toy_codec.decode(toy_logits[0].argmax(dim=-1).cpu())
        print(
            f"epoch {epoch:>3}  loss {toy_loss:.4f}  predicted "
            f"{guess!r}  (target {toy_codec.decode(toy_target)!r})"
        )
toy_correct = float(
    (toy_logits[0].argmax(dim=-1).cpu().numpy() == toy_target).mean()
)
print(f"{toy_correct:.0%} of the next characters predicted correctly")

# %% [markdown]
# The toy model learns its one string by heart; that says nothing about text
# it has not seen. A real corpus follows.
#
# ### The corpus

# %%
from labhelpers.checks import require
from labhelpers.data.chars import (
    available_corpora,
    load_corpus,
    split_text,
    unigram_cross_entropy,
)

corpus_name = settings["corpus"]
if corpus_name == "lee" and not available_corpora()["lee"]:
    try:
        require("gensim", "text", "the Lee corpus")
    except ModuleNotFoundError as missing:
        print(f"{missing}. This run uses Python's own help texts instead.")
    corpus_name = "python_docs"
text_corpus = load_corpus(
    corpus_name,
    max_chars=settings["max_chars"] or None,
    download=corpus_name == "tiny_shakespeare",
)
codec = CharCodec(text_corpus.text)
# a character the corpus lacks stops the lesson here
codec.encode(settings["prompt"], name="prompt")
encoded = codec.encode(text_corpus.text)
train_text, val_text = split_text(encoded, settings["train_fraction"])
print(f"corpus: {text_corpus.source}")
print(
    f"{len(text_corpus):,} characters "
    f"({len(text_corpus.text.encode('utf-8')):,} bytes), vocabulary of "
    f"{codec.vocab_size}; training {len(train_text):,}, "
    f"validation {len(val_text):,} (the end of the text)"
)
print(f"the text begins: {text_corpus.text[:240]!r}")

# %%
from labhelpers.metrics import perplexity

unigram_perplexity = perplexity(
    unigram_cross_entropy(train_text, val_text, codec.vocab_size)
)
print(
    "validation perplexity without context (character "
    f"frequencies): {unigram_perplexity:.2f}; "
    f"uniform guessing: {codec.vocab_size}"
)

# %% [markdown]
# ### Truncated BPTT
#
# `BPTTBatches` cuts the text into streams; `run_bptt_epoch` carries the hidden
# state from batch to batch and detaches it in between:

# %%
from labhelpers.data.batches import BPTTBatches

train_batches = BPTTBatches(
    train_text, settings["batch_size"], settings["seq_len"]
)
val_batches = BPTTBatches(
    val_text,
    min(
        settings["batch_size"], len(val_text) // (2 * settings["seq_len"]) or 1
    ),
    settings["seq_len"],
)
print(
    f"training: {train_batches.batch_size} streams "
    f"of {train_batches.stream_len:,} characters, "
    f"{len(train_batches)} batches of up to "
    f"{settings['seq_len']} steps per epoch"
)
print(
    f"validation: {val_batches.batch_size} streams "
    f"of {val_batches.stream_len:,} characters"
)
first_x, first_y = next(iter(train_batches))
print(
    f"batch shape {first_x.shape}; row 0 reads "
    f"{codec.decode(first_x[0, :40])!r}..."
)
print(f"                  and its target {codec.decode(first_y[0, :40])!r}...")
print(inspect.getsource(run_bptt_epoch))

# %% [markdown]
# ### RNN, GRU and LSTM
#
# The same embedding and width for every cell; gradient norms are clipped at
# `clip_grad_norm`, which bounds the size of any one update (lesson 4 shows
# what an exploding gradient does without it).

# %%
from labhelpers.models import count_parameters
from labhelpers.training import fit_char_model

char_models, char_histories = {}, {}
for cell in settings["cells"]:
    torch.manual_seed(seed)
    char_models[cell] = CharRNN(
        codec.vocab_size,
        settings["hidden_size"],
        cell,
        embedding_dim=settings["embedding_dim"],
    ).to(device)
    print(
        f"{cell.upper()}: {count_parameters(char_models[cell]):,} parameters"
    )
    char_histories[cell] = fit_char_model(
        char_models[cell],
        torch.optim.Adam(
            char_models[cell].parameters(), lr=settings["learning_rate"]
        ),
        train_batches,
        val_batches,
        epochs=settings["epochs"],
        device=device,
        clip_grad_norm=settings["clip_grad_norm"],
    )

# %% [markdown]
# ## Observation
#
# Loss (nats per character) and perplexity per epoch:

# %%
import pandas as pd

per_epoch = pd.concat(
    {
        cell.upper(): pd.DataFrame(
            {
                key: history[key]
                for key in ("loss", "perplexity", "val_loss", "val_perplexity")
            },
            index=pd.RangeIndex(1, history.epochs + 1, name="epoch"),
        )
        for cell, history in char_histories.items()
    },
    axis=1,
)
per_epoch.round(3)

# %%
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for cell, history in char_histories.items():
    epochs_axis = np.arange(1, history.epochs + 1)
    (line,) = axes[0].plot(
        epochs_axis,
        history["loss"],
        marker="o",
        label=f"{cell.upper()} training",
    )
    axes[0].plot(
        epochs_axis,
        history["val_loss"],
        marker="o",
        linestyle="--",
        color=line.get_color(),
        label=f"{cell.upper()} validation",
    )
    axes[1].plot(
        epochs_axis,
        history["val_perplexity"],
        marker="o",
        color=line.get_color(),
        label=cell.upper(),
    )
axes[1].axhline(
    unigram_perplexity,
    color="gray",
    linestyle=":",
    label="no context (unigram)",
)
axes[0].set_ylabel("cross-entropy (nats per character)")
axes[0].set_title("Loss per epoch")
axes[1].set_ylabel("validation perplexity")
axes[1].set_title("Validation perplexity per epoch")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %%
summary = pd.DataFrame(
    {
        cell.upper(): {
            "parameters": count_parameters(char_models[cell]),
            "validation loss": history["val_loss"][-1],
            "validation perplexity": history["val_perplexity"][-1],
            "seconds per epoch": float(np.mean(history["seconds"])),
        }
        for cell, history in char_histories.items()
    }
).T.astype({"parameters": int})
print(
    "seconds per epoch (this machine):",
    ", ".join(
        f"{name} {row['seconds per epoch']:.2f} s"
        for name, row in summary.iterrows()
    ),
)
summary.drop(columns="seconds per epoch").round(3)

# %% [markdown]
# ### Teacher forcing against free running
#
# `run_bptt_epoch` trains with teacher forcing: the batch's input is the text
# and its target the same text shifted by one, so every step reads the true
# previous character. The model with the lowest validation perplexity now
# continues the validation text from 64 places. Each reads the
# `seq_len` true characters before its place, then predicts the next
# `free_run_steps` characters: once with teacher forcing (each prediction
# reads the true characters before it) and once free running (each reads the
# model's own greedy guesses, the argmax, fed back). Step 1 reads the same
# true context in both. `continuation_errors`:

# %%
from labhelpers.lessons.char_rnn import continuation_errors

best_cell = min(
    char_histories, key=lambda cell: char_histories[cell]["val_loss"][-1]
)
best_model = char_models[best_cell].eval()
k_steps = settings["free_run_steps"]
forcing = continuation_errors(
    best_model, val_text, settings["seq_len"], k_steps, starts=64, seed=seed
)
forcing_table = pd.DataFrame(
    {
        "teacher forcing: error": forcing.teacher_error,
        "free running: error": forcing.free_error,
        "teacher forcing: loss": forcing.teacher_loss,
        "free running: loss": forcing.free_loss,
    },
    index=pd.RangeIndex(1, k_steps + 1, name="step k"),
)
forcing_table.iloc[:: max(1, k_steps // 10)].round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
for ax, key, label in (
    (axes[0], "error", "share of wrong greedy characters"),
    (axes[1], "loss", "cross-entropy of the true character (nats)"),
):
    for mode in ("teacher forcing", "free running"):
        ax.plot(
            forcing_table.index,
            forcing_table[f"{mode}: {key}"],
            marker="o",
            label=mode,
        )
    ax.set_xlabel("step k after the true context")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    ax.legend()
axes[0].set_title(f"{best_cell.upper()}: greedy continuation errors")
axes[1].set_title("Loss of the text's k-th character")
fig.tight_layout()
plt.show()

# %%
from IPython.display import Markdown, display

teacher_mean = float(forcing.teacher_error.mean())
free_mean = float(forcing.free_error.mean())
display(
    Markdown(
        f"Over {k_steps} steps from 64 places of the validation text, the "
        f"{best_cell.upper()} predicted a wrong character {teacher_mean:.1%} "
        f"of the time with teacher forcing and {free_mean:.1%} free "
        f"running (step 1: {forcing.teacher_error[0]:.1%} in both; step "
        f"{k_steps}: {forcing.teacher_error[-1]:.1%} against "
        f"{forcing.free_error[-1]:.1%}). The mean loss of the true character "
        f"was {forcing.teacher_loss.mean():.3f} nats with teacher forcing "
        f"and {forcing.free_loss.mean():.3f} free running. The validation "
        f"loss of the table above is the teacher-forced one."
    )
)

# %% [markdown]
# Generation can only run free: the next character does not exist until the
# model has chosen it. For the same reason a **bidirectional** RNN, whose
# backward direction reads the characters after step $t$, cannot generate
# text: lesson 11 draws one and says where it can be used.
#
# ### Generated text
#
# From the model with the lowest validation perplexity, starting from `prompt`,
# with the same seed at every temperature. The entropy of the first sampled
# character's distribution shows what the temperature does:

# %%
from labhelpers.lessons.char_rnn import (
    entropy,
    generate_text,
    temperature_softmax,
)

with torch.no_grad():
    prompt_logits, _ = best_model(
        torch.as_tensor(codec.encode(settings["prompt"]), device=device)[
            None, :
        ]
    )
samples, spreads = {}, {}
for temperature in settings["temperatures"]:
    spread = entropy(
        temperature_softmax(prompt_logits[0, -1].cpu(), temperature)
    ).item()
    spreads[temperature] = spread
    samples[temperature] = generate_text(
        best_model,
        codec,
        settings["prompt"],
        settings["sample_length"],
        temperature=temperature,
        seed=seed,
    )
    print(
        f"--- {best_cell.upper()}, temperature {temperature:g} "
        f"(entropy of the first draw {spread:.3f} nats)"
    )
    print(samples[temperature])

# %% [markdown]
# ## Result

# %%
from IPython.display import Markdown, display

from labhelpers.report import record_results

comparison = ", ".join(
    f"{cell.upper()} {history['val_perplexity'][-1]:.2f}"
    for cell, history in char_histories.items()
)
best_perplexity = char_histories[best_cell]["val_perplexity"][-1]
verdict = "below" if best_perplexity < unigram_perplexity else "not below"
uniform_verdict = (
    "below" if best_perplexity < codec.vocab_size else "not below"
)
sentence = (
    f"The toy RNN predicted {toy_correct:.0%} of the next "
    f"characters of {toy!r} after {settings['toy_epochs']} "
    f"epochs. On the {corpus_name} corpus ({len(text_corpus):,} "
    f"characters, vocabulary {codec.vocab_size}), after "
    f"{settings['epochs']} epoch(s) of truncated BPTT "
    f"({settings['seq_len']} steps) the validation perplexities "
    f"were {comparison}; the best, the {best_cell.upper()}, "
    f"is {verdict} the {unigram_perplexity:.2f} of a model "
    f"without context and {uniform_verdict} the "
    f"{codec.vocab_size} of uniform guessing."
)
display(Markdown(sentence))
recorded = record_results(
    "E5 character-level RNN",
    profile,
    data=f"{text_corpus.source}; {len(text_corpus)} characters",
    metrics={
        "toy_accuracy": toy_correct,
        "unigram_val_perplexity": unigram_perplexity,
        **{
            f"{cell}_val_perplexity": history["val_perplexity"][-1]
            for cell, history in char_histories.items()
        },
        **{
            f"{cell}_seconds_per_epoch": float(np.mean(history["seconds"]))
            for cell, history in char_histories.items()
        },
    },
    settings=settings,
    model=f"character-level {best_cell.upper()} (the best cell)",
    headline=f"{best_cell}_val_perplexity",
)

# %% [markdown]
# ## Questions
#
# 1. For the text "hello world", what are the input and the target of the toy
#    model, and how long is each?
# 2. What is perplexity, and what are the two bars the lesson sets beside the
#    models' perplexities? Where does the best model stand?
# 3. In truncated BPTT, what does `run_bptt_epoch` carry from batch to batch,
#    what does it cut, and how many steps back can a gradient travel?
# 4. What is teacher forcing, and where in this lesson is it used? What is
#    free running?
# 5. At step 1 teacher forcing and free running score the same. Why? How far
#    apart are they after `free_run_steps` steps in this run?
# 6. What does the temperature do to the entropy of the next-character
#    distribution? Give the run's entropies.
# 7. Why are gradient norms clipped when training on the corpus?
# 8. Why can a bidirectional RNN not generate text?
#
# **Try this**
#
# - `-p seq_len 20`: gradients flow back at most 20 steps. What happens to
#   the validation perplexity?
# - `-p hidden_size 256 -p epochs 12`: a larger, longer-trained model; does
#   the gap between teacher forcing and free running shrink?
# - `-p free_run_steps 60`: where does the free-running error level off?

# %% [markdown]
# :::{admonition} Answers
# :class: dropdown
#
# 1. The input is the text without its last character, "hello worl", the
#    target the text without its first, "ello world": 10 characters each; at
#    every step the target is the character that follows the input.
# 2. $e^{L}$ with $L$ the mean cross-entropy in nats: the number of
#    characters the model is as unsure between as if it chose uniformly among
#    them. The bars: the unigram model (character frequencies, no context)
#    and uniform guessing (the vocabulary size). The run's numbers are in the
#    next cell.
# 3. It carries the hidden state, so row $b$ of a batch continues row $b$ of
#    the one before, and detaches it, so the gradient stops at the batch
#    boundary: at most `seq_len` steps back, fewer for the first steps of a
#    batch.
# 4. Teacher forcing: in training each step's input is the true previous
#    character (the batch's input is the text, its target the text shifted
#    by one), whatever the model predicted. Free running: the model's own
#    output is fed back as its next input, as `generate_text` does.
# 5. Step 1 reads the same true context in both modes. After it, a wrong
#    free-running guess becomes part of the context, a context the model
#    never read in training. The run's numbers are in the next cell.
# 6. Dividing the logits by $\tau < 1$ sharpens the distribution (lower
#    entropy); $\tau > 1$ flattens it (higher entropy, at most
#    $\log(\text{vocabulary})$).
# 7. A single step's gradient can be very large (lesson 4's exploding
#    gradients); clipping its norm bounds the size of one update.
# 8. Its backward direction reads the characters after step $t$; when
#    generating, they have not been chosen yet, and a model trained with them
#    could copy the next character instead of predicting it (lesson 11).
# :::

# %%
# The numeric answers, from this run (a collapsed block in the book).
answers = [
    f"1: this run's toy text gives input {toy_codec.decode(toy_input)!r}, "
    f"target {toy_codec.decode(toy_target)!r}.",
    f"2: the best model, the {best_cell.upper()}, reaches validation "
    f"perplexity {best_perplexity:.2f}; the unigram model "
    f"{unigram_perplexity:.2f}, uniform guessing {codec.vocab_size}.",
    f"5: wrong characters at step 1: {forcing.teacher_error[0]:.1%} in both; "
    f"at step {k_steps}: {forcing.teacher_error[-1]:.1%} with teacher "
    f"forcing, {forcing.free_error[-1]:.1%} free running.",
    "6: entropy of the first draw: "
    + ", ".join(
        f"{spread:.3f} nats at $\\tau = {temperature:g}$"
        for temperature, spread in spreads.items()
    )
    + f"; the uniform maximum is {np.log(codec.vocab_size):.3f}.",
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
