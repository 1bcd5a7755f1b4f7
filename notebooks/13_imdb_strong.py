# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 13: a strong recurrent model on IMDB, step by step
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/13_imdb_strong.ipynb)
#
# Beyond the lab records: lesson 7's model (lab record 000, experiment E1) made strong, step by
# step, on the official 25k/25k split, and set beside a bag-of-words baseline.

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

# %% [markdown]
# ## Aim
#
# The lab records' recurrent models reach 68-75% (vanilla RNN) and 83.5%
# (LSTM) on IMDB. The baseline below measures a linear model on word and
# word-pair counts on the same data. Find out which changes move a recurrent
# model from the first number towards the linear model's, measure each one
# with its noise, and set the best recurrent model beside the linear one.
#
# ## Objectives
#
# - compute the TF-IDF + logistic regression baseline on the same data;
# - start from lesson 7's model (a tanh RNN read at its last step, reviews padded in
#   front to 200 words) and change it step by step: padding that never
#   reaches a real word, pooling over every hidden state, a second direction,
#   gradient clipping, more words and longer reviews, width and dropout, word
#   vectors, then GRU and LSTM cells (the table lists every setting each step
#   changes);
# - for every step: test accuracy with its standard error, the difference from
#   the step it changes, seconds per epoch, words per second, parameters, in
#   tables and one chart;
# - measure the speed tricks (length buckets, masking against packed
#   sequences, threads) instead of assuming them.
#
# ## Parameters
#
# `lab` trains every step on all 22,500 training reviews (2,500 more are the
# validation part) and tests on all 25,000 test reviews. `quick` trains on
# 2,500 reviews and tests on 2,000, 2 epochs a step and at most 400 words a
# review, for the book build; `smoke` runs tiny models on generated reviews.
# Without IMDB every profile runs on the generated reviews
# (`labhelpers.data.reviews`: several cue sentences anywhere in a review,
# some negated, some reviews mixed, common and rare sentiment words), where a
# model read at its last state misses the cues far from the end, as on IMDB;
# the data line says what they hold. The book's page *How long
# each lesson takes* gives the time each profile took on a 2-core CPU.
#
# Pick a profile with `profile`; leave a parameter at `None` to take the
# profile's value (`lab`, `quick` and `smoke` are all in
# `labhelpers/lesson_settings.toml`), or set it to override; the cell after the
# parameters shows the values this run uses. With papermill:
# `papermill 13_imdb_strong.ipynb out.ipynb -p profile lab`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab" (full data).
data = None  # type: str in {"imdb", "synthetic", "auto"}  "imdb", "synthetic" (generated reviews) or "auto" (IMDB when it is found, else the generated reviews, said so in the output).
data_path = None  # type: str  The IMDB CSV or its folder; empty: $LABHELPERS_DATA_DIR, then kagglehub's cache.
n_train = None  # type: int, at least 0  Training reviews (validation ones not counted), drawn from the official training half; 0 uses all.
n_test = None  # type: int, at least 0  Test reviews, drawn from the official test half; 0 uses all 25000.
n_val = None  # type: int, at least 1  Validation reviews carved from the training half (chooses each model's best epoch).
n_synthetic = None  # type: int, at least 1  Number of generated reviews when the generated corpus is used.
epochs = None  # type: int, at least 0  Passes over the training reviews for every step; 0 keeps each step's own number.
max_units = None  # type: int, at least 1  Cap on embedding and hidden sizes (the steps use 64 and 128).
num_words = None  # type: int, at least 4  Cap on the vocabulary (the steps use 10000 and 30000).
maxlen = None  # type: int, at least 1  Cap on words per review (the steps use 200 and 800).
w2v_epochs = None  # type: int, at least 1  Cap on word2vec passes for the steps that use word vectors.
speed_batches = None  # type: int, at least 1  Training batches timed per setting in the speed section.
threads = None  # type: int, at least 0  CPU threads for torch while training; 0 keeps torch's default.
seed = None  # type: int, at least 0  Seed of the subsets, the word vectors and the models.
device = None  # type: str in {"auto", "cuda", "mps", "cpu"}  "auto" takes CUDA, then MPS, then the CPU.

# %%
settings = notebook_settings()

