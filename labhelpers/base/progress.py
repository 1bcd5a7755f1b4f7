"""The line a training loop prints after each epoch, the same in every lesson (torch and Keras).

Kept apart from :mod:`labhelpers.training` so that the Keras lesson prints it without importing
torch, and from :mod:`labhelpers.report` so that training imports nothing of the report.
"""

from __future__ import annotations

from collections.abc import Mapping


def epoch_summary(values: Mapping[str, float]) -> str:
    """``loss 0.4700  accuracy 0.8875``: an epoch's figures,
    four decimals each, as every training loop shows them."""
    return "  ".join(f"{name} {value:.4f}" for name, value in values.items())


def epoch_line(epoch: int, epochs: int, values: Mapping[str, float], seconds: float) -> str:
    """``epoch  7/20  loss 0.4700 ...  (0.35 s)``: the one
    line per epoch of every lesson (torch and Keras alike)."""
    return f"epoch {epoch:>{len(str(epochs))}}/{epochs}  {epoch_summary(values)}  ({seconds:.2f} s)"


PERPLEXITY_FIGURES = ("loss", "perplexity", "val_loss", "val_perplexity")


def perplexity_epoch_line(history: Mapping[str, list[float]], epoch: int, epochs: int) -> str:
    """The epoch line of a character model: its last loss and perplexity (and validation's)."""
    shown = {key: history[key][-1] for key in PERPLEXITY_FIGURES if key in history}
    return epoch_line(epoch, epochs, shown, history["seconds"][-1])
