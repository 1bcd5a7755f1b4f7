"""Figures the lab records draw, as PNG-friendly matplotlib figures."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .files import atomic_write


def save_figure(fig, path: str | Path | None):
    """Write ``fig`` as a PNG to ``path`` (atomically; nothing when ``path`` is None) and return it."""
    if path is not None:
        with atomic_write(path) as file:
            fig.savefig(file, format="png", dpi=100, bbox_inches="tight")
    return fig


def plot_history(
    history: Mapping[str, Sequence[float]],
    title: str | None = None,
    path: str | Path | None = None,
):
    """Loss and accuracy against epoch, side by side, training and validation.

    ``history`` has Keras-like keys: ``loss`` and optionally ``val_loss``,
    ``accuracy``, ``val_accuracy``. Without accuracy (regression) only the loss
    panel is drawn. Saved as PNG to ``path`` when given. Returns the figure.
    """
    import matplotlib.pyplot as plt

    if "loss" not in history or len(history["loss"]) == 0:
        raise ValueError("history must contain a non-empty 'loss' list (train for at least one epoch)")
    panels = ["loss"] + (["accuracy"] if "accuracy" in history else [])
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 3.8), squeeze=False)
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, key in zip(axes[0], panels):
        ax.plot(epochs, history[key], marker="o", markersize=3, label="training")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], marker="o", markersize=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(f"{key} per epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_confusion_matrix(
    matrix: np.ndarray,
    target_names: Sequence[str],
    title: str = "Confusion matrix",
    path: str | Path | None = None,
):
    """A confusion matrix as an annotated heat map (rows: true class, columns: predicted)."""
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] != len(target_names):
        raise ValueError(
            f"matrix must be square with one row per name in target_names ({len(target_names)}), got shape {matrix.shape}"
        )
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    image = ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, str(count), ha="center", va="center",
                color="white" if count > matrix.max() / 2 else "black")
    ax.set_xticks(range(len(target_names)), target_names)
    ax.set_yticks(range(len(target_names)), target_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="samples")
    fig.tight_layout()
    return save_figure(fig, path)