# %% [markdown]
# ## Algorithm
#
# Every model is an embedding, a recurrent layer and one output logit. What
# changes is how the recurrent layer is read and fed:
#
# - **Last state (lesson 7).** $g = W_g h_T + b_g$ ($W_g$ has one row: one
#   logit). The word at position $t$ reaches the output only through the
#   product $\prod_{k=t+1}^{T} \partial h_k / \partial h_{k-1}$, which shrinks
#   geometrically with $T - t$ when its factors have norms below 1 (lesson 5):
#   over 200 steps the start of a review can then be out of reach.
# - **Padding.** The record pads in front and cuts at 200 words. Here reviews
#   are padded at the end and batched with reviews of similar length; no padded
#   step is ever read, so padding adds neither computation noise nor gradient.
# - **Pooling over time.** $g = W_g [\max_t h_t; \frac{1}{T}\sum_t h_t] + b_g$
#   (element-wise max and mean over the review's words). Every $h_t$ is one
#   step from the output, but the two halves pass the gradient differently:
#   the mean gives every step $1/T$ of it, the max gives each unit's gradient
#   only to the step where that unit peaks, and none to the other steps. The
#   run measures which words each read-out reaches in one step (the table
#   *Which words the logit reaches in one step* below).
# - **Bidirectional** (Schuster & Paliwal, 1997). A second RNN reads each review
#   backwards; $h_t = [\overrightarrow{h}_t; \overleftarrow{h}_t]$ sees both sides
#   of word $t$ (the figure below).
# - **Dropout** zeroes each input of a layer with probability $p$ while
#   training (here on the embeddings and before the output layer, a fresh draw
#   at every step), not on the recurrent connections. Gal & Ghahramani (2016)
#   show how to drop those too: one mask per sequence, the same at every step.
# - **GRU and LSTM** gate the state update. The GRU, written as on the
#   [notation page](https://github.com/rnn-lab-book/rnn-lab-book/blob/main/book/theory.md)
#   (PyTorch's convention), keeps
#   $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$, with update gate $z_t$ and
#   candidate state $n_t$: where $z_t$ is near 1 the old state is copied
#   forward, and the gradient along that path is multiplied by $z_t$ instead
#   of by $\mathrm{diag}(1 - h_t^2) W_{hh}$. The LSTM's cell state
#   $c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$ does the same through its
#   forget gate $f_t$. PyTorch's `nn.GRU` and Keras's `GRU` both compute this
#   form (they order the gates differently in their weights: see the page);
#   some texts swap the roles, $h_t = (1 - z_t) \odot h_{t-1} + z_t \odot n_t$,
#   so that there a gate near 1 takes the new state.
#
# ```text
# baseline: TF-IDF of words and word pairs -> logistic regression; test accuracy
# tokenize on the training reviews (num_words words, the first maxlen words of each review)
# carve a validation part from the training reviews: whole movies, as the test half has
# for step in (E1 record, masked, pooling, bidirectional, clipping, longer, wider + dropout, word2vec, GRU, LSTM):
#     model = step's model, trained from scratch with Adam and BCEWithLogitsLoss
#     keep the epoch with the best validation accuracy; test accuracy on the test reviews
#     seconds per epoch, words per second, parameters
# ```

# %% [markdown]
# ### Bidirectional layers, and which outputs must not use them
#
# The forward states carry $x_1, \dots, x_t$ to the output $g_t$ at step $t$,
# the backward states $x_t, \dots, x_T$, so every output has read the whole
# sequence (Schuster & Paliwal, 1997). The figure marks every input $g_2$
# reads: $x_1, x_2$ in blue, and in red $x_3, x_4$, the inputs after step 2.

# %%
import matplotlib.pyplot as plt

from labhelpers.plots import plot_bidirectional_rnn

plot_bidirectional_rnn(steps=4, focus=2)
plt.show()

