# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 12: a character-level RNN that writes text
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/12_char_rnn.ipynb)
#
# Experiment E5 of the lab catalogue (lab record 002, "Week-11 RNN").

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

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
# - compare a vanilla RNN, a GRU and an LSTM of the same width, each
#   validation loss with its standard error;
# - name teacher forcing (training reads the true previous character) and
#   measure it against free running (generation reads its own output);
# - measure the leak of a per-step bidirectional model, whose backward
#   direction reads the character it is asked to predict;
# - sample text at several temperatures, reproducibly (seeded), and from the
#   model as it was before training and after its first, middle and last
#   epochs;
# - find, by measurement, the hidden unit that follows a property of the text
#   (inside quotes, letters into the word, a space just read) most closely,
#   chosen on training text and measured on held-out text against a random
#   unit, and watch it over a passage, character by character.
#
# ## Parameters
#
# Pick a profile with `profile`; a parameter left at `None` takes its
# profile's value (`lab`, `quick` or `smoke`, all in
# `labhelpers/lesson_settings.toml`), and the cell after the parameters shows
# the values used. With papermill:
# `papermill 12_char_rnn.ipynb out.ipynb -p profile lab -p corpus python_docs`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

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
seq_len = None  # type: int, at least 1  Truncation length T: characters per batch row; the loss at step t of a row reaches back t - 1 steps (at most T - 1).
batch_size = None  # type: int, at least 1  Parallel text streams per batch.
learning_rate = None  # type: float, above 0  Adam's learning rate on the corpus.
epochs = None  # type: int, at least 1  Passes over the training text per model.
clip_grad_norm = None  # type: float, above 0  Gradient-norm clipping threshold during training.
n_seeds = None  # type: int, at least 1  Trainings of every cell, from seeds seed, seed + 1, ...: with 2 or more a validation loss's standard error is over seeds, with 1 over the validation chunks.
bidirectional_epochs = None  # type: int, at least 1  Training epochs of the per-step bidirectional model (the leak).
temperatures = None  # type: list of float, above 0  Sampling temperatures for the generated text.
sample_length = None  # type: int, at least 1  Characters generated per sample.
free_run_steps = None  # type: int, at least 1  Characters continued from the validation text to compare teacher forcing with free running.
prompt = None  # type: str  Text the generated samples start from.
seed = None  # type: int, at least 0  Seed of the models and of the sampling.
device = None  # type: str in {"auto", "cuda", "mps", "cpu"}  "auto" takes CUDA, then MPS, then the CPU.

# %%
settings = notebook_settings()

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
# in between, so a gradient stops at the first step of its chunk. With
# truncation length $T$, the loss at step $t$ of a chunk ($t = 1, \dots, T$)
# reaches back $t - 1$ steps, to the chunk's first input: it keeps the lags
# $m = 0, \dots, t - 1$ of lesson 3, the term of lag $m$ holding $m$ Jacobian
# factors $\partial h_s / \partial h_{s-1}$. The chunk's last step reaches
# back the most, $T - 1$ steps; its first step keeps lag 0 alone.
#
# **Teacher forcing and free running.** In training the input at every step
# is the *true* previous character, whatever the model predicted there: this
# is **teacher forcing** (Williams & Zipser, 1989), and it is why one forward
# pass over the text gives every step's loss. In generation there is no true
# text: the model's own output is fed back as the next input (**free
# running**). A model trained only on true contexts then reads contexts made
# of its own guesses; the lesson measures how its predictions change.
#
# **Validation loss with its noise.** Every cell trains from `n_seeds` seeds.
# With two or more, its validation loss is the mean over them, with the
# standard error of that mean (`labhelpers.noise.over_seeds`): it counts the
# seed's luck. With one, it is that training's loss, the mean over the
# validation chunks (one row of one batch, up to $T$ characters), with its
# standard error over those chunks (`labhelpers.noise.over_items`, weighted
# by the chunks' characters): it counts the luck of the validation text only,
# not the seed's, and treats neighbouring chunks as independent.
#
# **Reading the answer.** A bidirectional layer's output at step $t$ reads
# the inputs after step $t$ too. Trained to predict $x_{t+1}$ at step $t$, it
# can read $x_{t+1}$ itself; the lesson trains one and measures its loss with
# and without the later characters.
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
#          validation loss of every chunk -> mean and its standard error
# bidirectional model (best cell): each chunk from zeros, teacher forcing
#      validation loss reading the whole chunk, and reading each prefix only
# sample from the best model at several temperatures, with a fixed seed,
#      and from its copies kept before training and after epochs 1, middle, last
# hidden units: r of every unit with a property on training text -> largest |r|;
#      its r on validation text (20 blocks: mean and s.e.) against a random unit's
# ```

