# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 9: IMDB sentiment with pre-trained word embeddings
#
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/rnn-lab-book/rnn-lab-book/blob/main/notebooks/09_imdb_embeddings.ipynb)
#
# Experiment E7 of the lab catalogue (lab record 003).

# %% tags=["install", "remove-cell"] language="bash"
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+https://github.com/rnn-lab-book/rnn-lab-book@main"

# %% [markdown]
# ## Aim
#
# Classify IMDB reviews with a recurrent network whose embedding layer starts
# from pre-trained word vectors, and measure what the pre-training is worth:
# the same network with a random embedding, a frozen pre-trained one and a
# fine-tuned pre-trained one.
#
# ## Objectives
#
# - use GloVe vectors (Pennington, Socher & Manning 2014; downloaded through
#   gensim, or read from a file) where they can be had, else train word vectors offline on the training reviews
#   only (word2vec, gensim), and say which the run used;
# - build the embedding matrix: row $i$ is the vector of the word with id $i$;
# - train the same RNN three times: random embedding, pre-trained and frozen,
#   pre-trained and fine-tuned, with the padding id read alike by all three;
# - report the test accuracy of each in one table, with its standard error
#   (`labhelpers.noise`) and with training accuracy and loss (the record
#   reported only those: 96%, loss 0.09).
#
# ## Parameters
#
# Pick a profile with `profile`; leave a parameter at `None` to take the
# profile's value (`lab`, `quick` and `smoke` are all in
# `labhelpers/lesson_settings.toml`), or set it to override; the cell after the
# parameters shows the values this run uses. `lab` is lab record 003's run: a
# simple RNN on pre-trained vectors, trained on the official 25,000 training
# reviews and tested on the 25,000 test reviews, 5 epochs per model; it
# downloads GloVe vectors through gensim's downloader (waiting at most
# `glove_timeout` seconds; a second run reads gensim's cache), and without a
# network it trains word2vec vectors on the training reviews instead, saying
# so. `quick` trains an LSTM on 5,000 training reviews (word2vec vectors still
# come from all 25,000) and tests on 5,000, 4 epochs, with a smaller network;
# `smoke` runs on generated reviews. Without IMDB the lesson runs on the
# generated reviews (`labhelpers.data.reviews`), 20,000 in `quick`: word2vec
# reads the 10,000 of the training half, the classifiers learn from 5,000 of
# them, as on IMDB word2vec reads more reviews than are labelled; many of
# their sentiment words are rare, so labels alone teach them slowly, and cues
# that name two words of one side give word2vec what separates the sides.
# Neither downloads anything (set
# `-p glove glove-wiki-gigaword-100` to try). With a GloVe file (for example
# `glove.6B.100d.txt`):
# `papermill 09_imdb_embeddings.ipynb out.ipynb -p profile lab -p glove_path glove.6B.100d.txt`.

# %% tags=["parameters"]
from labhelpers.profiles import notebook_settings