# %% [markdown]
# A review is complete before it is classified, so reading it in both
# directions takes nothing the model should not have. The same holds for any
# model that reads a finished window and gives one output after it: lesson 11's
# forecaster reads $x_{t-n+1}, \dots, x_t$ and predicts $x_{t+1}$, and a
# bidirectional encoder of that window reads only the past, so it can
# forecast. The restriction is on outputs that must not depend on later
# inputs: a prediction at every step (lesson 12's next character at each
# position), generation, and streaming (an answer due before the sequence
# ends). In per-step prediction and generation the output at step $t$ is a
# guess of $x_{t+1}$, and the backward state at $t$ has read $x_{t+1}$ itself:
# in training the model could copy the answer, and in use $x_{t+1}$ does not
# exist yet; in streaming the later inputs have not arrived when the answer is
# due. Those outputs need a unidirectional (*causal*) RNN.
#
# ## Program
#
# ### Data

# %%
import time

import numpy as np
import pandas as pd
import torch

from labhelpers.base.runtime import describe_device, seed_everything
from labhelpers.data.review_data import load_review_data
from labhelpers.data.reviews import GENERATED_NOTE
from labhelpers.lessons.imdb_strong import (
    RECORD_STEP,
    ablation_steps,
    split_reviews,
)

seed_everything(settings.seed)
if settings.threads:
    torch.set_num_threads(settings.threads)
full = load_review_data(
    settings.data,
    settings.data_path or None,
    split="official",
    clean=True,
    n_synthetic=settings.n_synthetic,
    seed=settings.seed,
)
n_train_wanted = (
    settings.n_train + settings.n_val if settings.n_train else None
)
reviews = full.subset(
    n_train_wanted, settings.n_test or None, seed=settings.seed
)
if not reviews.is_imdb:
    print(GENERATED_NOTE)
print(
    f"device: {describe_device(settings.device)}; "
    f"torch threads: {torch.get_num_threads()}"
)
started = time.perf_counter()
splits = split_reviews(
    reviews,
    num_words=settings.num_words,
    maxlen=settings.maxlen,
    n_val=settings.n_val,
    seed=settings.seed,
    cache=reviews.is_imdb,
)
print(splits.description)
print(f"tokenized in {time.perf_counter() - started:.2f} s")

# %% [markdown]
# The validation part chooses each model's best epoch, so it must behave like
# the test reviews. The official split keeps all the reviews of a movie on
# one side: a test review is about a movie the model never read about. A
# random validation draw would share movies (actors' names, plots) with the
# training part, and a model that memorises them can score higher on it than on
# the test half. So the validation reviews are a block of review numbers (Maas et
# al. number a movie's reviews together): whole movies, like the test half.
# Only the split file records those numbers; without it the line above says
# that validation is a random draw, which may share movies with training.
#
# How long are the reviews? The record cuts every review at 200 words; the
# steps from "more words, longer reviews" on keep the first `maxlen` of this
# profile (the dotted line).

# %%
import matplotlib.pyplot as plt

from labhelpers.data.text import review_lengths
from labhelpers.plots import plot_review_lengths

lengths = review_lengths(
    torch.from_numpy(splits.ids["train"].astype(np.int64))
).numpy()
plot_review_lengths(lengths, settings.maxlen)
plt.show()
print(
    f"median {np.median(lengths):.0f} words, mean {lengths.mean():.0f}, "
    f"90th percentile {np.percentile(lengths, 90):.0f}"
)

# %% [markdown]
# ### The baseline
#
# TF-IDF weights of every word and word pair seen at least twice in the
# training reviews, and a logistic regression on them. It is computed on the
# full data of the split this lesson uses, and, when the lesson trains on all
# the reviews (`n_train=0`, as in `lab`), of the random 80/20 split of lesson
# 5 too; the Results page sets it beside every IMDB result of the same split.
# (`quick` leaves lesson 7's split out: lesson 7 sets its own baseline beside
# its subset, and the full-split one would take half a minute more.)

# %%
from labhelpers.lessons.imdb_strong import tfidf_baseline

baselines = {}
# Without the official split (no split file, no Keras download) only the
# random one is measured.
both = full.split == "official" and not settings.n_train
for split in ("official", "random") if both else (full.split,):
    whole = (
        full
        if split == full.split
        else load_review_data(
            settings.data,
            settings.data_path or None,
            split=split,
            clean=True,
            n_synthetic=settings.n_synthetic,
            seed=settings.seed,
        )
    )
    baselines[split] = tfidf_baseline(
        whole.train["review"],
        whole.train["label"],
        whole.test["review"],
        whole.test["label"],
    )
    print(
        f"{split} split ({len(whole.train)} "
        f"training, {len(whole.test)} test reviews): "
        f"{baselines[split].accuracy:.2%} test accuracy, "
        f"{baselines[split].features} features, "
        f"{baselines[split].seconds:.1f} s"
    )
