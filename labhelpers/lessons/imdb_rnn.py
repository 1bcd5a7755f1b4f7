"""Lessons 7 and 9 (IMDB with a PyTorch RNN; with pre-trained word embeddings).

Both lessons: the data cell (:func:`load_lesson_reviews`, the rows drawn by :func:`pick_rows`),
the tokenizing of the reviews (:func:`encode_reviews`, :func:`rows_used`) and their batches
(:func:`review_batches`). Lesson 9: the learning curves of its three embeddings
(:func:`plot_embedding_histories`). Lesson 7: lab record 000's accuracy line, kept to show its
defect, saliency by word position, its figure and the sentence that reads it, and the table of
the fixes added one at a time, each change with its noise.

The record's model is :class:`labhelpers.models.ReviewRNN`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import torch

from .. import noise
from ..base.runtime import describe_device, seed_everything
from ..data.batches import TensorBatches
from ..data.review_data import ReviewData, load_review_data
from ..data.reviews import GENERATED_NOTE
from ..data.text import EncodedTexts, encode_texts
from ..models import ReviewRNN


def pick_rows(n_available: int, n_wanted: int, seed: int) -> np.ndarray:
    """Sorted positions of a random ``n_wanted`` of ``n_available`` rows (0, or at least
    ``n_available``: all of them), the same for every run with this seed.

    Positions rather than a subset of the reviews (:meth:`ReviewData.subset` draws other rows):
    lesson 7's record fits its tokenizer on every review, then trains on these rows.
    """
    if not n_wanted or n_wanted >= n_available:
        return np.arange(n_available)
    return np.sort(np.random.default_rng(seed).permutation(n_available)[:n_wanted])


class LessonReviews(NamedTuple):
    """The reviews of lessons 7 and 9, the positions of the rows the lesson uses in
    ``reviews.train`` and ``reviews.test``, and those rows' labels (float32, 1 positive)."""

    reviews: ReviewData
    train_rows: np.ndarray
    test_rows: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def load_lesson_reviews(settings, split: str, clean: bool = False) -> LessonReviews:
    """The data cell of lessons 7 and 9: seed everything, set torch's threads, load the reviews
    (:func:`labhelpers.data.review_data.load_review_data` with ``split`` and ``clean``), print
    where they come from and the device, and draw ``n_train`` training and ``n_test`` test rows
    (:func:`pick_rows`, seeds ``seed + 1`` and ``seed + 2``).

    ``settings`` is the notebook's settings (``seed``, ``threads``, ``data``, ``data_path``,
    ``n_synthetic``, ``n_train``, ``n_test``, ``device``).
    """
    seed_everything(settings.seed)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    reviews = load_review_data(
        settings.data,
        settings.data_path or None,
        split=split,
        clean=clean,
        n_synthetic=settings.n_synthetic,
        seed=settings.seed,
    )
    print(reviews.description)
    if not reviews.is_imdb:
        print(GENERATED_NOTE)
    print(f"device: {describe_device(settings.device)}")
    train_rows = pick_rows(len(reviews.train), settings.n_train, settings.seed + 1)
    test_rows = pick_rows(len(reviews.test), settings.n_test, settings.seed + 2)
    return LessonReviews(
        reviews,
        train_rows,
        test_rows,
        reviews.train["label"].to_numpy()[train_rows].astype(np.float32),
        reviews.test["label"].to_numpy()[test_rows].astype(np.float32),
    )


def encode_reviews(
    reviews: ReviewData, settings, name: str, *, truncating: str = "pre", fit_on_test: bool = False
) -> EncodedTexts:
    """Word ids of every training and test review, padded at the start to ``settings.maxlen``
    and cut at ``truncating``'s end, by a tokenizer of ``settings.num_words`` ids (OOV id 1)
    fitted on the training reviews, or on every review with ``fit_on_test`` (lab record 000's
    leak); kept on disk under ``name`` when ``settings.cache``
    (:func:`labhelpers.data.text.encode_texts`).
    """
    train, test = reviews.train["review"].tolist(), reviews.test["review"].tolist()
    return encode_texts(
        train + test if fit_on_test else train,
        {"train": train, "test": test},
        num_words=settings.num_words,
        oov_token="<OOV>",
        maxlen=settings.maxlen,
        truncating=truncating,
        name=name,
        cache=settings.cache,
    )