# %% [markdown]
# ## Program
#
# ### The record's toy model

# %%
import numpy as np
import torch

from labhelpers.base.runtime import describe_device, seed_everything
from labhelpers.data.chars import CharCodec, shifted_pair

seed_everything(settings.seed)
print(f"device: {describe_device(settings.device)}")
toy = settings.toy_text
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

torch.manual_seed(settings.seed)
toy_model = CharRNN(toy_codec.vocab_size, settings.toy_hidden, "rnn").to(
    settings.device
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
toy_x = torch.as_tensor(toy_input[None, :], device=settings.device)
report_every = max(1, settings.toy_epochs // 5)
for epoch in range(1, settings.toy_epochs + 1):
    toy_loss = run_bptt_epoch(
        toy_model, toy_batches, settings.device, toy_optimizer
    )
    if epoch % report_every == 0 or epoch in (1, settings.toy_epochs):
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
from labhelpers.data.chars import (
    corpus_or_python_docs,
    load_corpus,
    split_text,
    unigram_cross_entropy,
)

corpus_name = corpus_or_python_docs(settings.corpus)
text_corpus = load_corpus(
    corpus_name,
    max_chars=settings.max_chars or None,
    download=corpus_name == "tiny_shakespeare",
)
codec = CharCodec(text_corpus.text)
# a character the corpus lacks stops the lesson here
codec.encode(settings.prompt, name="prompt")
encoded = codec.encode(text_corpus.text)
train_text, val_text = split_text(encoded, settings.train_fraction)
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

train_batches = BPTTBatches(train_text, settings.batch_size, settings.seq_len)
val_batches = BPTTBatches(
    val_text,
    min(settings.batch_size, len(val_text) // (2 * settings.seq_len) or 1),
    settings.seq_len,
)
print(
    f"training: {train_batches.batch_size} streams "
    f"of {train_batches.stream_len:,} characters, "
    f"{len(train_batches)} batches of up to "
    f"{settings.seq_len} steps per epoch"
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
# `clip_grad_norm`, which bounds the size of any one update (lesson 5 shows
# what an exploding gradient does without it).

# %%
from labhelpers.lessons.char_rnn import checkpoint_epochs, fit_with_checkpoints
from labhelpers.models import count_parameters


def model_name(cell, bidirectional=False):
    """A model's name from the settings it was trained with."""
    direction = "bidirectional " if bidirectional else ""
    return f"{direction}{cell.upper()}({settings.hidden_size})"


def new_model(cell):
    """An untrained ``cell`` model of the lesson's sizes."""
    return CharRNN(
        codec.vocab_size,
        settings.hidden_size,
        cell,
        embedding_dim=settings.embedding_dim,
    ).to(settings.device)


def train_cell(cell, model_seed, log_every=1, checkpoints=()):
    """A ``cell`` model trained from ``model_seed``, its history, and its
    weights after each epoch of ``checkpoints`` (0: before training)."""
    torch.manual_seed(model_seed)
    model = new_model(cell)
    history, weights = fit_with_checkpoints(
        model,
        torch.optim.Adam(model.parameters(), lr=settings.learning_rate),
        train_batches,
        val_batches,
        epochs=settings.epochs,
        checkpoints=checkpoints,
        device=settings.device,
        clip_grad_norm=settings.clip_grad_norm,
        log_every=log_every,
    )
    return model, history, weights


# the first seed's weights before training, after the first, the middle
# and the last epoch: the samples along training come from them
checkpoints = checkpoint_epochs(settings.epochs)
char_models, char_histories, char_weights, seed_val_losses = {}, {}, {}, {}
for cell in settings.cells:
    char_models[cell], char_histories[cell], char_weights[cell] = train_cell(
        cell, settings.seed, checkpoints=checkpoints
    )
    print(
        f"{model_name(cell)}, seed {settings.seed}: "
        f"{count_parameters(char_models[cell]):,} parameters"
    )
    seed_val_losses[cell] = [char_histories[cell]["val_loss"][-1]]
    for extra in range(1, settings.n_seeds):
        print(f"{model_name(cell)}, seed {settings.seed + extra}:")
        _, history, _ = train_cell(
            cell, settings.seed + extra, settings.epochs
        )
        seed_val_losses[cell].append(history["val_loss"][-1])

# %% [markdown]
# ## Observation
#
# Loss (nats per character) and perplexity per epoch:

# %%
import pandas as pd
from IPython.display import Markdown, display

per_epoch = pd.concat(
    {
        model_name(cell): pd.DataFrame(
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

from labhelpers.lessons.char_rnn import plot_char_histories

plot_char_histories(
    {model_name(cell): history for cell, history in char_histories.items()},
    unigram_perplexity,
)
plt.show()

# %% [markdown]
# Each cell's final validation loss with its standard error
# (`validation_loss`): with `n_seeds` of 2 or more, the mean over the seeds
# and its standard error over them; with one seed, the loss of that
# training and its standard error over the validation chunks (`chunk_losses`
# scores every chunk with the state carried as in training; their mean per
# character is the loss above). The other columns are the first seed's.

# %%
from labhelpers import noise
from labhelpers.lessons.char_rnn import chunk_losses, validation_loss

chunks = {
    cell: chunk_losses(char_models[cell], val_batches) for cell in char_models
}
val_losses = {
    cell: validation_loss(seed_val_losses[cell], chunks[cell])
    for cell in char_models
}
summary = pd.DataFrame(
    {
        model_name(cell): {
            "parameters": count_parameters(char_models[cell]),
            "validation loss": val_losses[cell].value,
            "±": val_losses[cell].se,
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
print(f"±: {next(iter(val_losses.values())).source}")
summary.drop(columns="seconds per epoch").round(3)

# %% [markdown]
# Against the model with the lowest validation loss (a difference under two
# standard errors reads "within noise"):

# %%
best_cell = min(val_losses, key=lambda cell: val_losses[cell].value)
cell_comparisons = [
    noise.compare(
        f"The {model_name(best_cell)}",
        val_losses[best_cell],
        f"the {model_name(cell)}",
        val_losses[cell],
        percent=False,
        higher_is_better=False,
    )
    for cell in val_losses
    if cell != best_cell
]
display(
    Markdown(
        " ".join(cell_comparisons) or "One cell only: nothing to compare."
    )
)
noise.comparison_table(
    {model_name(cell): loss for cell, loss in val_losses.items()},
    reference=model_name(best_cell),
    percent=False,
    higher_is_better=False,
).round(4)

# %% [markdown]
# ### Teacher forcing against free running
#
# `run_bptt_epoch` trains with teacher forcing: the batch's input is the text
# and its target the same text shifted by one, so every step reads the true
# previous character. The model of the cell with the lowest validation loss,
# trained from `seed`, now continues the validation text from 64 places. Each reads the
# `seq_len` true characters before its place, then predicts the next
# `free_run_steps` characters: once with teacher forcing (each prediction
# reads the true characters before it) and once free running (each reads the
# model's own greedy guesses, the argmax, fed back). Step 1 reads the same
# true context in both. `continuation_errors`:

# %%
from labhelpers.lessons.char_rnn import continuation_errors

best_model = char_models[best_cell].eval()
k_steps = settings.free_run_steps
forcing = continuation_errors(
    best_model,
    val_text,
    settings.seq_len,
    k_steps,
    starts=64,
    seed=settings.seed,
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
from labhelpers.lessons.char_rnn import plot_continuation_errors

plot_continuation_errors(forcing, model_name(best_cell))
plt.show()

# %%
from IPython.display import Markdown, display

teacher_mean = float(forcing.teacher_error.mean())
free_mean = float(forcing.free_error.mean())
display(
    Markdown(
        f"Over {k_steps} steps from 64 places of the validation text, the "
        f"{model_name(best_cell)} predicted a wrong character "
        f"{teacher_mean:.1%} of the time with teacher forcing and "
        f"{free_mean:.1%} free "
        f"running (step 1: {forcing.teacher_error[0]:.1%} in both; step "
        f"{k_steps}: {forcing.teacher_error[-1]:.1%} against "
        f"{forcing.free_error[-1]:.1%}). The mean loss of the true character "
        f"was {forcing.teacher_loss.mean():.3f} nats with teacher forcing "
        f"and {forcing.free_loss.mean():.3f} free running. The validation "
        f"loss of the table above is the teacher-forced one."
    )
)

# %% [markdown]
# What the free-running numbers measure: a greedy character counts as wrong
# whenever it differs from the validation text, the one continuation that
# text took. Once a guess differs, the free-running context and the text part
# ways, and later characters are scored against a continuation the model is
# no longer writing, however plausible its own. So the gap between the two
# columns measures divergence from one reference continuation as well as the
# cost of reading its own guesses; this run does not separate the two.
#
# ### A per-step bidirectional model: the leak
#
# Generation can only run free: the next character does not exist until the
# model has chosen it. A **bidirectional** layer (Schuster & Paliwal, 1997;
# lesson 13 draws one) runs a second recurrent layer from the end of the
# sequence to its start and joins both directions' states at every step: at
# step $t$ the backward direction has read $x_t, \dots, x_T$, so it has read
# $x_{t+1}$, the very character step $t$ is trained to predict.
#
# `BidirectionalCharRNN` (the cell with the lowest validation loss, the same
# width and embedding, each chunk read from zeros in both directions) trains
# for `bidirectional_epochs` epoch(s) with teacher forcing on the same
# batches. Its validation loss is then measured twice with the same weights:
# reading every whole chunk, as in training ("whole chunk"), and reading only
# the characters up to step $t$ ("up to step t": `past_only_losses` reads
# every prefix of a chunk from zeros and scores its last step, all that
# generation can read). The reference is the unidirectional model of the same
# cell trained from `seed`, on the same chunks; every ± is over the
# validation chunks.

# %%
from labhelpers.lessons.char_rnn import leak_sentences, past_only_losses
from labhelpers.models import BidirectionalCharRNN
from labhelpers.training import fit_char_model

torch.manual_seed(settings.seed)
bidirectional = BidirectionalCharRNN(
    codec.vocab_size,
    settings.hidden_size,
    best_cell,
    embedding_dim=settings.embedding_dim,
).to(settings.device)
print(
    f"{model_name(best_cell, bidirectional=True)}: "
    f"{count_parameters(bidirectional):,} parameters"
)
bidirectional_history = fit_char_model(
    bidirectional,
    torch.optim.Adam(bidirectional.parameters(), lr=settings.learning_rate),
    train_batches,
    val_batches,
    epochs=settings.bidirectional_epochs,
    device=settings.device,
    clip_grad_norm=settings.clip_grad_norm,
)
leak_losses = {
    "whole chunk": chunk_losses(bidirectional, val_batches).measured(),
    "up to step t": past_only_losses(bidirectional, val_batches).measured(),
}
leak_table = noise.comparison_table(
    {
        f"{model_name(best_cell)}, seed {settings.seed}": chunks[
            best_cell
        ].measured(),
        **{
            f"{model_name(best_cell, bidirectional=True)}, {reads}": loss
            for reads, loss in leak_losses.items()
        },
    },
    reference=f"{model_name(best_cell)}, seed {settings.seed}",
    percent=False,
    higher_is_better=False,
)
leak_text = leak_sentences(
    f"the {model_name(best_cell, bidirectional=True)}",
    leak_losses["whole chunk"],
    leak_losses["up to step t"],
    f"the unidirectional {model_name(best_cell)}",
    chunks[best_cell].measured(),
)
display(Markdown(leak_text))
leak_table.round(4)

# %% [markdown]
# Sampled at temperature 1 from `prompt`, re-reading the whole text so far at
# every step (its backward direction has nothing later to read):

# %%
from labhelpers.lessons.char_rnn import generate_text

print(
    generate_text(
        bidirectional,
        codec,
        settings.prompt,
        settings.sample_length,
        temperature=1.0,
        seed=settings.seed,
    )
)

# %% [markdown]
# **Where a bidirectional layer may be used.** An output that must not depend
# on later inputs cannot come from a bidirectional layer: per-step prediction
# (this lesson's next character), generation (the later inputs do not exist
# yet) and streaming (they have not arrived). A model that reads a finished
# window and outputs once after it may read that window both ways: a
# bidirectional encoder of lesson 11's past window reads only the past and
# forecasts the value after it.
#
# ### Generated text
#
# From the unidirectional model that continued the validation text above,
# starting from `prompt`,
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
        torch.as_tensor(codec.encode(settings.prompt), device=settings.device)[
            None, :
        ]
    )
samples, spreads = {}, {}
for temperature in settings.temperatures:
    spread = entropy(
        temperature_softmax(prompt_logits[0, -1].cpu(), temperature)
    ).item()
    spreads[temperature] = spread
    samples[temperature] = generate_text(
        best_model,
        codec,
        settings.prompt,
        settings.sample_length,
        temperature=temperature,
        seed=settings.seed,
    )
    print(
        f"--- {model_name(best_cell)}, temperature {temperature:g} "
        f"(entropy of the first draw {spread:.3f} nats)"
    )
    print(samples[temperature])

# %% [markdown]
# ### The text as training goes on
#
# The model of the cell with the lowest validation loss, trained from `seed`,
# was kept before training (epoch 0, random weights) and after its first,
# middle and last epochs
# (`fit_with_checkpoints`: the same training, one epoch at a time). Each copy
# continues `prompt` with the same seed, at the lowest of `temperatures`.
# Beside each sample: its validation loss at that epoch, and how many of its
# words (runs of letters) occur in the training text.

# %%
from labhelpers.lessons.char_rnn import known_word_share, words_of

training_words = words_of(text_corpus.text[: len(train_text)])
along_temperature = min(settings.temperatures)
along = {}
for epoch, weights in char_weights[best_cell].items():
    snapshot = new_model(best_cell)
    snapshot.load_state_dict(weights)
    sample = generate_text(
        snapshot,
        codec,
        settings.prompt,
        settings.sample_length,
        temperature=along_temperature,
        seed=settings.seed,
    )
    continuation = sample[len(settings.prompt) :]
    known, total = known_word_share(continuation, training_words)
    along[epoch] = (sample, known, total)
    val_loss = char_histories[best_cell]["val_loss"][epoch - 1]
    loss = f"validation loss {val_loss:.3f}" if epoch else "random weights"
    print(
        f"--- {model_name(best_cell)}, seed {settings.seed}, "
        f"after epoch {epoch} "
        f"({loss}; {known} of {total} words in the training text)"
    )
    print(sample)

# %% [markdown]
# ### Hidden units you can watch
#
# Each of the model's hidden units is one number per character: its state
# $h_t$ after reading $x_t$. Some units have been found to follow a property
# of the text, such as being inside quotes (Karpathy, 2015). This lesson looks
# for such units by measurement: for each of three properties of the text read
# so far (an odd number of `"` since the start of the line; how many
# characters since the last space or new line; whether the character just
# read is a space), it takes the unit whose activation correlates most with it (Pearson
# r, largest in size) over the start of the training text, then measures that
# unit's r on the validation text, in the direction found on the training
# text, against a unit drawn at random. The maximum of many correlations is
# high partly by luck, so the choice is made on one text and measured on
# another. Neighbouring characters are far from independent, so the held-out
# r is measured in 20 blocks of the validation text, with its standard error
# over them (`find_unit`, `block_correlation`).

# %%
from labhelpers.lessons.char_rnn import (
    TEXT_PROPERTIES,
    find_unit,
    hidden_states,
    text_properties,
    unit_sentence,
)

# 16 streams read side by side, each from zeros
chosen_on, n_chosen = hidden_states(
    best_model, train_text[: 2 * len(val_text)], streams=16
)
held_out, n_held = hidden_states(best_model, val_text, streams=16)
properties = text_properties(text_corpus.text)
findings = {
    name: find_unit(
        name,
        chosen_on,
        properties[name][:n_chosen],
        held_out,
        properties[name][len(train_text) : len(train_text) + n_held],
        blocks=20,
        seed=settings.seed,
    )
    for name in TEXT_PROPERTIES
}
print(
    f"{model_name(best_cell)}, seed {settings.seed}: "
    f"{chosen_on.shape[1]} units; "
    f"chosen on {n_chosen:,} training characters, measured on "
    f"{n_held:,} validation characters"
)
display(Markdown("\n\n".join(unit_sentence(f) for f in findings.values())))
pd.DataFrame(
    {
        name: {
            "unit": f.unit,
            "r (training)": f.train_r,
            "r (held out)": getattr(f.held_out, "value", np.nan),
            "±": getattr(f.held_out, "se", np.nan),
            "random unit": f.random_unit,
            "its r (held out)": getattr(f.random_held_out, "value", np.nan),
            "its ±": getattr(f.random_held_out, "se", np.nan),
        }
        for name, f in findings.items()
    }
).T.astype({"unit": int, "random unit": int}).round(3)

# %% [markdown]
# The units over a passage of the validation text that holds its first
# quote, coloured character by character (red: positive, blue: negative;
# `·` is a space, `¶` a new line):

# %%
from labhelpers.lessons.char_rnn import passage_around
from labhelpers.plots import plot_unit_activations

val_string = text_corpus.text[len(train_text) : len(train_text) + n_held]
start = passage_around(val_string, '"', length=160, before=40)
passage = val_string[start : start + 160]
shown_units = {
    f"unit {f.unit}, most correlated with {name!r} "
    f"(r = {f.train_r:+.2f} on training text)": held_out[
        start : start + len(passage), f.unit
    ]
    for name, f in findings.items()
}
random_unit = findings[TEXT_PROPERTIES[0]].random_unit
shown_units[f"unit {random_unit}, drawn at random"] = held_out[
    start : start + len(passage), random_unit
]
plot_unit_activations(
    passage,
    shown_units,
    width=80,
    title=f"{model_name(best_cell)}: hidden units over the validation text",
)
plt.show()

# %% [markdown]
# ## Result

# %%
from IPython.display import Markdown, display

from labhelpers.report import report_result

comparison = ", ".join(
    f"{model_name(cell)} {history['val_perplexity'][-1]:.2f}"
    for cell, history in char_histories.items()
)
best_perplexity = char_histories[best_cell]["val_perplexity"][-1]
verdict = "below" if best_perplexity < unigram_perplexity else "not below"
uniform_verdict = (
    "below" if best_perplexity < codec.vocab_size else "not below"
)
sentence = (
    f"The toy RNN({settings.toy_hidden}) predicted {toy_correct:.0%} of "
    f"the next characters of {toy!r} after {settings.toy_epochs} "
    f"epochs. On the {corpus_name} corpus ({len(text_corpus):,} "
    f"characters, vocabulary {codec.vocab_size}), after "
    f"{settings.epochs} epoch(s) of truncated BPTT "
    f"({settings.seq_len} steps) the validation perplexities of the "
    f"models trained from seed {settings.seed} were {comparison}; the "
    f"{model_name(best_cell)}'s (the cell with the lowest validation loss) "
    f"is {verdict} the {unigram_perplexity:.2f} of a model "
    f"without context and {uniform_verdict} the "
    f"{codec.vocab_size} of uniform guessing.\n\n"
    + " ".join(cell_comparisons)
    + " "
    + leak_text
)
report_result(
    sentence,
    settings,
    title="E5 character-level RNN",
    data=f"{text_corpus.source}; {len(text_corpus)} characters",
    metrics={
        "toy_accuracy": toy_correct,
        "unigram_val_perplexity": unigram_perplexity,
        **{
            f"{cell}_val_perplexity": history["val_perplexity"][-1]
            for cell, history in char_histories.items()
        },
        **{f"{cell}_val_loss": val_losses[cell].value for cell in val_losses},
        **{f"{cell}_val_loss_se": val_losses[cell].se for cell in val_losses},
        "bidirectional_val_loss_teacher_forced": leak_losses[
            "whole chunk"
        ].value,
        "bidirectional_val_loss_past_only": leak_losses["up to step t"].value,
        **{
            f"{cell}_seconds_per_epoch": float(np.mean(history["seconds"]))
            for cell, history in char_histories.items()
        },
    },
    model=(
        f"character-level {model_name(best_cell)}, embedding "
        f"{settings.embedding_dim}, truncated BPTT over "
        f"{settings.seq_len} steps (lowest validation loss of "
        f"{', '.join(cell.upper() for cell in settings.cells)})"
    ),
    headline=f"{best_cell}_val_perplexity",
)

# %% [markdown]
# ## Questions
#
# 1. For the text "hello world", what are the input and the target of the toy
#    model, and how long is each?
# 2. What is perplexity, and what are the two bars the lesson sets beside the
#    models' perplexities? Where does the model with the lowest validation
#    loss stand? Are the cells' differences above the noise?
# 3. In truncated BPTT, what does `run_bptt_epoch` carry from batch to batch,
#    and what does it cut? How many steps back does the gradient of the loss
#    at step $t$ of a batch reach, and at most?
# 4. What is teacher forcing, and where in this lesson is it used? What is
#    free running?
# 5. At step 1 teacher forcing and free running score the same. Why? How far
#    apart are they after `free_run_steps` steps in this run?
# 6. What does the temperature do to the entropy of the next-character
#    distribution? Give the run's entropies.
# 7. Why are gradient norms clipped when training on the corpus?
# 8. The per-step bidirectional model's teacher-forced validation loss is
#    compared with the unidirectional model's and with its own loss reading
#    only up to step $t$. What does its backward direction read at step $t$?
#    Why can it not generate text that way, and where may a bidirectional
#    layer be used?
# 9. The free-running error compares the greedy continuation with the
#    validation text. Besides reading its own guesses, what makes it grow?
# 10. How did the samples taken along the training change from random weights
#     to the last epoch? Give the run's validation losses and shares of
#     words found in the training text.
# 11. Which unit correlates most with being inside quotes on the training
#     text, and how strong is its correlation on held-out text against a
#     random unit's? Is the difference above the noise? Why is the unit
#     chosen on one text and measured on another?
# 12. Between two chunks of truncated BPTT the hidden state is carried over
#     but detached. What would go wrong without the detach, and what would go
#     wrong if the state were reset to zeros instead?
# 13. Weight tying uses the embedding table $E$ as the output layer's $W_g$.
#     What shapes must match, and what would it save in this character model?
#     Why does it matter far more in a word model?
# 14. The unigram model's validation perplexity is a number of characters.
#     What does it mean, and why is it below the vocabulary size?
# 15. What does sampling become as $\tau \to 0$, and as $\tau \to \infty$? Does
#     the temperature change which character is the most likely?
# 16. A unit's activation can correlate strongly with a property of the text
#     without the model using that unit for its predictions. How? What
#     measurement would show whether the model uses it?
#
# **Try this**
#
# - `-p seq_len 20`: the loss at step $t$ of a chunk now reaches back at most
#   19 steps. What happens to the validation perplexity?
# - `-p bidirectional_epochs 3`: what happens to the bidirectional model's
#   two losses?
# - `-p hidden_size 256 -p epochs 12`: a larger, longer-trained model; does
#   the gap between teacher forcing and free running shrink?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. The input is the text without its last character, "hello worl", the
#    target the text without its first, "ello world": 10 characters each; at
#    every step the target is the character that follows the input.
# 2. $e^{L}$ with $L$ the mean cross-entropy in nats: the number of
#    characters the model is as unsure between as if it chose uniformly among
#    them. The bars: the unigram model (character frequencies, no context)
#    and uniform guessing (the vocabulary size). The run's numbers and the
#    cells' comparisons, each with its standard error, are in the next cell.
# 3. It carries the hidden state, so row $b$ of a batch continues row $b$ of
#    the one before, and detaches it, so the gradient stops at the batch
#    boundary. The loss at step $t$ of a batch reaches back $t - 1$ steps, to
#    the batch's first input (lesson 3's lags $0, \dots, t - 1$); at most
#    `seq_len` $- 1$ steps, from the batch's last step; its first step keeps
#    lag 0 alone.
# 4. Teacher forcing (Williams & Zipser, 1989): in training each step's input
#    is the true previous character (the batch's input is the text, its
#    target the text shifted by one), whatever the model predicted. Free
#    running: the model's own output is fed back as its next input, as
#    `generate_text` does.
# 5. Step 1 reads the same true context in both modes. After it, a wrong
#    free-running guess becomes part of the context, a context the model
#    never read in training. The run's numbers are in the next cell.
# 6. Dividing the logits by $\tau < 1$ sharpens the distribution (lower
#    entropy); $\tau > 1$ flattens it (higher entropy, at most
#    $\log(\text{vocabulary})$).
# 7. A single step's gradient can be very large (lesson 5's exploding
#    gradients); clipping its norm bounds the size of one update.
# 8. At step $t$ its backward direction has read $x_t, \dots, x_T$, which
#    holds $x_{t+1}$, the character it is trained to predict: with teacher
#    forcing it can copy the answer, so its loss is too good. When
#    generating, $x_{t+1}$ does not exist yet: reading only up to step $t$
#    measures what it can do then. Per-step prediction, generation and
#    streaming must not read later inputs; a bidirectional encoder of a
#    finished window that outputs once after it (lesson 11) reads only the
#    past and may be used. The run's verdicts are in the next cell.
# 9. A greedy character counts as wrong whenever it differs from the one
#    continuation the validation text took. Once the continuation parts
#    from the text, later characters are scored against text the model is no
#    longer continuing, however plausible its own: the error also measures
#    divergence from one reference, not only the cost of reading its own
#    guesses.
# 10. Before training the output layer's weights are small and random, so
#     the scores of all characters are close: the sample is a jumble of
#     letters, digits and symbols with no regard for how often each occurs
#     in the text. The run's losses and shares of words found in the
#     training text, epoch by epoch, are in the next cell.
# 11. The run's unit and figures are in the next cell. Among many units the
#     largest of their correlations is large partly by luck (like the best of
#     many models on a validation set), so it is measured on text that played
#     no part in choosing it; a random unit measured the same way is the bar.
# 12. Without the detach, the next chunk's backward pass would run into the
#     graph of every chunk before it: the graph grows with the text read,
#     memory and time per step grow with it, and PyTorch refuses to
#     backpropagate a second time through a graph it has already freed. With
#     the state reset to zeros, the gradient would still stop at the chunk's
#     start, but the forward pass of every chunk would start without its
#     context: its first characters would be predicted from nothing, and
#     the model would never learn to use more than one chunk of the past.
# 13. $E$ is vocabulary $\times$ embedding and $W_g$ vocabulary $\times$
#     hidden, so tying needs the embedding size equal to the hidden size (or
#     a projection between them). It shares one table between input and
#     output (Press & Wolf, 2017), and saves one table of vocabulary
#     $\times$ hidden parameters (the run's count and share are in the next
#     cell). A character vocabulary has a few dozen rows; a word vocabulary
#     has tens of thousands, and each table then often holds more parameters
#     than the recurrent layer.
# 14. It is $e^{H}$, with $H$ the cross-entropy of the validation text under
#     the training text's character frequencies: a model that knows only
#     how often each character occurs is as unsure as if it chose uniformly
#     among that many characters. It is below the vocabulary size because
#     the frequencies are uneven (spaces and `e` are common, `X` is rare);
#     uniform guessing scores the vocabulary size.
# 15. As $\tau \to 0$ all the probability goes to the most likely
#     character: greedy decoding, deterministic and prone to loops. As
#     $\tau \to \infty$ the distribution becomes uniform over the vocabulary.
#     Dividing every score by the same $\tau > 0$ keeps their order, so the
#     most likely character stays the same.
# 16. A correlation says that the unit and the property move together, not
#     that the output layer reads the unit: its column of $W_g$ may be small,
#     other units may carry the same information, or the unit may follow
#     something else that goes with the property (a unit that reacts to a
#     space correlates with "letters into the word" too). Setting the unit to
#     a constant (ablation) and measuring the change of the loss, on the
#     characters where the property matters, tests whether the model uses it.
#
# </details>

# %%
# The numeric answers, from this run (collapsed until clicked).
from labhelpers.report import answers

output_weights = codec.vocab_size * settings.hidden_size
best_parameters = count_parameters(best_model)
answer_lines = [
    f"1: this run's toy text gives input {toy_codec.decode(toy_input)!r}, "
    f"target {toy_codec.decode(toy_target)!r}.",
    f"2: the {model_name(best_cell)} (seed {settings.seed}) reaches "
    "validation "
    f"perplexity {best_perplexity:.2f}; the unigram model "
    f"{unigram_perplexity:.2f}, "
    f"uniform guessing {codec.vocab_size}. "
    + (" ".join(cell_comparisons) or "One cell only: nothing to compare."),
    f"3: with seq_len = {settings.seq_len}, at most "
    f"{settings.seq_len - 1} steps back.",
    f"5: wrong characters at step 1: {forcing.teacher_error[0]:.1%} in both; "
    f"at step {k_steps}: {forcing.teacher_error[-1]:.1%} with teacher "
    f"forcing, {forcing.free_error[-1]:.1%} free running.",
    "6: entropy of the first draw: "
    + ", ".join(
        f"{spread:.3f} nats at $\\tau = {temperature:g}$"
        for temperature, spread in spreads.items()
    )
    + f"; the uniform maximum is {np.log(codec.vocab_size):.3f}.",
    "8: " + leak_text,
    "10: "
    + "; ".join(
        f"epoch {epoch} ("
        + (
            f"validation loss "
            f"{char_histories[best_cell]['val_loss'][epoch - 1]:.3f}"
            if epoch
            else "random weights"
        )
        + f"): {known} of {total} words in the training text"
        for epoch, (_, known, total) in along.items()
    )
    + ".",
    "11: " + unit_sentence(findings["inside quotes"]),
    f"13: the {model_name(best_cell)}'s output weights $W_g$ hold "
    f"{codec.vocab_size} x {settings.hidden_size} = {output_weights:,} "
    f"of its {best_parameters:,} parameters "
    f"({output_weights / best_parameters:.0%}); its embedding is "
    f"{settings.embedding_dim} wide.",
    f"14: the unigram model's validation perplexity is "
    f"{unigram_perplexity:.2f}, against {codec.vocab_size} characters in "
    "the vocabulary.",
]
display(Markdown(answers(answer_lines)))


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