print(baselines[full.split].description)

# %% [markdown]
# ### Speed: padded steps against PyTorch's packed sequences
#
# The textbook way to skip padding in PyTorch is a packed sequence. On a CPU
# it is slow: PyTorch then runs the input projection step by step instead of
# once for the whole batch. Padding at the end with buckets of similar lengths
# leaves a few percent of padded positions, which are computed but never read
# (masked). Words per second of training on the CPU, one model (the BiRNN of
# the word2vec step), with 1 and 2 torch threads (a timing, so the notebook
# tests do not compare this cell's output). Under the batch runner each
# notebook gets one thread while others share the cores, so only 1 thread is
# timed there: 2 would time the other notebooks.

# %% tags=["nbval-ignore-output"]
import os
from dataclasses import replace

from labhelpers.lessons.imdb_strong import training_throughput


def fit_to_profile(step):
    """A step with the profile's caps applied."""
    units = settings.max_units
    return replace(
        step,
        embedding_dim=min(step.embedding_dim, units),
        hidden_size=min(step.hidden_size, units),
        num_words=min(step.num_words, settings.num_words),
        maxlen=min(step.maxlen, settings.maxlen),
        epochs=settings.epochs or step.epochs,
        word2vec=min(step.word2vec, settings.w2v_epochs),
    )


steps = [fit_to_profile(step) for step in (RECORD_STEP, *ablation_steps())]
# The batch runner sets OMP_NUM_THREADS to the threads each notebook may use.
allowed_threads = int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)
speed_model = next(step for step in steps if step.name == "BiRNN + word2vec")
speed_rows = []
for label, variant in (
    ("length buckets, masked", speed_model),
    (
        "length buckets, packed sequences",
        replace(speed_model, padding="packed"),
    ),
    ("random batches, masked", replace(speed_model, bucket_batches=1)),
):
    for n_threads in range(1, min(2, allowed_threads) + 1):
        speed = training_throughput(
            variant,
            splits,
            batches=settings.speed_batches,
            threads=n_threads,
            seed=settings.seed,
        )
        speed_rows.append(
            {"input": label, "threads": n_threads, "words / s": round(speed)}
        )
speed_table = pd.DataFrame(speed_rows).pivot(
    index="input", columns="threads", values="words / s"
)
speed_table.columns = [
    f"{n} thread{'s' if n > 1 else ''}" for n in speed_table.columns
]
speed_table

# %% [markdown]
# ### The steps
#
# Each row is compared with the row above, except the GRU and LSTM rows,
# which change the cell of the last tanh row. Some rows change several
# settings at once: the column *changes* lists every setting that differs,
# computed from the two rows' settings in this profile, and the column *model*
# describes each model from its own settings. Every model is trained from
# scratch with the same seed; the epoch with the best validation accuracy is
# tested.

# %%
from labhelpers.lessons.imdb_strong import (
    changes_from,
    compared_with,
    describe_step,
    train_step,
)

pd.set_option("display.max_colwidth", None)
rows = []
for step, parent in zip(steps, compared_with(steps)):
    before = None if parent is None else steps[parent]
    rows.append(
        {
            "step": step.name,
            "model": describe_step(step),
            "compared with": "" if before is None else before.name,
            "changes": "" if before is None else changes_from(before, step),
        }
    )
pd.DataFrame(rows).set_index("step")

# %%
results = []
for step in steps:
    print(f"--- {step.name}: {describe_step(step)}")
    results.append(
        train_step(step, splits, seed=settings.seed, device=settings.device)
    )
    print(
        f"test accuracy {results[-1].test_accuracy:.2%}, "
        f"{results[-1].wall_seconds:.2f} s"
    )