def rows_used(encoded: EncodedTexts, train_rows: np.ndarray, test_rows: np.ndarray):
    """The word ids of the rows a lesson uses (:class:`LessonReviews`): ``(X_train, X_test)``."""
    return encoded.arrays["train"][train_rows], encoded.arrays["test"][test_rows]


def review_batches(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool) -> TensorBatches:
    """Batches of word ids ``X`` (as int64) and float labels ``y`` for the lessons' models."""
    return TensorBatches(
        torch.from_numpy(X).long(), torch.from_numpy(y), batch_size=batch_size, shuffle=shuffle
    )


def plot_embedding_histories(histories: Mapping[str, Mapping[str, Sequence[float]]], title: str):
    """Lesson 9's learning curves of its embeddings, side by side: validation accuracy (solid,
    circles) and training accuracy (dotted, same colour) per epoch, and validation loss per
    epoch. ``histories`` maps an embedding's name to its history (``accuracy``,
    ``val_accuracy``, ``val_loss`` per epoch). Returns the figure."""
    import matplotlib.pyplot as plt

    if not histories:
        raise ValueError("histories is empty: give at least one {embedding: history}")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for name, history in histories.items():
        epochs_axis = np.arange(1, len(history["val_accuracy"]) + 1)
        (line,) = axes[0].plot(
            epochs_axis, history["val_accuracy"], marker="o", markersize=3, label=name
        )
        axes[0].plot(
            epochs_axis, history["accuracy"], color=line.get_color(), linestyle=":", alpha=0.7
        )
        axes[1].plot(
            epochs_axis,
            history["val_loss"],
            marker="o",
            markersize=3,
            color=line.get_color(),
            label=name,
        )
    panels = (
        ("accuracy per epoch (solid: validation, dotted: training)", "accuracy"),
        ("validation loss per epoch", "binary cross-entropy"),
    )
    for ax, (panel_title, ylabel) in zip(axes, panels):
        ax.set(title=panel_title, xlabel="epoch", ylabel=ylabel)
        ax.grid(alpha=0.3)
        ax.legend(title="embedding", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def record_accuracy_line(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """The record's accuracy line, parenthesis misplaced, made to run:
    predictions compared with ``y_batch.sum()``.

    The record writes ``(predicted == y_batch.sum()).item()``, which raises a
    ``RuntimeError`` on any batch of more than one review (lesson 7 runs it).
    This is the variant that runs: ``(predicted == y_batch.sum()).sum()`` counts
    the predictions (0 or 1) that equal the number of positive reviews in the
    batch, which is almost never 0 or 1, so the "accuracy" is close to zero
    whatever the model does. The right line is ``(predicted == y_batch).sum()``
    (:func:`probability_accuracy`).
    """
    predicted = (output.reshape(-1) > 0.5).float()
    y_batch = target.reshape(-1).float()
    return (predicted == y_batch.sum()).sum()


def saliency_by_position(model: ReviewRNN, ids: torch.Tensor, batch_size: int = 256) -> np.ndarray:
    """How much the output moves with the word at each position: mean over reviews of ||dz/de_t||.

    ``ids`` has shape (n, seq_len); returns shape (seq_len,). z is the output
    before any Sigmoid; e_t the embedding of the word at position t. A
    last-state RNN whose values fall towards position 0 cannot use the start
    of a review (the gradient vanishes across the steps between).
    """
    model.eval()
    device = next(model.parameters()).device
    total = torch.zeros(ids.shape[1], dtype=torch.float64)
    # cuDNN RNNs give no input gradients in eval mode
    with torch.backends.cudnn.flags(enabled=False):
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size].to(device)
            embedded = model.embedding(batch).detach().requires_grad_(True)
            states, _ = model.rnn(embedded)
            z = model.out(states[:, -1]).sum()
            (grad,) = torch.autograd.grad(z, embedded)
            total += grad.norm(dim=2).sum(dim=0).double().cpu()
    return (total / len(ids)).numpy()


def plot_saliency_by_position(saliency: np.ndarray):
    """Lesson 7's figure of :func:`saliency_by_position`: the mean ||dz/de_t|| at each position
    of the padded review (1 to ``seq_len``, the last read by h_T), on a log scale. Returns the
    figure."""
    import matplotlib.pyplot as plt

    saliency = np.asarray(saliency)
    if saliency.ndim != 1 or len(saliency) == 0:
        raise ValueError(
            "saliency needs one value per position: give the result of saliency_by_position"
        )
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.semilogy(np.arange(1, len(saliency) + 1), saliency)
    ax.set_xlabel(f"position in the padded review ({len(saliency)} = the last step, read by h_T)")
    ax.set_ylabel("mean ||dz / de_t|| (log scale)")
    ax.set_title("How much each position can move the output")
    ax.grid(alpha=0.3)
    return fig


# The far word's gradient counts as "about as large as" the last word's within this factor.
ABOUT_EQUAL = 2.0


def gradient_sentence(lag: int, far: float, last: float) -> str:
    """What the gradient norm by lag says about a word ``lag`` steps before the end.

    ``far`` and ``last`` are the mean ||dz/de_t|| at that word and at the last
    word (:func:`saliency_by_position`). Four branches: ``far`` is exactly 0
    (it underflowed in float32), smaller than ``last`` by more than
    ``ABOUT_EQUAL`` times, within that factor of it, or larger by more.
    """
    if not (np.isfinite(far) and np.isfinite(last) and far >= 0 and last >= 0):
        raise ValueError(f"gradient norms must be finite and at least 0, got {far!r} and {last!r}")
    if last == 0:
        raise ValueError("the last word's gradient norm is 0: there is nothing to compare with")
    where = f"The gradient of the output with respect to the word {lag} steps before the end"
    if far == 0:
        return (
            f"{where} is exactly zero (it underflows in float32), while the last word's is "
            f"{last:.2e}: through that many steps the gradient vanishes, and a small change "
            "to that word does not move the output at all."
        )
    ratio = far / last
    if ratio < 1 / ABOUT_EQUAL:
        return (
            f"{where} is {1 / ratio:.1e} times smaller than with respect to the last word: "
            "through that many steps the gradient shrinks, and a small change to that word "
            f"moves the output {1 / ratio:.1e} times less than the same change to the last."
        )
    if ratio <= ABOUT_EQUAL:
        return (
            f"{where} is about as large as with respect to the last word ({ratio:.2f} times "
            "it): at this lag the gradient has not shrunk, and a small change to that word "
            "moves the output about as much as the same change to the last."
        )
    return (
        f"{where} is {ratio:.1e} times larger than with respect to the last word: a small "
        "change to that word moves the output more than the same change to the last."
    )


def steps_table(
    steps: Sequence[tuple[str, str, object, noise.Measured]],
):
    """The fixes added one at a time: each step's test accuracy with its ±, and its change
    from the step before with the change's standard error and verdict.

    ``steps`` holds ``(step, what changed, epoch kept, measured test accuracy)``;
    percentages are in points. The first step has no change.
    """
    import pandas as pd

    if not steps:
        raise ValueError("steps_table needs at least one step")
    rows = []
    for i, (name, what, epoch, measured) in enumerate(steps):
        row = {
            "step": name,
            "what changed": what,
            "epoch kept": epoch,
            "test accuracy (%)": 100 * measured.value,
            "±": 100 * measured.se,
            "change (points)": "",
            "verdict": "",
        }
        if i:
            d, se = noise.difference(measured, steps[i - 1][3])
            row["change (points)"] = f"{100 * d:+.2f} ± {100 * se:.2f}"
            row["verdict"] = noise.verdict(measured, steps[i - 1][3])
        rows.append(row)
    return pd.DataFrame(rows).set_index("step")


def baseline_sentence(baseline: noise.Measured, rnn: noise.Measured) -> str:
    """The bag-of-words baseline against the RNN on the same test reviews, worded by
    :func:`labhelpers.noise.compare`, and what each verdict says about word order."""
    sentence = noise.compare("The bag-of-words baseline", baseline, "the RNN", rnn)
    side = noise.verdict(baseline, rnn)
    if side == "above":
        return sentence + (
            " A model that reads no word order past word pairs scores above it here: "
            "whatever the RNN takes from the order does not make up for what it fails to use."
        )
    if side == "within noise":
        return sentence + (
            " Reading the words in order shows no measurable advantage here over "
            "a model that reads no order past word pairs."
        )
    return sentence + (
        " The RNN reads something from these reviews that word counts and word pairs "
        "do not give the baseline."
    )


def fit_sentence(
    train: noise.Measured, validation: noise.Measured, epochs: int, best_epoch: int
) -> str:
    """Training against validation accuracy at the kept epoch: a gap above the noise
    (:func:`labhelpers.noise.verdict`) reads as fitting the training reviews more
    closely than new ones; a gap within noise says the run shows no overfitting."""
    d, se = noise.difference(train, validation)
    figures = (
        f"training accuracy {100 * train.value:.2f}% and validation accuracy "
        f"{100 * validation.value:.2f}% at the kept epoch ({best_epoch} of {epochs}; "
        f"gap {100 * d:+.2f} ± {100 * se:.2f} points)"
    )
    side = noise.verdict(train, validation)
    if side == "above":
        return (
            f"The model fits the training reviews more closely than new ones: {figures}, "
            "more than two standard errors apart."
        )
    if side == "within noise":
        return f"The run shows no overfitting yet: {figures}, within noise of each other."
    return (
        f"Validation accuracy is above training accuracy: {figures}. Training accuracy is "
        "averaged over an epoch while the weights still change, and the validation "
        "reviews are few."
    )


def selection_sentence(test_curve: Sequence[float]) -> str:
    """What choosing the epoch on the test curve did in this run: the best test accuracy
    over the epochs against the last epoch's, or that the two coincide."""
    curve = np.asarray(test_curve, dtype=float)
    if curve.ndim != 1 or len(curve) == 0:
        raise ValueError("test_curve needs one test accuracy per epoch")
    best = int(np.argmax(curve))
    if best == len(curve) - 1:
        return (
            f"Here the last epoch ({len(curve)}) also had the highest test accuracy "
            f"({100 * curve[-1]:.2f}%), so in this run the choice and the last epoch coincide."
        )
    return (
        f"Here the highest test accuracy over the epochs was {100 * curve[best]:.2f}% "
        f"(epoch {best + 1}) against {100 * curve[-1]:.2f}% after the last epoch "
        f"({len(curve)}): a figure chosen on the test curve reads "
        f"{100 * (curve[best] - curve[-1]):.2f} points higher."
    )


def check_split_sizes(n_train: int, validation_fraction: float) -> None:
    """Refuse, in the settings cell, an ``n_train`` (0: every training review) whose validation
    share or training remainder would be empty: training would stop later on an empty split."""
    if not n_train:
        return
    n_val = int(round(validation_fraction * n_train))
    if n_val < 1 or n_train - n_val < 1:
        smallest = next(n for n in range(2, 10_000) if 1 <= round(validation_fraction * n) < n)
        raise ValueError(
            f"n_train={n_train} with validation_fraction={validation_fraction:g} leaves "
            f"{n_val} validation and {n_train - n_val} training reviews: give n_train of at least "
            f"{smallest}, or 0 for every training review"
        )