profile = "quick"  # type: str  Profile for every setting left at None: "smoke" (seconds, tests), "quick" (CPU book build) or "lab" (full data).
data = None  # type: str in {"imdb", "synthetic", "auto"}  "imdb", "synthetic" (generated reviews) or "auto" (IMDB when it is found, else the generated reviews, said so in the output).
data_path = None  # type: str  The IMDB CSV or its folder; empty: $LABHELPERS_DATA_DIR, then kagglehub's cache.
glove_path = None  # type: str  A GloVe text file (word and values per line, .txt or .gz); empty: the profile's `glove` download, else word2vec trained on the training reviews.
glove = None  # type: str  gensim-data's name of the GloVe vectors to download; "" downloads nothing and trains word2vec instead.
glove_timeout = None  # type: float, above 0  Seconds to wait for gensim's downloader before falling back to word2vec.
n_train = None  # type: int, at least 0  Training reviews the classifiers learn from, drawn from the official training half (the random 80% when the official split cannot be had); 0 uses all.
n_test = None  # type: int, at least 0  Test reviews, drawn from the official test half (or the random 20%); 0 uses all.
n_synthetic = None  # type: int, at least 1  Number of generated reviews when the generated corpus is used.
num_words = None  # type: int, at least 3  Vocabulary of the tokenizer (ids below num_words; the rest become the OOV id).
maxlen = None  # type: int, at least 1  Ids per review (padded and cut at the start, so the last words are kept).
embedding_dim = None  # type: int, at least 1  Size of the word vectors (taken from the file with GloVe).
hidden_size = None  # type: int, at least 1  Hidden units of the recurrent layer.
cell = None  # type: str in {"rnn", "gru", "lstm"}  Recurrent layer: "rnn", "gru" or "lstm".
learning_rate = None  # type: float, above 0  Adam's learning rate.
epochs = None  # type: int, at least 1  Passes over the training reviews, per model.
batch_size = None  # type: int, at least 1  Reviews per gradient step.
validation_fraction = None  # type: float in (0, 1)  Share of the training reviews held out for validation.
w2v_epochs = None  # type: int, at least 1  Passes of word2vec over the training reviews.
w2v_window = None  # type: int, at least 1  word2vec context: words on each side.
w2v_min_count = None  # type: int, at least 1  word2vec keeps words seen at least this often.
cache = None  # type: bool  Keep the tokenized arrays on disk ($LABHELPERS_CACHE_DIR or ~/.cache/labhelpers).
threads = None  # type: int, at least 0  CPU threads for torch; 0 keeps torch's default. 1 is faster on a busy machine.
seed = None  # type: int, at least 0  Seed of the subsets, the word vectors and the models.
device = None  # type: str in {"auto", "cuda", "mps", "cpu"}  "auto" takes CUDA, then MPS, then the CPU.

# %%
settings = notebook_settings()

# %% [markdown]
# ## Algorithm
#
# An embedding layer is a matrix $E$ of shape (vocabulary, $d$); a word with id
# $i$ is represented by the row $E_i$. Trained from random values, $E$ learns
# only from the labels of the training reviews. Word2vec (CBOW) learns word
# vectors without labels, from co-occurrence: it adjusts $v_w$ and output
# vectors $u_w$ so that
#
# $$P(w_t \mid \text{context}) = \mathrm{softmax}_w\big(u_w^\top \bar v\big),
# \qquad \bar v = \frac{1}{2c} \sum_{0 < |j| \le c} v_{w_{t+j}},$$
#
# is high for the word that really appears amid its $c$ neighbours on each side
# (with negative sampling instead of the full softmax). Words used in the same
# contexts get similar vectors. GloVe vectors (Pennington, Socher & Manning
# 2014) are fitted to the logarithms of word co-occurrence counts over other,
# much larger text (gensim's `glove-wiki-gigaword-100`: Wikipedia 2014 and
# Gigaword 5) and downloaded or read from a file.
#
# ```text
# split the reviews: official training half / test half (random 80/20 without the official split); hold out a validation part of the training reviews
# tokenizer.fit(training reviews); ids padded to maxlen
# vectors = read_glove(glove_path)  or  GloVe through gensim  or  word2vec(training reviews)
# E0[i] = vectors[word with id i]  (words without a vector: random, same scale)
# for embedding in (random, E0 frozen, E0 fine-tuned):
#     model = Embedding(padding_idx=0) -> RNN, GRU or LSTM (`cell`) -> last hidden state -> Linear -> logit
#     (in all three, row 0, the padding id, is zeros and never trained)
#     train with BCEWithLogitsLoss and Adam; keep the epoch with the best validation accuracy
#     test accuracy on the test reviews
# ```

# %% [markdown]
# ## Program
#
# ### Data and tokens

# %%
import time

import numpy as np
import torch
from torch import nn

from labhelpers.lessons.imdb_rnn import (
    encode_reviews,
    load_lesson_reviews,
    rows_used,
)

reviews, train_rows, test_rows, y_all, y_test = load_lesson_reviews(
    settings, split="official", clean=True
)
started = time.perf_counter()
encoded = encode_reviews(reviews, settings, f"e7-{reviews.source}-official")
print(
    f"{'read back from the cache' if encoded.from_cache else 'tokenized'} "
    f"in {time.perf_counter() - started:.2f} s"
)
tokenizer = encoded.tokenizer
X_all, X_test = rows_used(encoded, train_rows, test_rows)
order = np.random.default_rng(settings.seed + 3).permutation(len(X_all))
n_val = int(round(settings.validation_fraction * len(order)))
X_train, y_train = X_all[order[n_val:]], y_all[order[n_val:]]
X_val, y_val = X_all[order[:n_val]], y_all[order[:n_val]]
print(
    f"training {len(X_train)}, validation {len(X_val)}, test "
    f"{len(X_test)} reviews; ids {X_train.shape[1]} per review"
)