# %% [markdown]
# ## Observation
#
# Each test accuracy with its binomial standard error on the test reviews,
# and its difference from the row it changes with the standard error of that
# difference; the verdict is "within noise" under two standard errors
# (`labhelpers.noise`). One seed per row: the binomial error counts the test
# sample's luck, not the seed's, so it is a lower bound on the noise between
# two trainings.

# %%
from IPython.display import Markdown, display

from labhelpers import noise
from labhelpers.lessons.imdb_strong import step_comparisons, step_effects

if not reviews.is_imdb:
    display(
        Markdown(
            "**These runs used generated reviews, "
            f"not IMDB** ({reviews.description}). "
            "Their numbers say how the steps behave on "
            "that corpus, not what they reach on IMDB."
        )
    )
n_test_reviews = len(splits.ids["test"])
comparisons = step_comparisons(steps, results, n_test_reviews)
comparisons.round({"test accuracy (%)": 2, "±": 2})

# %% [markdown]
# Time and size of every step (timings, so the notebook tests do not compare
# this table; the accuracies are compared in the table above).

# %% tags=["nbval-ignore-output"]
table = pd.DataFrame([r.row() for r in results]).set_index("model")
table = table.drop(columns=["change", "test accuracy"])
table.insert(0, "test accuracy (%)", comparisons["test accuracy (%)"])
table.insert(1, "±", comparisons["±"])
table["x record wall"] = (
    table["wall s"] / table.loc[RECORD_STEP.name, "wall s"]
)
table.round(
    {
        "test accuracy (%)": 2,
        "±": 2,
        "validation accuracy": 4,
        "s / epoch": 1,
        "tokens / s": 0,
        "wall s": 0,
        "x record wall": 2,
    }
)

# %% [markdown]
# ### Which words the logit reaches in one step
#
# On the first batch of validation reviews, with each model's tested weights:
# the share of the words whose hidden state gets a nonzero gradient from the
# logit through the read-out alone (not through the recurrence), and the
# share of words where at least one unit of the state has its maximum over
# the review, the only words max pooling passes a gradient to. (The record's
# model, a different class, is left out.)

# %%
reach = pd.DataFrame(
    [
        {
            "model": r.name,
            "read-out": r.config["pooling"],
            "words reached (%)": r.direct_gradient["words"],
            "(word, unit) pairs reached (%)": r.direct_gradient["pairs"],
            "words at a unit's maximum (%)": r.direct_gradient["max_words"],
        }
        for r in results
        if r.direct_gradient is not None
    ]
).set_index("model")
(reach.select_dtypes("number") * 100).round(2).join(reach["read-out"])

# %%
from labhelpers.plots import plot_steps_against_baseline

by_name = {r.name: r for r in results}
plot_steps_against_baseline(
    table.index,
    table["test accuracy (%)"],
    table["±"],
    table["s / epoch"],
    kinds=[
        "record"
        if name == RECORD_STEP.name
        else "rnn"
        if by_name[name].config["cell"] == "rnn"
        else "gated"
        for name in table.index
    ],
    baseline=baselines[full.split].accuracy,
)
plt.show()

# %%
record = by_name[RECORD_STEP.name]
step_of = {step.name: step for step in steps}
# Chosen by validation accuracy, never by test accuracy.
vanilla = max(
    (r for r in results[1:] if r.config["cell"] == "rnn"),
    key=lambda r: r.val_accuracy,
)
best = max(results, key=lambda r: r.val_accuracy)
effects = step_effects(steps, results, n_test_reviews)
largest = sorted(effects, key=lambda e: abs(e[0]), reverse=True)[:3]
baseline = baselines[full.split].accuracy
n_baseline = baselines[full.split].n_test
versus_baseline = noise.compare(
    f"The best model by validation accuracy, *{best.name}*,",
    noise.binomial(best.test_accuracy, n_test_reviews),
    "the TF-IDF baseline",
    noise.binomial(baseline, n_baseline),
)
text = (
    "**Reading the run.** The record's model "
    f"reaches {record.test_accuracy:.2%} here. "
    "Chosen by validation accuracy, the strongest tanh RNN after it is "
    f"*{vanilla.name}* ({vanilla.test_accuracy:.2%} on the test reviews) "
    f"and the best model *{best.name}* ({best.test_accuracy:.2%}); "
    f"the TF-IDF baseline on the same split reaches {baseline:.2%}"
    + (
        " with all the training reviews"
        if len(splits.ids["train"]) < len(full.train) - settings.n_val
        else ""
    )
    + ". "
)
if len(splits.ids["train"]) < len(full.train) - settings.n_val:
    text += (
        f"These models learned from {len(splits.ids['train'])} "
        f"training reviews only (profile `{settings.profile}`), so "
        "their accuracies say little about what the same steps "
        "reach on all 22,500: run the `lab` profile, or see "
        "the figures of `bench/imdb_strong.py` in the README. "
    )
