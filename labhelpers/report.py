"""What a run reports: the Observation table, the Result sentence and the saved results.

Everything here is computed from a run (its history and metrics), so the
Observation and Result of a notebook are never typed in by hand.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .base.checks import positive_int
from .base.machine import machine_description
from .base.notebook_file import RESULTS_MIME


def observation_table(history: Mapping[str, Sequence[float]], every: int = 1) -> pd.DataFrame:
    """Per-epoch table (epoch, loss, accuracy, val_loss, val_accuracy, seconds).

    ``every`` keeps every n-th epoch (and always the last), as the records print
    the losses every 10 epochs.
    """
    positive_int("every", every)
    n_epochs = len(history.get("loss", ()))
    if n_epochs == 0:
        raise ValueError("history has no 'loss' entries: train for at least one epoch first")
    columns = [
        key for key in ("loss", "accuracy", "val_loss", "val_accuracy", "seconds") if key in history
    ]
    table = pd.DataFrame({key: list(history[key]) for key in columns})
    table.insert(0, "epoch", range(1, n_epochs + 1))
    keep = [i for i in range(n_epochs) if (i + 1) % every == 0 or i == n_epochs - 1]
    return table.iloc[keep].set_index("epoch")


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def result_sentence(
    model: str,
    metrics: Mapping[str, float],
    epochs: int,
    seconds: float,
    data: str,
    record: Mapping[str, float] | None = None,
) -> str:
    """One or two sentences with the measured numbers, compared with the record's.

    ``metrics`` and ``record`` map names such as ``accuracy`` and ``f1`` to
    values in [0, 1]; accuracy is written as a percentage.
    """

    def show(name: str, value: float) -> str:
        return f"accuracy {percent(value)}" if name == "accuracy" else f"{name} {value:.4f}"

    measured = ", ".join(show(name, value) for name, value in metrics.items())
    sentence = (
        f"{model} reached {measured} on {data} after {epochs} epochs ({seconds:.2f} s of training)."
    )
    if record:
        shared = [name for name in record if name in metrics]
        reported = ", ".join(show(name, record[name]) for name in record)
        if shared:
            differences = ", ".join(
                f"{name} {100 * (metrics[name] - record[name]):+.2f} points" for name in shared
            )
            sentence += f" The lab record reported {reported}; this run differs by {differences}."
        else:
            sentence += f" The lab record reported {reported}."
    return sentence


def _json_value(value: Any) -> Any:
    """A setting as JSON holds it: a torch device (or any other object) as its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    return str(value)


def report_result(
    sentence: str,
    settings: Mapping[str, Any],
    *,
    title: str,
    data: str,
    metrics: Mapping[str, float],
    model: str,
    headline: str,
    lab_record: Mapping[str, float] | None = None,
    source: str | None = None,
    split: str | None = None,
    baselines: Mapping[str, float] | None = None,
) -> None:
    """Show a lesson's Result and save its results for the Results page, in one call.

    ``sentence`` (Markdown) is displayed: it is the Result a student reads and copies.
    The results saved beside it: ``settings`` (the notebook's, with its ``profile``), what
    ``data`` the run used, ``metrics`` by name, ``model`` in words, ``headline`` (the metric
    the Results page's cross-lesson table shows), ``lab_record`` (the lab record's own figures
    by metric name, where it reported any) and, for the review lessons, ``source`` (``"imdb"``
    or ``"synthetic"``), ``split`` (``"official"`` or ``"random"``) and ``baselines`` (the
    bag-of-words test accuracy by split, which the Results page sets beside every IMDB result
    of the same split). The results are displayed as an output of their own MIME type, which
    the batch runner collects from the executed notebook; its plain-text form is a short
    deterministic line, so regression tests are unaffected. Outside IPython it only checks them.
    """
    if headline not in metrics:
        raise ValueError(
            f"headline {headline!r} must name one of the metrics: {', '.join(metrics)}"
        )
    unknown = sorted(set(lab_record or {}) - set(metrics))
    if unknown:
        raise ValueError(
            f"lab_record names {unknown}, which are not among the metrics {', '.join(metrics)}"
        )
    results = {
        "title": title,
        "profile": settings.get("profile"),
        "data": data,
        "model": model,
        "headline": headline,
        "sentence": sentence,
        "lab_record": {name: float(value) for name, value in (lab_record or {}).items()},
        "source": source,
        "split": split,
        "baselines": {name: float(value) for name, value in (baselines or {}).items()},
        "metrics": {name: float(value) for name, value in metrics.items()},
        "settings": {name: _json_value(value) for name, value in settings.items()},
        "machine": machine_description(),
        "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    json.dumps(results)  # fail here, not in the runner, if something is not JSON
    try:
        from IPython.display import Markdown, display
    except ImportError:
        return
    display(Markdown(sentence))
    display(
        {
            RESULTS_MIME: results,
            "text/plain": f"Results of {title} saved ({len(results['metrics'])} figures).",
        },
        raw=True,
    )


ROUNDING_BOUND = 1e-14


def rounding_level(difference: float, bound: float = ROUNDING_BOUND) -> str:
    """A float64 difference as text: ``"< 1e-14"`` below ``bound``, else its value (``"3.2e-12"``).

    Differences at float64 rounding level (about 1e-16) change their digits with
    the CPU's vector kernels. Printed as a bound they read the same on every
    machine, so the regression tests compare them, and a real error (1e-12)
    still shows its value.
    """
    return f"< {bound:.0e}" if abs(difference) < bound else f"{difference:.1e}"


def answers(lines: Sequence[str], title: str = "Answers from this run") -> str:
    """Markdown that shows ``lines`` as a list hidden until the reader clicks ``title``.

    An HTML ``<details>`` block with Markdown inside (blank lines around it):
    JupyterLab, Colab and the book (MyST) all render it collapsed with its
    maths typeset, where MyST's ``:::{admonition}`` shows as literal text
    outside the book. The lessons' static answer cells use the same form.
    """
    if not lines:
        raise ValueError("answers needs at least one line to show")
    items = "\n".join(f"- {line}" for line in lines)
    return f"<details>\n<summary>{title}</summary>\n\n{items}\n\n</details>"