# %% [markdown]
# ### Pre-trained word vectors
#
# A GloVe file (`glove_path`) comes first; else the GloVe vectors named by
# `glove` are downloaded through gensim's downloader, waited for at most
# `glove_timeout` seconds (`labhelpers.embeddings.download_glove`; gensim
# caches the file, so a second run reads it without the network). When
# neither is had, word2vec learns vectors from **all the training reviews of
# the split** (never from the test reviews), with gensim, in one worker
# thread so that the same seed gives the same vectors.

# %%
from labhelpers.data.text import text_to_word_sequence
from labhelpers.embeddings import (
    download_glove,
    embedding_matrix,
    read_glove,
    require_coverage,
    train_word2vec,
)

started = time.perf_counter()
vectors = None
if settings.glove_path:
    vectors = read_glove(settings.glove_path, vocabulary=tokenizer.word_index)
elif settings.glove:
    vectors, how = download_glove(
        settings.glove,
        vocabulary=tokenizer.word_index,
        timeout=settings.glove_timeout,
    )
    if vectors is None:
        print(f"No GloVe vectors: {how}.")
        print("Word2vec vectors are trained on the training reviews instead.")
if vectors is not None:
    pretrained = "GloVe"
    if vectors.dim != settings.embedding_dim:
        print(
            f"embedding_dim set to {vectors.dim}, "
            "the dimension of the GloVe vectors"
        )
        settings.embedding_dim = vectors.dim
else:
    pretrained = "word2vec"
    sentences = [
        text_to_word_sequence(text) for text in reviews.train["review"]
    ]
    vectors = train_word2vec(
        sentences,
        vector_size=settings.embedding_dim,
        window=settings.w2v_window,
        min_count=settings.w2v_min_count,
        epochs=settings.w2v_epochs,
        seed=settings.seed,
    )
print(f"pre-trained vectors used: {pretrained}")
print(f"{vectors.source} ({time.perf_counter() - started:.2f} s)")
matrix, found = embedding_matrix(
    tokenizer.word_index, vectors, settings.num_words, seed=settings.seed
)
require_coverage(found, vectors.source)  # no conclusion about unused vectors
print(
    f"embedding matrix {matrix.shape}: {found.sum()} of the "
    f"{settings.num_words - 1} word rows come from the vectors"
)

# %% [markdown]
# Do the vectors mean anything? The nearest words (cosine similarity) of a few probes:

# %%
import pandas as pd

probes = [
    w
    for w in ("good", "bad", "boring", "excellent", "awful", "actor")
    if w in vectors
][:5]
if "good" in vectors and "bad" in vectors:
    g, b = vectors["good"], vectors["bad"]
    print(
        "cosine similarity of 'good' and 'bad': "
        f"{g @ b / np.linalg.norm(g) / np.linalg.norm(b):.2f}"
    )
pd.DataFrame(
    {
        w: [f"{n} ({s:.2f})" for n, s in vectors.most_similar(w, 5)]
        for w in probes
    },
    index=[f"#{i}" for i in range(1, 6)],
)

# %% [markdown]
# Vectors learned from contexts put words used in the same places close
# together, and *good* and *bad* are used in the same places ("the acting
# was ___"). How close are they here, against every other word?

# %%
from IPython.display import Markdown, display

if "good" in vectors and "bad" in vectors:
    norms = np.linalg.norm(vectors.vectors, axis=1)
    norms[norms == 0] = 1
    to_good = (
        vectors.vectors
        @ vectors["good"]
        / norms
        / norms[vectors.index["good"]]
    )
    good_bad = to_good[vectors.index["bad"]]
    others = len(vectors) - 2  # every word but 'good' and 'bad'
    # 'good' itself (similarity 1) is left out of the count
    closer = (int(np.sum(to_good > good_bad)) - 1) / others
    text = (
        f"'bad' has cosine similarity {good_bad:.2f} with 'good'; "
        f"{closer:.2%} of the other {others} words are closer to 'good'. "
    )
    if closer < 0.01:
        text += (
            "The two opposite judgements are among each other's nearest "
            "words: such vectors know which words judge a film, not which "
            "way they point, and the classifier still has to learn that."
        )
    else:
        text += "Here 'bad' is not among the words nearest to 'good'."
    display(Markdown(text))