text += (
    "The three largest differences between a row and the row it changes: "
    + " ".join(sentence for _, sentence in largest)
    + " "
)
pooled = by_name.get("max+mean pooling")
last = by_name.get("masked, last state")
if pooled is not None and last is not None:
    text += (
        f"On {pooled.direct_gradient['reviews']} "
        "validation reviews, the logit read at the last state reaches "
        f"{last.direct_gradient['words']:.2%} of the words in one step "
        "(one per review); with max+mean pooling it reaches "
        f"{pooled.direct_gradient['words']:.0%} of them through the mean, "
        f"and {pooled.direct_gradient['max_words']:.1%} through the max "
        "(the words where a unit peaks). "
    )
clipped = by_name.get("BiRNN + clipping")
if clipped is not None:
    norms = np.array(clipped.history["grad_norm"])
    # step_effects has one sentence for every row after the first.
    clip_effect = dict(zip((r.name for r in results[1:]), effects))[
        clipped.name
    ][1]
    text += (
        "Clipping the gradient norm at "
        f"{step_of[clipped.name].clip_grad_norm:g} rescaled "
        f"{np.mean(norms > step_of[clipped.name].clip_grad_norm):.1%} of "
        f"the training steps (median norm {np.median(norms):.3f}). "
        + clip_effect
        + " "
    )
text += versus_baseline + (
    f" (The models are tested on {n_test_reviews:,} reviews, the baseline on "
    f"{n_baseline:,}.) "
    if n_baseline != n_test_reviews
    else " "
)
text += (
    f"Speed: the strongest tanh RNN took {vanilla.wall_seconds:.2f} "
    "s from start to test accuracy (word vectors "
    "included), the record's configuration "
    f"{record.wall_seconds:.2f} s; the column *x record wall* of the "
    "timing table sets them side by side."
)
display(Markdown(text))

# %% [markdown]
# ## Result

# %%
from labhelpers.report import report_result

measured_best = noise.binomial(best.test_accuracy, n_test_reviews)
sentence = (
    f"On {n_test_reviews} "
    f"{'IMDB' if reviews.is_imdb else 'generated'} test reviews "
    f"(trained on {len(splits.ids['train'])}), the record's "
    "model reached "
    f"{noise.binomial(record.test_accuracy, n_test_reviews).show()}, "
    "the strongest tanh RNN by validation accuracy "
    f"({vanilla.name}) "
    f"{noise.binomial(vanilla.test_accuracy, n_test_reviews).show()} "
    "and the best "
    f"model by validation accuracy ({best.name}: "
    f"{describe_step(step_of[best.name])}) {measured_best.show()}, "
    f"against {noise.binomial(baseline, n_baseline).show()} for TF-IDF + "
    f"logistic regression (± one binomial standard error, points). "
    + versus_baseline
)
if not reviews.is_imdb:
    sentence += " These are numbers on generated reviews, not on IMDB."
metrics = {
    "record_test_accuracy": record.test_accuracy,
    "vanilla_test_accuracy": vanilla.test_accuracy,
    "best_test_accuracy": best.test_accuracy,
    "best_test_accuracy_se": measured_best.se,
    "n_test": n_test_reviews,
    **{
        f"tfidf_{split}_test_accuracy": result.accuracy
        for split, result in baselines.items()
    },
    "vanilla_wall_seconds": vanilla.wall_seconds,
    "record_wall_seconds": record.wall_seconds,
    "uses_imdb": float(reviews.is_imdb),
}
metrics.update({f"{r.name} test_accuracy": r.test_accuracy for r in results})
report_result(
    sentence,
    settings,
    title="Strong recurrent models on IMDB",
    data=splits.description,
    metrics=metrics,
    model=f"{best.name}: {describe_step(step_of[best.name])}",
    headline="best_test_accuracy",
    source=reviews.source,
    split=reviews.split,
    baselines={split: result.accuracy for split, result in baselines.items()},
)