# %% [markdown]
# ### The three models
#
# The same `ReviewRNN` (`labhelpers.models`), outputting a logit, trained
# with the same seed, data and settings; only the embedding differs: where it
# starts (random or the pre-trained vectors) and whether it trains. Padding
# is read alike by all three: `padding_idx=0` makes row 0, the padding id,
# a zero vector that never trains, in the random embedding as in the
# pre-trained ones (without it, the random and fine-tuned embeddings would
# train a padding vector of their own and the frozen one would keep zeros).

# %%
import inspect

from labhelpers.lessons.imdb_rnn import review_batches
from labhelpers.models import ReviewRNN, count_parameters
from labhelpers.training import EarlyStopping, fit, logits_accuracy, predict

print(inspect.getsource(ReviewRNN))


def batches(X, y, shuffle):
    return review_batches(X, y, settings.batch_size, shuffle)


VARIANTS = {
    "random": dict(),
    "pre-trained, frozen": dict(
        embedding_weights=matrix, freeze_embedding=True
    ),
    "pre-trained, fine-tuned": dict(embedding_weights=matrix),
}
results = {}
for name, options in VARIANTS.items():
    print(f"--- embedding: {name}")
    torch.manual_seed(settings.seed)
    model = ReviewRNN(
        settings.num_words,
        settings.embedding_dim,
        settings.hidden_size,
        cell=settings.cell,
        padding_idx=0,
        **options,
    )
    optimizer = torch.optim.Adam(
        [p for p in model.parameters() if p.requires_grad],
        lr=settings.learning_rate,
    )
    history = fit(
        model,
        nn.BCEWithLogitsLoss(),
        optimizer,
        batches(X_train, y_train, True),
        batches(X_val, y_val, False),
        epochs=settings.epochs,
        device=settings.device,
        accuracy_fn=logits_accuracy,
        early_stopping=EarlyStopping(
            monitor="val_accuracy", patience=settings.epochs
        ),
    )
    logits, targets = predict(model, batches(X_test, y_test, False))
    results[name] = dict(
        history=history,
        trainable=count_parameters(model),
        test_accuracy=float(((logits > 0).float() == targets).float().mean()),
        best_epoch=int(np.argmax(history["val_accuracy"])) + 1,
        padding_row=float(model.embedding.weight[0].abs().max()),
    )
# the padding row is zeros after training, in all three
assert all(r["padding_row"] == 0.0 for r in results.values())
print(
    "largest |value| in row 0 (padding) after training: "
    + ", ".join(f"{name} {r['padding_row']:g}" for name, r in results.items())
)

# %% [markdown]
# ## Observation

# %%
from IPython.display import Markdown, display

if not reviews.is_imdb:
    display(
        Markdown(
            "**These runs used generated reviews, "
            f"not IMDB** ({reviews.description}). "
            "Their numbers say how the embeddings behave "
            "on that corpus, not what they reach on IMDB."
        )
    )
from labhelpers import noise

test_figures = {
    name: noise.binomial(r["test_accuracy"], len(y_test))
    for name, r in results.items()
}
compared = noise.comparison_table(test_figures, reference="random")
compared.columns = [
    "test accuracy (%)",
    "±",
    "vs random (points)",
    "verdict",
]
print(
    f"± : binomial standard error of {len(y_test)} test reviews, in points "
    "(the test sample's luck; one seed per model)"
)
table = pd.DataFrame(
    {
        name: {
            "best val accuracy": max(r["history"]["val_accuracy"]),
            "best epoch": r["best_epoch"],
            "final training accuracy": r["history"]["accuracy"][-1],
            "final training loss": r["history"]["loss"][-1],
            "trainable parameters": r["trainable"],
        }
        for name, r in results.items()
    }
).T
table[["best epoch", "trainable parameters"]] = table[
    ["best epoch", "trainable parameters"]
].astype(int)
compared.round(2).join(table.round(4))

# %%
import matplotlib.pyplot as plt

from labhelpers.lessons.imdb_rnn import plot_embedding_histories

plot_embedding_histories(
    {name: r["history"] for name, r in results.items()},
    title=f"{settings.cell.upper()}({settings.hidden_size}) on "
    f"{'IMDB' if reviews.is_imdb else 'generated'} reviews: three embeddings",
)
plt.show()

# %%
# lab record 003's own figures, named once (training only: no test figure)
RECORD_003 = {"train_accuracy": 0.96, "train_loss": 0.09}
accuracies = {name: r["test_accuracy"] for name, r in results.items()}
# the model a student would keep: best validation accuracy, never the test's
chosen = max(
    results, key=lambda name: max(results[name]["history"]["val_accuracy"])
)
source = (
    "GloVe vectors"
    if pretrained == "GloVe"
    else "word2vec vectors (trained on the training reviews)"
)
effects = [
    noise.effect(
        f"Starting from {source} and {how} them, against the random "
        "embedding,",
        test_figures["random"],
        test_figures[name],
    )
    for name, how in (
        ("pre-trained, fine-tuned", "fine-tuning"),
        ("pre-trained, frozen", "freezing"),
    )
]
text = (
    f"**Reading the run.** The classifiers learn from {len(X_train)} "
    "training reviews. "
    + " ".join(effects)
    + " The standard errors count the test sample's luck only (one seed "
    "per model; lesson 1 measured the spread over seeds), so a verdict "
    "above the noise may still shrink over seeds. Validation accuracy "
    f"would keep the {chosen} embedding "
    f"({max(results[chosen]['history']['val_accuracy']):.2%} on "
    f"{len(X_val)} validation reviews). The frozen model trains "
    f"{results['pre-trained, frozen']['trainable']} parameters instead "
    f"of {results['random']['trainable']}: its "
    "embedding cannot move to fit the training reviews. "
)
if pretrained == "word2vec" and len(train_rows) < len(reviews.train):
    text += (
        "The word2vec vectors were learned from all "
        f"{len(reviews.train)} training reviews, without their "
        f"labels, while the classifiers learn from {len(X_train)} "
        "labelled ones: pre-training brings in text "
        "the classifiers never see, and structure learned "
        "without labels (words used alike get similar vectors). "
    )
elif pretrained == "word2vec":
    text += (
        "The word2vec vectors were learned from the same "
        "training reviews, so they add no text the classifier "
        "could not have seen; what they add is structure "
        "learned without labels (words used alike get similar vectors). "
    )
text += (
    "The record reported only training figures "
    f"({RECORD_003['train_accuracy']:.0%} accuracy, loss "
    f"{RECORD_003['train_loss']:.2f}); here the final training accuracy "
    "reaches "
    f"{max(r['history']['accuracy'][-1] for r in results.values()):.2%}, "
    "and the test column shows how much of "
    "that carries over to reviews the model has not seen."
)
display(Markdown(text))

# %% [markdown]
# ## Result

# %%
from labhelpers.report import report_result

description = (
    f"{settings.cell.upper()}({settings.hidden_size}) on "
    f"Embedding({settings.num_words}, {settings.embedding_dim}), "
    f"maxlen {settings.maxlen}"
)
sentence = (
    f"On {len(X_test)} {'IMDB' if reviews.is_imdb else 'generated'} "
    f"test reviews, after {settings.epochs} epochs of {description}, "
    "test accuracy was "
    + ", ".join(
        f"{test_figures[name].show()} with the {name} embedding"
        for name in results
    )
    + f" ({test_figures[chosen].source}; pre-trained vectors: {pretrained}, "
    f"{vectors.source}). Chosen on validation accuracy: the {chosen} "
    "embedding."
)
if not reviews.is_imdb:
    sentence += " These are numbers on generated reviews, not on IMDB."