# %% [markdown]
# ## Questions
#
# 1. Lesson 7's model reads only $h_T$ of a review padded in front to 200
#    words. Through what product does the word at position $t$ reach the
#    output, and when does that product shrink with $T - t$?
# 2. What do max pooling and mean pooling over time each pass to the hidden
#    state of an early word? Which words does the max reach in one step?
# 3. A bidirectional layer reads each review in both directions here. Could
#    lesson 11's window forecaster, which reads a finished window and predicts
#    the value after it, use one? Could lesson 12's model, which predicts the
#    next character at every step? Why?
# 4. In a one-layer bidirectional `nn.RNN`, `out[:, -1]` and `h_n[-1]` are
#    not the same vector. What does each hold, and which words has each read?
# 5. In the GRU update $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$, what
#    does an update gate near 1 do, and why does it help gradients over long
#    reviews?
# 6. Why is the validation part a block of whole movies rather than a random
#    draw of reviews?
# 7. Which rows differ most from the row they change, and are those
#    differences outside the noise? Where does the best recurrent model stand
#    against the TF-IDF baseline?
#
# Beyond this run:
#
# 8. Why should pooling over time matter more for a 600-word review than for
#    a 40-word one, when the model is otherwise read at its last state? Which
#    row of the table answers whether it mattered here?
# 9. A long, mostly neutral review has one strong cue; another has many weak
#    ones. What does the max over time keep of each, and the mean? Why does
#    the lesson join both?
# 10. A site wants a sentiment that updates after every word while the user
#     is still typing. Which of this lesson's read-outs can update after one
#     more step of work per word, and what must a bidirectional model do
#     each time a word arrives? On what kind of text was it trained?
# 11. Why are reviews batched with others of similar length? In a random
#     batch, how many steps are computed for each review, and which of them
#     are wasted? What does `LengthBuckets` do so that batches still come in
#     a new random order every epoch?
# 12. What does a packed sequence spare the recurrent layer, and what does
#     it make PyTorch do on a CPU that the masked, padded batch does not?
#     Why can padding at the end with a mask read each review exactly as a
#     packed sequence would?
# 13. Why is TF-IDF of words and word pairs with a logistic regression a
#     strong baseline for the sentiment of a whole review? Name two things a
#     recurrent model can represent that it cannot.
# 14. Dropout here is drawn afresh at every step, on the embeddings and
#     before the output, never on the recurrent connection. If a fresh mask
#     at every step dropped each unit of $h_{t-1}$ with probability $p$, how
#     likely would one unit's content survive $k$ steps untouched? What do
#     Gal & Ghahramani (2016) do instead?
#
# **Try this**
#
# - `-p profile lab`: all 22,500 training reviews; which steps still gain?
# - `-p maxlen 200`: the record's cut, for every step; what do "longer"
#   reviews buy?
# - `-p epochs 4`: every step trains twice as long; does the order of the
#   steps in the table change?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. Through $\prod_{k=t+1}^{T} \partial h_k / \partial h_{k-1}$, each factor
#    $\mathrm{diag}(1 - h_k^2) W_{hh}$; its norm is at most
#    $\sigma_{\max}(W_{hh})^{T-t}$, which shrinks geometrically when the
#    largest singular value is below 1 (lesson 5).
# 2. Both put every $h_t$ one step from the output, beside the path through
#    the long product. The mean passes $1/T$ of the gradient to every word's
#    state; the max passes each unit's gradient only to the step where that
#    unit peaks, so a word where no unit peaks gets nothing through it. The
#    table *Which words the logit reaches in one step* measures both.
# 3. Lesson 11's forecaster can: it reads a finished window of the past and
#    gives one output after it, so both directions read only the past. Lesson
#    10's model cannot: its output at step $t$ is a guess of $x_{t+1}$, which
#    the backward state at $t$ has read, so in training it could copy the
#    answer, and in generation $x_{t+1}$ does not exist yet. The rule: outputs
#    that must not depend on later inputs (per-step prediction, generation,
#    streaming) need a unidirectional RNN.
# 4. `out[:, -1]` joins the forward state after the last word (it has read
#    the whole review) with the backward state at the last position (it has
#    read only the last word). `h_n[-1]` is the backward direction's final
#    state, at the first position, after reading the whole review backwards.
# 5. It copies the previous state forward: along that path the gradient is
#    multiplied by $z_t$ instead of by $\mathrm{diag}(1 - h_t^2) W_{hh}$, so
#    gates held near 1 carry it over many steps.
# 6. The official split keeps all of a movie's reviews on one side; a random
#    validation draw would share movies (names, plots) with training, and a
#    model that memorises them could score higher there than on the test
#    half, which shares none.
# 7. The next cell gives the run's numbers.
# 8. Read at its last state, a word $T - t$ steps from the end reaches the
#    output only through a product of $T - t$ Jacobians (question 1), and
#    most words of a 600-word review are hundreds of steps away; in a
#    40-word review none is far. Pooling puts every word's state one step
#    from the output whatever the length. The row *max+mean pooling*,
#    against the row it changes, measures it (with its noise), and the
#    table *Which words the logit reaches in one step* shows the paths.
# 9. The max keeps, per unit, the strongest activation anywhere in the
#    review: the one strong cue survives however long the review, but many
#    weak cues count no more than the largest of them. The mean adds up all
#    the steps and divides by $T$: it counts how much evidence there is, but
#    one cue in a long review is diluted by $1/T$. Joined, the output layer
#    can weigh both.
# 10. A unidirectional model keeps its state: one step per new word gives
#     $h_t$, and a running max and a running mean update from it, so a
#     last-state or pooled read-out of a unidirectional layer updates at
#     one step's cost. The
#     backward direction starts at the last word, so every new word changes
#     all its states: it must re-read the whole text, at a cost that grows
#     with the length. And it was trained on complete reviews, so its
#     answer on a half-written one is read outside the text it learned from.
# 11. A batch is computed to its longest review, so each review takes that
#     many steps and every step after its own last word is padding: in a
#     random batch one long review makes all the short ones wasteful. With
#     `shuffle`, `LengthBuckets` shuffles the reviews, cuts them into pools
#     of `pool_batches` batches, sorts each pool by length, cuts it into
#     batches and shuffles the batches: each batch is of similar length, and
#     both the batches' contents and their order change every epoch.
# 12. It computes no padded step: at each time step only the reviews still
#     running are in the batch. On a CPU PyTorch then runs the recurrence,
#     input projection included, step by step on shrinking batches, where
#     the masked model computes $W_{in} e_t$ for the whole padded batch in
#     one large product (the speed table measures both). Padding comes after
#     the words, so no padded step reaches a real word's state going
#     forward; the backward direction reads each review reversed within its
#     length, and the read-out ignores padded positions, so the states read
#     are the same.
# 13. Much of a review's sentiment is carried by which words occur,
#     wherever they stand; word pairs add short negations ("not good"); the
#     sublinear counts and the idf weights lower frequent, uninformative
#     words; the logistic regression on those features is a convex problem,
#     so the solver reaches its optimum (to its tolerance) with no poor
#     local minimum or epoch to choose; and it reads every word of every
#     review. It cannot represent order beyond two words (a negation three
#     words before its adjective, which way a contrast such as "but"
#     turns), and it knows nothing about a word absent from its training
#     features, where word vectors place such a word near similar ones.
# 14. $(1 - p)^k$: with $p = 0.3$ (the dropout of the row *BiRNN wider +
#     dropout*) about $0.03$ after ten steps, so memory
#     longer than a few steps would be cut at random in every training
#     review. Gal & Ghahramani draw one mask per sequence and use it at every
#     step, so the same units are dropped along the whole review and the
#     others keep their content.
#
# </details>

# %%
# The numeric answers, from this run (collapsed, like the answers above).
from labhelpers.report import answers

display(
    Markdown(
        answers(
            [
                "7: the three largest differences: "
                + " ".join(sentence for _, sentence in largest)
                + " "
                + versus_baseline
            ]
        )
    )
)


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