report_result(
    sentence,
    settings,
    title="E7 IMDB pre-trained embeddings",
    data=reviews.description,
    metrics={
        "random_test_accuracy": accuracies["random"],
        "frozen_test_accuracy": accuracies["pre-trained, frozen"],
        "fine_tuned_test_accuracy": accuracies["pre-trained, fine-tuned"],
        "test_accuracy": accuracies[chosen],
        "test_accuracy_se": test_figures[chosen].se,
        "n_test": len(y_test),
        "train_accuracy": results[chosen]["history"]["accuracy"][-1],
        "train_loss": results[chosen]["history"]["loss"][-1],
        "epochs": settings.epochs,
        "seconds_per_epoch": float(
            np.mean(
                [s for r in results.values() for s in r["history"]["seconds"]]
            )
        ),
        "vectors_found": int(found.sum()),
        "uses_imdb": float(reviews.is_imdb),
        "uses_glove": float(pretrained == "GloVe"),
    },
    model=f"{description}, {chosen} {pretrained} embedding "
    "(chosen of three on validation accuracy)",
    headline="test_accuracy",
    lab_record=RECORD_003 if reviews.is_imdb else None,
    source=reviews.source,
    split=reviews.split,
)


# %% [markdown]
# ## Questions
#
# 1. What is row $i$ of the embedding matrix, and what goes in row 0?
# 2. Why are the word2vec vectors trained on the training reviews only, never
#    on the test reviews?
# 3. Which pre-trained vectors did this run use, and why might the same
#    notebook use others on another machine?
# 4. How many trainable parameters does freezing the embedding remove here,
#    and what can a frozen embedding not do?
# 5. By how many points did pre-training change test accuracy in this run,
#    and is that change larger than its noise?
# 6. The record reported 96% training accuracy with loss 0.09 and no test
#    figure. Why is that not enough to judge the model?
# 7. Why can *good* and *bad* have similar vectors, and what must the
#    classifier still learn?
#
# Beyond this run:
#
# 8. A sentiment word occurs in three of the labelled training reviews and
#    in thirty of the unlabelled ones word2vec reads. What can the random
#    embedding learn about it, and what can the word2vec vector bring? When
#    would pre-training on more unlabelled text help most?
# 9. Fine-tuning moves the rows of the words that occur in the labelled
#    reviews; the rows of words that never occur there stay where
#    pre-training put them. Why can that hurt on test reviews full of such
#    words, and what does freezing keep that fine-tuning may lose?
# 10. Row 0 is all zeros and never trains. Does that make a padding step
#     leave the state unchanged? Write $h_t$ for a padding step of the simple
#     RNN.
# 11. Why is the similarity of word vectors measured by the cosine of their
#     angle rather than by their dot product? What does a cosine of 0 say
#     about two words?
# 12. What does `w2v_min_count` drop, which rows of the embedding matrix do
#     those words get, and why can a vector from a word's two occurrences be
#     worth less than none?
# 13. The full softmax of the CBOW objective normalises over every word of
#     the vocabulary. What does negative sampling compute instead, and why is
#     it cheaper?
# 14. GloVe vectors come from Wikipedia and news text; word2vec here from
#     the training reviews. What does each know about movie reviews that the
#     other does not? Why must the tokenizer split and lower-case text as the
#     vectors' own text was?
#
# **Try this**
#
# - `-p cell rnn` (the record's simple RNN) against `-p cell lstm`: for which
#   embedding does the gated cell change test accuracy most, beyond the noise?
# - `-p n_train 1000`: does pre-training help more when labelled reviews are
#   few?
# - `-p w2v_epochs 10` or `-p w2v_window 2`: do word vectors trained longer,
#   or on narrower contexts, change test accuracy beyond the noise?

# %% [markdown]
# <details>
# <summary>Answers</summary>
#
# 1. From this run: in the cell after these answers.
# 2. The test reviews must stay unseen: vectors fitted on them would carry
#    what those reviews contain into the model, as the record's tokenizer
#    did in lesson 7.
# 3. From this run: in the cell after these answers.
# 4. From this run: in the cell after these answers.
# 5. From this run: in the cell after these answers.
# 6. From this run: in the cell after these answers.
# 7. Both fill the same places in sentences, and vectors learned from
#    contexts put such words close together; which way a judgement points
#    comes only from the labels.
# 8. The random row of a word moves only when the word is in a labelled
#    batch: three reviews give it a few small gradient steps, and a word
#    absent from the labelled reviews keeps its random start. Word2vec
#    places the word by its contexts in all the reviews it reads; if those
#    contexts resemble those of words the classifier has learned (as in
#    "superb and moving"), its vector lies near theirs and the classifier
#    reads it alike. It can help most when labels are few, the unlabelled text
#    is large and like the test text, and many test words are rare in the
#    labelled reviews.
# 9. The classifier's weights adapt to the moved rows, while the unseen
#    words' rows stay in the pre-trained arrangement: those words may no
#    longer land where their neighbours now are, and a test review full of
#    them is read with vectors the classifier was not fitted to. Freezing
#    keeps every word in one arrangement, learned from the same text, so a
#    word the labels never showed is still read like its neighbours; it
#    gives up adapting the vectors to the labels.
# 10. No: with $e_t = 0$ the update is $h_t = \tanh(W_{hh} h_{t-1} + b)$,
#     which in general differs from $h_{t-1}$ (from $h_0 = 0$ it gives
#     $\tanh(b)$). The padding steps still move the state (row 0 is zeros in
#     all three models, so they read it alike), and how many of them there
#     are can reach $h_T$.
# 11. The cosine compares directions only; the dot product grows with the
#     vectors' lengths, which also reflect how often and in how many
#     contexts a word was trained, so long vectors would look similar to
#     everything. A cosine of 0 means orthogonal vectors: in this geometry
#     the two words share no direction. Opposite directions give $-1$, and
#     words of opposite meaning used in the same places need not point apart
#     (question 7).
# 12. Every word seen fewer than `w2v_min_count` times in the reviews
#     word2vec reads: it gets no vector, and its row of the matrix is drawn
#     at random at the known vectors' scale (as for the OOV id). A vector
#     fitted to one or two contexts is mostly noise of where those few
#     windows fell, and it would still look like a learned vector to the
#     classifier.
# 13. For each word and its context, the logistic loss of the true word
#     against a few ($k$, gensim's default 5) words drawn from a smoothed
#     frequency distribution: $k + 1$ dot products and sigmoids instead of
#     one dot product per vocabulary word and their normalisation (the
#     companion paper of Mikolov et al., 2013, in the bibliography).
# 14. GloVe has seen far more text and knows general English, including
#     words the reviews use too rarely to learn; word2vec on the reviews
#     knows the reviews' own usage, their names and sentiment words in
#     context, and nothing outside them. A word is looked up by its string:
#     if the tokenizer keeps case, punctuation or markup (`<br />`) that the
#     vectors' text did not, many words find no vector and get random rows.
#
# The answers that depend on this run follow, computed from it.
#
# </details>

# %%
from labhelpers.report import answers

frozen_removed = (
    results["random"]["trainable"]
    - results["pre-trained, frozen"]["trainable"]
)
lines = {
    1: "The vector of the word whose id is $i$ (its frequency rank); words "
    "without a vector get random values of the same scale. Row 0 is the "
    "padding id: `padding_idx=0` keeps it all zeros and out of training in "
    "all three models (after training its largest |value| was "
    + ", ".join(f"{r['padding_row']:g}" for r in results.values())
    + "), so the three read padding alike.",
    3: f"{pretrained}: {vectors.source}. GloVe is downloaded through gensim "
    "only where there is a network (or read from a file); elsewhere word2vec "
    "vectors are trained on the training reviews.",
    4: f"{frozen_removed} of {results['random']['trainable']}; a frozen "
    "embedding cannot move its words to suit the labels (nor overfit them).",
    5: " ".join(effects),
    6: "Training accuracy measures memory of the training reviews; here "
    "the final training accuracy reached "
    f"{max(r['history']['accuracy'][-1] for r in results.values()):.2%} "
    "while test accuracy was "
    + ", ".join(f"{test_figures[n].show()} ({n})" for n in results)
    + ".",
}
display(Markdown(answers([f"**{i}.** {a}" for i, a in lines.items()])))


# %% tags=["lab-report"]
# Run all, save, fill in your name and register number, run: your lab report.
from labhelpers.lab_report import write_lab_report

write_lab_report(student_name="", register_number="")
