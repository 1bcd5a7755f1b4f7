"""Every figure of the lessons (curves, confusion matrices, the
theory lessons' gradient norms), as PNG matplotlib figures."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .base.files import atomic_write


def save_figure(fig, path: str | Path | None):
    """Write ``fig`` as a PNG to ``path`` (atomically;
    nothing when ``path`` is None) and return it."""
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
        raise ValueError(
            "history must contain a non-empty 'loss' list (train for at least one epoch)"
        )
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
    if (
        matrix.ndim != 2
        or matrix.shape[0] != matrix.shape[1]
        or matrix.shape[0] != len(target_names)
    ):
        raise ValueError(
            "matrix must be square with one row per name in target_names "
            f"({len(target_names)}), got shape {matrix.shape}"
        )
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    image = ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(
            j,
            i,
            str(count),
            ha="center",
            va="center",
            color="white" if count > matrix.max() / 2 else "black",
        )
    ax.set_xticks(range(len(target_names)), target_names)
    ax.set_yticks(range(len(target_names)), target_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="samples")
    fig.tight_layout()
    return save_figure(fig, path)


def _rounded_box(ax, centre, half_size, colour, edge="black", linewidth=1.2, pad=0.04, **patch):
    """A rounded box of the diagrams centred at ``centre``; ``half_size`` is (width, height) / 2."""
    from matplotlib.patches import FancyBboxPatch

    (x, y), (half_width, half_height) = centre, half_size
    ax.add_patch(
        FancyBboxPatch(
            (x - half_width, y - half_height),
            2 * half_width,
            2 * half_height,
            boxstyle=f"round,pad={pad}",
            facecolor=colour,
            edgecolor=edge,
            linewidth=linewidth,
            **patch,
        )
    )


def _unrolled_node(ax, x, y, text, colour) -> None:
    """A node of :func:`plot_unrolled_rnn`: ``text`` in a rounded box at (x, y)."""
    _rounded_box(ax, (x, y), (0.28, 0.2), colour)
    ax.text(x, y, text, ha="center", va="center", fontsize=13)


def _weight_arrow(ax, start, end, label, offset=(0.0, 0.0)) -> None:
    """An arrow of :func:`plot_unrolled_rnn` from ``start`` to ``end``, with the weight it carries
    written at its middle (moved by ``offset``)."""
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=14,
            linewidth=1.3,
            color="black",
            connectionstyle="arc3",
        )
    )
    middle = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
    ax.text(
        *middle,
        label,
        ha="center",
        va="center",
        fontsize=11,
        color="#8b1a1a",
        bbox=dict(facecolor="white", edgecolor="none", pad=0.5),
    )


def plot_unrolled_rnn(steps: int = 3, path: str | Path | None = None):
    """The vanilla RNN folded (left) and unrolled over ``steps`` time steps (right).

    Nodes x_t (input), h_t (hidden state) and g_t (output); arrows labelled
    with the weights they carry: W_in (input to hidden), W_hh (hidden to the
    next hidden state, shared by every step), W_g (hidden to output). The
    equations are written under the drawing.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= 8:
        raise ValueError(
            f"steps must be an integer from 1 to 8 (the figure gets crowded beyond), got {steps!r}"
        )
    colours = {"x": "#dbe9f6", "h": "#fde2c4", "g": "#d9f0d3", "h0": "#eeeeee"}
    fig, ax = plt.subplots(figsize=(2.1 * (steps + 3), 4.6))
    ax.set_xlim(-0.6, steps + 2.6)
    ax.set_ylim(-1.25, 2.6)
    ax.set_aspect("equal")
    ax.axis("off")

    # Folded: one cell with a loop through W_hh.
    _unrolled_node(ax, 0, 0, r"$x_t$", colours["x"])
    _unrolled_node(ax, 0, 1, r"$h_t$", colours["h"])
    _unrolled_node(ax, 0, 2, r"$g_t$", colours["g"])
    _weight_arrow(ax, (0, 0.24), (0, 0.76), r"$W_{in}$", offset=(0.3, 0))
    _weight_arrow(ax, (0, 1.24), (0, 1.76), r"$W_g$", offset=(0.28, 0))
    ax.add_patch(
        FancyArrowPatch(
            (0.32, 1.1),
            (0.32, 0.9),
            arrowstyle="-|>",
            mutation_scale=14,
            linewidth=1.3,
            color="black",
            connectionstyle="arc,angleA=0,angleB=0,armA=28,armB=28,rad=8",
        )
    )
    ax.text(0.62, 1.3, r"$W_{hh}$", ha="center", va="center", fontsize=11, color="#8b1a1a")
    ax.text(0, -0.55, "folded", ha="center", fontsize=11, style="italic")
    ax.text(1.3, 1.0, "=", ha="center", va="center", fontsize=20)

    # Unrolled: h_0, then one column per time step.
    first = 2.0
    _unrolled_node(ax, first, 1, r"$h_0$", colours["h0"])
    for step in range(1, steps + 1):
        x = first + step
        _unrolled_node(ax, x, 0, rf"$x_{{{step}}}$", colours["x"])
        _unrolled_node(ax, x, 1, rf"$h_{{{step}}}$", colours["h"])
        _unrolled_node(ax, x, 2, rf"$g_{{{step}}}$", colours["g"])
        _weight_arrow(ax, (x, 0.24), (x, 0.76), r"$W_{in}$", offset=(0.26, 0.0))
        _weight_arrow(ax, (x, 1.24), (x, 1.76), r"$W_g$", offset=(0.24, 0.0))
        _weight_arrow(ax, (x - 0.68, 1), (x - 0.32, 1), r"$W_{hh}$", offset=(0, 0.2))
    return _finish_diagram(
        fig,
        ax,
        (first + steps / 2, -0.55),
        rf"unrolled over $T = {steps}$ steps: the same "
        r"$W_{in}$, $W_{hh}$, $W_g$, $b$ at every step",
        ((steps + 2.0) / 2, -1.05),
        r"$h_t = \tanh(W_{hh}\,h_{t-1} + W_{in}\,x_t + b), \qquad g_t = W_g\,h_t, \qquad h_0 = 0$",
        14,
        "A recurrent network unrolled in time",
        path,
    )


def _finish_diagram(
    fig, ax, caption_at, caption: str, equations_at, equations: str, size, title, path
):
    """Under a diagram, its ``caption`` in italics and its ``equations`` (font ``size``), each
    centred at its (x, y); then its title, and the figure saved."""
    ax.text(*caption_at, caption, ha="center", fontsize=11, style="italic")
    ax.text(*equations_at, equations, ha="center", fontsize=size)
    ax.set_title(title)
    fig.tight_layout()
    return save_figure(fig, path)


_BIDIRECTIONAL_HALF = 0.22  # half a node's width in plot_bidirectional_rnn
_BOLD_EDGE = "#222222"  # the outline of the states on g_focus's paths


def _bidirectional_node(ax, x, y, text, colour, bold=False, edge=None, gid=None) -> None:
    """A node of :func:`plot_bidirectional_rnn`: ``text`` in a rounded box at (x, y), outlined in
    bold on g_focus's paths, its patch named ``gid``."""
    edge = edge or (_BOLD_EDGE if bold else "black")
    linewidth = 2.6 if bold else 1.1
    _rounded_box(ax, (x, y), (_BIDIRECTIONAL_HALF, 0.18), colour, edge, linewidth, 0.03, zorder=2)
    ax.patches[-1].set_gid(gid)
    ax.text(x, y, text, ha="center", va="center", fontsize=12, zorder=3)


def _arrow(ax, start, end, colour="black") -> None:
    """A plain arrow of :func:`plot_bidirectional_rnn` from ``start`` to ``end``."""
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=12, linewidth=1.1, color=colour
        )
    )


def _span(first: int, last: int) -> str:
    """``$x_2$`` or ``$x_1, \\dots, x_3$``: the inputs from step ``first`` to ``last``."""
    return rf"$x_{{{first}}}$" if first == last else rf"$x_{{{first}}}, \dots, x_{{{last}}}$"


def _bidirectional_legend(ax, read, focus: int, past: str, future: str, steps: int, rows) -> None:
    """The labels of :func:`plot_bidirectional_rnn`'s two directions, and the legend under it:
    which inputs g_focus reads, and how."""
    from matplotlib.patches import Patch

    ax.text(
        -0.9, rows["f"] - 0.45, "forward: reads the past", ha="left", fontsize=10, color="#c06000"
    )
    ax.text(
        steps + 1.6,
        rows["b"] + 0.45,
        "backward: reads the future",
        ha="right",
        fontsize=10,
        color="#6a3d9a",
    )
    handles = [
        Patch(
            facecolor=read["past"][0],
            edgecolor=read["past"][1],
            linewidth=2,
            label=f"{past}: inputs up to step {focus}, read by $g_{{{focus}}}$",
        ),
        Patch(
            facecolor=read["future"][0],
            edgecolor=read["future"][1],
            linewidth=2,
            label=f"{future}: inputs after step {focus} (the future), read by $g_{{{focus}}}$",
        ),
        Patch(
            facecolor="white",
            edgecolor=read["path"],
            linewidth=2,
            label=f"bold: the states that carry them to $g_{{{focus}}}$",
        ),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=1,
        fontsize=10,
        frameon=False,
    )


def plot_bidirectional_rnn(
    steps: int = 4, focus: int | None = None, path: str | Path | None = None
):
    """A bidirectional RNN unrolled over ``steps`` steps, and what its output at one step reads.

    Bottom row: inputs x_t. Above them the forward states, each fed by the one on its left
    (the past), and the backward states, each fed by the one on its right (the future);
    on top the output of step t reads both, h_t = [forward h_t; backward h_t]. For step
    ``focus`` (default: the second) every input its output reads is marked, and the legend
    says how: the forward states bring x_1..x_focus (past and current, blue), the backward
    states x_focus..x_T, so the inputs after ``focus`` (the future, red) are read too; the
    states on those paths and g_focus are outlined in bold black. Each node's patch has a
    ``gid`` ("x_3", "fwd_3", "bwd_3", "g_3") for tests. The equations are written under the
    drawing (Schuster & Paliwal 1997 introduced the architecture).
    """
    import matplotlib.pyplot as plt

    if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= 8:
        raise ValueError(
            f"steps must be an integer from 2 to 8 (one step has no future to show), got {steps!r}"
        )
    focus = 2 if focus is None else focus
    if isinstance(focus, bool) or not isinstance(focus, int) or not 1 <= focus < steps:
        raise ValueError(
            f"focus must be a step from 1 to steps - 1 = {steps - 1} (a step with a "
            f"future), got {focus!r}"
        )
    colours = {"x": "#dbe9f6", "f": "#fde2c4", "b": "#e4d7f2", "y": "#d9f0d3", "0": "#eeeeee"}
    # What g_focus reads: inputs up to focus (past and current) and after it (the future).
    read = {"past": ("#a6cee3", "#1f5fa8"), "future": ("#fbb4ae", "#b22222"), "path": _BOLD_EDGE}
    fig, ax = plt.subplots(figsize=(1.9 * (steps + 2) + 1.0, 5.6))
    ax.set_xlim(-0.9, steps + 1.6)
    ax.set_ylim(-1.5, 3.35)
    ax.set_aspect("equal")
    ax.axis("off")
    # Forward states left of their input's column, backward states right of it and higher,
    # so that no arrow crosses a node.
    half, shift = _BIDIRECTIONAL_HALF, 0.26
    rows = {"x": 0.0, "f": 1.0, "b": 1.75, "y": 2.75}

    fwd, bwd = r"\overrightarrow{h}", r"\overleftarrow{h}"
    _bidirectional_node(ax, 1 - 1 - shift, rows["f"], rf"${fwd}_0$", colours["0"])
    _bidirectional_node(ax, steps + 1 + shift, rows["b"], rf"${bwd}_{{{steps + 1}}}$", colours["0"])
    for step in range(1, steps + 1):
        x = float(step)
        f, b = x - shift, x + shift
        # g_focus reads every input: up to focus in blue, after it (the future) in red; bold
        # black outlines: the states that bring both sides to g_focus, and g_focus.
        face, edge = read["past" if step <= focus else "future"]
        _bidirectional_node(ax, x, rows["x"], rf"$x_{{{step}}}$", face, True, edge, f"x_{step}")
        _bidirectional_node(
            ax, f, rows["f"], rf"${fwd}_{{{step}}}$", colours["f"], step <= focus, gid=f"fwd_{step}"
        )
        _bidirectional_node(
            ax, b, rows["b"], rf"${bwd}_{{{step}}}$", colours["b"], step >= focus, gid=f"bwd_{step}"
        )
        _bidirectional_node(
            ax, x, rows["y"], rf"$g_{{{step}}}$", colours["y"], step == focus, gid=f"g_{step}"
        )
        _arrow(ax, (x - 0.1, rows["x"] + 0.2), (f, rows["f"] - 0.2))
        _arrow(ax, (x + 0.1, rows["x"] + 0.2), (b, rows["b"] - 0.2))
        _arrow(ax, (f, rows["f"] + 0.2), (x - 0.1, rows["y"] - 0.2))
        _arrow(ax, (b, rows["b"] + 0.2), (x + 0.1, rows["y"] - 0.2))
        _arrow(ax, (f - 1 + half + 0.02, rows["f"]), (f - half - 0.02, rows["f"]), colour="#c06000")
        _arrow(ax, (b + 1 - half - 0.02, rows["b"]), (b + half + 0.02, rows["b"]), colour="#6a3d9a")
    past, future = _span(1, focus), _span(focus + 1, steps)
    _bidirectional_legend(ax, read, focus, past, future, steps, rows)
    return _finish_diagram(
        fig,
        ax,
        ((steps + 0.7) / 2, -0.6),
        rf"$g_{{{focus}}}$ reads every input: {past} through the forward states, "
        rf"{_span(focus, steps)} through the backward states, so {future}, the inputs after "
        rf"step {focus}, too",
        ((steps + 0.7) / 2, -1.2),
        rf"${fwd}_t = \tanh(\overrightarrow{{W}}_{{hh}}\,{fwd}_{{t-1}} + "
        rf"\overrightarrow{{W}}_{{in}}\,x_t + \overrightarrow{{b}}), \quad "
        rf"{bwd}_t = \tanh(\overleftarrow{{W}}_{{hh}}\,{bwd}_{{t+1}} + "
        rf"\overleftarrow{{W}}_{{in}}\,x_t + \overleftarrow{{b}}), \quad "
        rf"g_t = W_g\,[{fwd}_t;\,{bwd}_t] + b_g$",
        12,
        "A bidirectional RNN: every output reads the whole sequence",
        path,
    )


def plot_norms_by_lag(
    norms: Mapping[str, Sequence[float]],
    bounds: Mapping[str, Sequence[float]] | None = None,
    title: str = r"Norm of $\partial h_t / \partial h_{t-\mathrm{lag}}$ against the lag",
    ylabel: str = r"spectral norm $\|\partial h_t / \partial h_k\|_2$ (log scale)",
    ylim: tuple[float, float] | None = None,
    ax=None,
    path: str | Path | None = None,
):
    """One line per entry of ``norms`` (label -> norm at lag 0, 1, 2, ...), on a log scale.

    ``bounds`` (same labels) are drawn dashed in the same colour: the upper
    bound ||W_hh||_2^lag. A horizontal line marks 1, where a product neither
    shrinks nor grows. Zeros (underflow) are left out of the log plot.
    Returns the figure.
    """
    import matplotlib.pyplot as plt

    if not norms:
        raise ValueError("norms is empty: give at least one {label: norms by lag}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.5, 4.6))
    else:
        fig = ax.figure
    for index, (label, values) in enumerate(norms.items()):
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(
                f"norms[{label!r}] must be a non-empty 1-D sequence "
                f"(one norm per lag), got shape {values.shape}"
            )
        colour = f"C{index % 10}"
        lags = np.arange(len(values))
        shown = np.where(values > 0, values, np.nan)
        ax.plot(lags, shown, color=colour, linewidth=2, label=label)
        if bounds is not None and label in bounds:
            bound = np.asarray(bounds[label], dtype=float)
            ax.plot(
                np.arange(len(bound)), bound, color=colour, linestyle="--", linewidth=1, alpha=0.8
            )
    if bounds:
        ax.plot(
            [],
            [],
            color="grey",
            linestyle="--",
            linewidth=1,
            label=r"bound $\|W_{hh}\|_2^{\,\mathrm{lag}}$",
        )
    ax.axhline(1.0, color="black", linewidth=0.8, alpha=0.6)
    ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(r"lag $t - k$ (time steps)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)


def show_gradient_norm_slider(
    compute: Callable[[float], tuple[np.ndarray, np.ndarray]],
    scales: Sequence[float],
    value: float = 1.0,
    limits: tuple[float, float] = (0.3, 2.0),
    ylim: tuple[float, float] | None = (1e-12, 1e8),
) -> str:
    """A slider for the scale of W_hh that redraws the
    gradient-norm plot; a static figure in batch runs.

    ``compute(scale)`` returns ``(norms, bound)``, each one value per lag. With
    a person at a live notebook (JupyterLab, Colab; see
    :func:`labhelpers.base.runtime.is_interactive`) and ipywidgets installed, an
    ``interact`` slider over ``limits`` redraws one line per move. Otherwise
    (papermill, the HTML book, the tests) no widget is made: it draws the
    static figure for every scale in ``scales``.
    Returns ``"slider"`` or ``"static"``, the one it showed.
    """
    import matplotlib.pyplot as plt

    from .base.runtime import is_interactive

    if not scales:
        raise ValueError("scales is empty: give the scales the static figure should show")
    low, high = limits
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        raise ValueError(f"limits must be two finite numbers with 0 < low < high, got {limits!r}")
    if not low <= value <= high:
        raise ValueError(f"value must lie within limits {limits}, got {value!r}")

    def draw(scale: float):
        norms, bound = compute(scale)
        label = rf"$\|W_{{hh}}\|_2$ = {scale:.2f}"
        plot_norms_by_lag(
            {label: norms},
            {label: bound},
            ylim=ylim,
            title=r"Gradient factor $\|\partial h_t/\partial h_k\|_2$ with "
            rf"$\|W_{{hh}}\|_2$ = {scale:.2f}",
        )
        plt.show()

    widgets = None
    if is_interactive():
        try:
            import ipywidgets as widgets
        except ImportError:
            print("ipywidgets is not installed: showing the static figure instead of a slider.")
    if widgets is not None:
        widgets.interact(
            draw,
            scale=widgets.FloatSlider(
                value=value,
                min=low,
                max=high,
                step=0.05,
                description="||W_hh||_2",
                continuous_update=False,
            ),
        )
        return "slider"
    results = {rf"$\|W_{{hh}}\|_2$ = {scale:.2f}": compute(scale) for scale in scales}
    plot_norms_by_lag(
        {label: norms for label, (norms, _) in results.items()},
        {label: bound for label, (_, bound) in results.items()},
        ylim=ylim,
        title=r"Gradient factor $\|\partial h_t/\partial h_k\|_2$ for each scale of $W_{hh}$",
    )
    plt.show()
    return "static"


def _first_bad(values: np.ndarray) -> int | None:
    bad = np.flatnonzero(~np.isfinite(values))
    return int(bad[0]) if len(bad) else None


def _finite(values: np.ndarray) -> np.ndarray:
    """``values`` with inf and NaN as NaN, which matplotlib leaves out of a line."""
    return np.where(np.isfinite(values), values, np.nan)


def _log_panel(ax, xlabel: str, ylabel: str, title: str) -> None:
    """Finish a panel with a log y axis: labels, title, light grid, small legend."""
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def _clipping_loss_panel(ax, loss_plain: np.ndarray, loss_clipped: np.ndarray, threshold) -> None:
    """The left panel of :func:`plot_clipping_comparison`: both runs' loss per epoch, a
    non-finite loss marked with a cross at the top edge."""
    for values, label, colour in (
        (loss_plain, "no clipping", "C3"),
        (loss_clipped, f"clipped at {threshold:g}", "C0"),
    ):
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, _finite(values), marker="o", markersize=3, color=colour, label=label)
        bad = ~np.isfinite(values)
        if bad.any():
            ax.plot(
                epochs[bad],
                np.ones(bad.sum()),
                linestyle="none",
                marker="x",
                markersize=8,
                color=colour,
                transform=ax.get_xaxis_transform(),
                clip_on=False,
                label=f"{label}: loss inf/NaN from epoch {_first_bad(values) + 1}",
            )
    _log_panel(ax, "epoch", "training loss (MSE, log scale)", "Training loss per epoch")


def plot_clipping_comparison(
    loss_plain: Sequence[float],
    loss_clipped: Sequence[float],
    grad_norm_plain: Sequence[float],
    grad_norm_clipped: Sequence[float],
    threshold: float,
    title: str | None = None,
    path: str | Path | None = None,
):
    """The same training run without and with gradient-norm clipping, side by side.

    Left: training loss per epoch of both runs (log scale); a non-finite loss
    (inf, NaN) is marked with a cross at the top edge. Middle: the gradient
    norm of every step of the unclipped run. Right: the clipped run's norm
    before clipping and the norm actually applied, min(norm, threshold), with
    the threshold line. ``grad_norm_*`` hold one norm per training step, as
    ``fit(..., clip_grad_norm=...)`` records them in ``history["grad_norm"]``.
    """
    import matplotlib.pyplot as plt

    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and threshold > 0):
        raise ValueError(f"threshold must be a positive finite number, got {threshold!r}")
    loss_plain, loss_clipped = np.asarray(loss_plain, float), np.asarray(loss_clipped, float)
    norm_plain, norm_clipped = (
        np.asarray(grad_norm_plain, float),
        np.asarray(grad_norm_clipped, float),
    )
    for name, values in (
        ("loss_plain", loss_plain),
        ("loss_clipped", loss_clipped),
        ("grad_norm_plain", norm_plain),
        ("grad_norm_clipped", norm_clipped),
    ):
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {values.shape}")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    norm_label = r"gradient norm $\|\nabla_\theta L\|_2$ (log scale)"

    def threshold_line(ax):
        ax.axhline(
            threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold:g}"
        )

    _clipping_loss_panel(axes[0], loss_plain, loss_clipped, threshold)

    ax = axes[1]
    steps = np.arange(1, len(norm_plain) + 1)
    ax.plot(steps, _finite(norm_plain), color="C3", linewidth=1, label="no clipping")
    first = _first_bad(norm_plain)
    if first is not None:
        ax.axvline(
            first + 1, color="C3", linestyle=":", label=f"norm inf/NaN from step {first + 1}"
        )
    threshold_line(ax)
    _log_panel(ax, "training step (mini-batch)", norm_label, "Gradient norm, unclipped run")

    ax = axes[2]
    steps = np.arange(1, len(norm_clipped) + 1)
    ax.plot(steps, norm_clipped, color="C0", linewidth=1, label="before clipping")
    ax.plot(
        steps,
        np.minimum(norm_clipped, threshold),
        color="C2",
        linewidth=1.5,
        label="applied: min(norm, threshold)",
    )
    threshold_line(ax)
    clipped_share = float(np.mean(norm_clipped > threshold))
    _log_panel(
        ax,
        "training step (mini-batch)",
        norm_label,
        f"Gradient norm, clipped run ({clipped_share:.0%} of steps clipped)",
    )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_accuracy_by_distance(
    distances: Sequence[int],
    accuracies: Mapping[str, Sequence[float]],
    chance: float | None = None,
    title: str = "Long-range task: test accuracy against the distance d",
    path: str | Path | None = None,
    *,
    labels: Sequence[str] | None = None,
    xlabel: str = "distance d: steps between the key token and the answer (log scale)",
):
    """Test accuracy (in %) against the distance d, one line per model, with the chance level.

    ``accuracies`` maps a model name to one accuracy in [0, 1] per distance. ``labels``
    (ranges of distances, one per point) places the points evenly, named by them, instead of
    on a log scale of ``distances``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    distances = np.asarray(distances)
    if distances.ndim != 1 or len(distances) == 0:
        raise ValueError(f"distances must be a non-empty 1-D sequence, got shape {distances.shape}")
    if not accuracies:
        raise ValueError("accuracies is empty: give at least one {model: accuracy per distance}")
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    for index, (name, values) in enumerate(accuracies.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != distances.shape:
            raise ValueError(
                f"accuracies[{name!r}] has {values.shape} values, distances has {distances.shape}"
            )
        ax.plot(
            distances, 100 * values, marker="o", color=f"C{index % 10}", linewidth=2, label=name
        )
    if chance is not None:
        ax.axhline(
            100 * chance, color="grey", linestyle="--", linewidth=1, label=f"chance ({chance:.0%})"
        )
    if labels is None:
        ax.set_xscale("log")
        ax.set_xticks(distances, [str(d) for d in distances])
        ax.minorticks_off()
    else:
        ax.set_xticks(distances, list(labels))
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)


def plot_model_histories(
    histories: Mapping[str, Mapping[str, Sequence[float]]],
    keys: Sequence[str] = ("accuracy", "loss"),
    title: str | None = None,
    path: str | Path | None = None,
):
    """Several models' learning curves side by side: one panel per metric in ``keys``.

    ``histories`` maps a model name to its Keras-like history (``key`` and ``val_key`` per
    epoch). Each model has its own colour: training solid with circles, validation dashed
    with squares (lesson 8: SimpleRNN against LSTM). Returns the figure.
    """
    import matplotlib.pyplot as plt

    if not histories:
        raise ValueError("histories is empty: give at least one {model: history}")
    fig, axes = plt.subplots(1, len(keys), figsize=(5.5 * len(keys), 3.8), squeeze=False)
    for ax, key in zip(axes[0], keys):
        for index, (name, history) in enumerate(histories.items()):
            epochs = np.arange(1, len(history[key]) + 1)
            style = dict(color=f"C{index % 10}", markersize=3)
            ax.plot(epochs, history[key], marker="o", label=f"{name} training", **style)
            ax.plot(epochs, history[f"val_{key}"], marker="s", linestyle="--",
                    label=f"{name} validation", **style)  # fmt: skip
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.set_title(f"{key} per epoch")
        ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_relative_gradient_by_lag(
    relative: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    n_reviews: int,
    path: str | Path | None = None,
):
    """Each model's gradient norm by lag, relative to the last word's, on a log scale (lesson 8).

    ``relative`` maps a model name to ``(ratio, se)`` by position (the last position is
    lag 0), as ``lessons.keras_imdb.relative_gradient`` returns them; the band is ± 2 standard
    errors, kept above a thousandth of the ratio for the log scale. ``n_reviews``: how many
    reviews the means are over, for the title. Returns the figure.
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for name, (ratio, se) in relative.items():
        ratio, se = np.asarray(ratio, dtype=float), np.asarray(se, dtype=float)
        lag_axis = np.arange(len(ratio))[::-1]
        ax.semilogy(lag_axis, ratio, label=name)
        ax.fill_between(
            lag_axis, np.maximum(ratio - 2 * se, ratio * 1e-3), ratio + 2 * se, alpha=0.2
        )
    ax.set_xlabel("steps before the end of the review (lag)")
    ax.set_ylabel("||dz/de_t|| / last word's (log)")
    ax.set_title(f"Gradient norm by lag, after training ({n_reviews} validation reviews, ± 2 s.e.)")
    ax.grid(alpha=0.3)
    ax.legend()
    return save_figure(fig, path)


def plot_review_lengths(lengths: Sequence[int], maxlen: int, record_cut: int = 200):
    """Lesson 13: a histogram of the words per training review, with a line at the record's cut
    (``record_cut``, dashed) and at the profile's ``maxlen`` (dotted), each labelled with the share
    of the reviews longer than it. Returns the figure."""
    import matplotlib.pyplot as plt

    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or len(lengths) == 0:
        raise ValueError("lengths needs one word count per review: give at least one review")
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.hist(lengths, bins=60, color="tab:blue", alpha=0.8)
    for cut, style in ((record_cut, "--"), (maxlen, ":")):
        longer = f"{np.mean(lengths > cut):.0%} of reviews longer"
        ax.axvline(cut, color="black", linestyle=style, label=f"cut at {cut}: {longer}")
    ax.set_xlabel(f"words per training review (first {maxlen} kept)")
    ax.set_ylabel("reviews")
    ax.legend()
    fig.tight_layout()
    return fig


# The colour of each kind of lesson 13's steps: the record's model, a tanh RNN, a gated cell.
STEP_COLOURS = {"record": "tab:gray", "rnn": "tab:blue", "gated": "tab:orange"}


def plot_steps_against_baseline(
    steps: Sequence[str],
    accuracy: Sequence[float],
    se: Sequence[float],
    seconds: Sequence[float],
    kinds: Sequence[str],
    baseline: float,
):
    """Lesson 13's steps side by side, the first on top: test accuracy (%) with bars of ± 2
    standard errors (``se``, points) and the TF-IDF ``baseline`` (a share) as a dashed line, and
    seconds per epoch. ``kinds`` colours each step by :data:`STEP_COLOURS`. Returns the figure."""
    import matplotlib.pyplot as plt

    columns = [list(steps), list(accuracy), list(se), list(seconds), list(kinds)]
    if len({len(column) for column in columns}) != 1 or not columns[0]:
        raise ValueError(
            "steps, accuracy, se, seconds and kinds need one value per step, at least one step"
        )
    unknown = sorted(set(kinds) - set(STEP_COLOURS))
    if unknown:
        raise ValueError(f"kinds {unknown} are not among {', '.join(STEP_COLOURS)}")
    names, accuracy, se, seconds, kinds = (column[::-1] for column in columns)
    colours = [STEP_COLOURS[kind] for kind in kinds]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True)
    axes[0].barh(names, accuracy, xerr=2 * np.asarray(se), color=colours)
    axes[0].axvline(100 * baseline, color="black", linestyle="--",
                    label=f"TF-IDF + logistic regression ({baseline:.1%})")  # fmt: skip
    axes[0].set_xlim(max(0, min(min(accuracy), 100 * baseline) - 5), 100)
    axes[0].set_xlabel("test accuracy (%), bars: ± 2 standard errors")
    axes[0].legend(loc="lower right", fontsize=8)
    axes[1].barh(names, seconds, color=colours)
    axes[1].set_xlabel("seconds per epoch (training and validation)")
    axes[0].set_title("gray: the record; blue: tanh RNN; orange: gated cells")
    fig.tight_layout()
    return fig


def plot_unit_activations(
    text: str,
    activations: Mapping[str, Sequence[float]],
    width: int = 80,
    limit: float = 1.0,
    title: str | None = None,
    path: str | Path | None = None,
):
    """One hidden unit's activation at every character of a passage, coloured character by
    character: one panel per unit, the passage wrapped every ``width`` characters.

    ``activations`` maps a panel's title to one value per character of ``text`` (the unit's
    state after reading that character). Each character is drawn in the cell of an image
    whose colour is its value, on a diverging scale from -``limit`` (blue) to +``limit``
    (red): 1 suits the tanh-bounded states of RNN, GRU and LSTM outputs. Spaces show as
    ``·`` and newlines as ``¶``, so that every character has a visible cell; a character on a
    dark cell (beyond 0.6 ``limit``) is written in white. Returns the
    figure (one image and ``len(text)`` text artists per panel, and one colour bar).
    """
    import matplotlib.pyplot as plt

    if not text:
        raise ValueError("text is empty: give the passage whose characters are coloured")
    if not activations:
        raise ValueError("activations is empty: give at least one {title: value per character}")
    if not (isinstance(width, int) and width > 0):
        raise ValueError(f"width must be a positive integer, got {width!r}")
    if not (math.isfinite(limit) and limit > 0):
        raise ValueError(f"limit must be a positive number, got {limit!r}")
    rows = -(-len(text) // width)
    fig, axes = plt.subplots(
        len(activations),
        1,
        figsize=(0.125 * width + 1.2, (0.22 * rows + 0.5) * len(activations) + 0.4),
        squeeze=False,
        layout="constrained",
    )
    shown = {" ": "·", "\n": "¶"}
    for ax, (name, values) in zip(axes[:, 0], activations.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != (len(text),):
            raise ValueError(
                f"activations[{name!r}] has shape {values.shape}, the text {len(text)} characters"
            )
        grid = np.full(rows * width, np.nan)
        grid[: len(text)] = values
        image = ax.imshow(
            grid.reshape(rows, width),
            cmap="RdBu_r",
            vmin=-limit,
            vmax=limit,
            aspect="auto",
            interpolation="nearest",
        )
        for index, char in enumerate(text):
            ax.text(
                index % width,
                index // width,
                shown.get(char, char),
                ha="center",
                va="center",
                fontsize=7,
                family="monospace",
                color="white" if abs(values[index]) > 0.6 * limit else "black",
            )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(name, fontsize=9, loc="left")
    fig.colorbar(image, ax=axes[:, 0].tolist(), fraction=0.02, pad=0.01, label="activation")
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


# ------------------------------------------------------------------ gated cells (lesson 6)
#
# Every drawn element of the cell diagrams has a gid that names it with the symbol of lesson
# 12's equations, so that a test can rebuild what each gate reads and writes: "state:x_t" (a
# value entering or leaving the cell), "gate:f_t" (a gate's box: its sigmoid or tanh), "op:..."
# (a pointwise operation), "product:n_t" (the GRU's W^{n}_{hh} product), "bus" (the line that
# brings x_t and h_{t-1} to the gates), "edge:SOURCE -> TARGET" (an arrow), and for texts
# "function:...", "weights:..." (the weights a box applies) and "label:..." (an arrow's value).


class _CellDiagram:
    """A small drawing kit for the gated cells: boxes, pointwise operations, arrows."""

    def __init__(self, ax, weights_colour="#8b1a1a"):
        self.ax = ax
        self.weights_colour = weights_colour

    def cell(self, width, height):
        from matplotlib.patches import FancyBboxPatch

        self.ax.add_patch(
            FancyBboxPatch(
                (0, 0),
                width,
                height,
                boxstyle="round,pad=0.1",
                facecolor="#f4f4f4",
                edgecolor="#555555",
                linewidth=1.5,
                gid="cell",
                zorder=0,
            )
        )

    def gate(self, symbol, xy, function, weights, colour, weights_at=(0.12, -0.62)):
        """A gate's box (its nonlinearity written in it), the weights it applies beside it."""
        x, y = xy
        _rounded_box(
            self.ax, xy, (0.45, 0.26), colour, linewidth=1.3, gid=f"gate:{symbol}", zorder=3
        )
        self.ax.text(
            x, y, f"${function}$", ha="center", va="center", fontsize=13, zorder=4,
            gid=f"function:{symbol}",
        )  # fmt: skip
        self.weights(symbol, (x + weights_at[0], y + weights_at[1]), weights)

    def weights(self, symbol, xy, weights, ha="left"):
        self.ax.text(
            *xy,
            "\n".join(f"${line}$" for line in weights),
            ha=ha,
            va="center",
            fontsize=9.5,
            color=self.weights_colour,
            gid=f"weights:{symbol}",
            zorder=4,
        )

    def product(self, symbol, xy, text, colour):
        """The GRU's recurrent product of the candidate, a box of its own (its weights in it)."""
        x, y = xy
        box = dict(gid=f"product:{symbol}", zorder=3)
        _rounded_box(self.ax, xy, (0.62, 0.22), "white", colour, 1.6, **box)
        self.ax.text(
            x, y, f"${text}$", ha="center", va="center", fontsize=11, color=self.weights_colour,
            gid=f"weights:{symbol}", zorder=4,
        )  # fmt: skip

    def op(self, name, xy, text, fontsize=13):
        from matplotlib.patches import Circle

        self.ax.add_patch(
            Circle(xy, 0.26, facecolor="white", edgecolor="black", linewidth=1.3, gid=f"op:{name}",
                   zorder=3)
        )  # fmt: skip
        self.ax.text(*xy, f"${text}$", ha="center", va="center", fontsize=fontsize, zorder=4)

    def state(self, symbol, xy, ha="center"):
        self.ax.text(
            *xy, f"${symbol}$", ha=ha, va="center", fontsize=14, gid=f"state:{symbol}", zorder=4
        )

    def edge(
        self,
        source,
        target,
        start,
        end,
        label=None,
        label_at=None,
        connection="arc3",
        colour="black",
        over=False,
        head=True,
    ):
        """An arrow from ``source`` to ``target`` (their gids), with the value it carries.

        ``over``: drawn above the arrows it crosses, with a white gap around it.
        """
        from matplotlib import patheffects
        from matplotlib.patches import FancyArrowPatch

        self.ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>" if head else "-",
                mutation_scale=13,
                linewidth=1.4,
                color=colour,
                connectionstyle=connection,
                gid=f"edge:{source} -> {target}",
                zorder=2.5 if over else 2,
                path_effects=[patheffects.withStroke(linewidth=5, foreground="#f4f4f4")]
                if over
                else None,
                shrinkA=0,
                shrinkB=0,
            )
        )
        if label is not None:
            self.ax.text(
                *label_at,
                f"${label}$",
                ha="center",
                va="center",
                fontsize=12,
                gid=f"label:{label}",
                zorder=4,
            )

    def dot(self, xy):
        """Where a line branches."""
        self.ax.plot(*xy, marker="o", markersize=5, color="black", zorder=3)

    def bus(self, start, end):
        self.ax.plot(
            [start[0], end[0]], [start[1], end[1]], color="black", linewidth=1.4, gid="bus",
            zorder=2, solid_capstyle="butt",
        )  # fmt: skip


def _cell_axes(width, height):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9.6, 7.4))
    ax.set_xlim(-1.6, width + 1.6)
    ax.set_ylim(-2.5, height + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _gate_weights(gate: str, biases: Sequence[str]) -> list[str]:
    """The weights a gate applies, as lesson 6 writes them: W^{g}_{in}, W^{g}_{hh}, b^{g}..."""
    return [rf"W^{{{gate}}}_{{in}},\ W^{{{gate}}}_{{hh}}", r",\ ".join(biases)]


def plot_lstm_cell(path: str | Path | None = None):
    r"""The LSTM cell of lesson 6 (with the forget gate of Gers et al. 2000): what each gate
    reads and writes.

    Along the top runs the cell state, $c_{t-1}$ in and $c_t$ out; along the bottom the line
    that brings $x_t$ and $h_{t-1}$ to the four boxes: the forget, input and output gates
    ($\sigma$) and the candidate $\tilde c_t$ ($\tanh$), each with its own weights
    $W^{g}_{in}, W^{g}_{hh}, b^{g}$. $f_t$ scales $c_{t-1}$, $i_t$ scales $\tilde c_t$, their
    sum is $c_t$, and $o_t \odot \tanh(c_t)$ leaves as $h_t$. Every element has a ``gid``
    naming it with the lesson's symbols (see the comment above ``_CellDiagram``).
    """
    width, height, top, low = 10.0, 6.0, 5.2, 0.8
    fig, ax = _cell_axes(width, height)
    draw = _CellDiagram(ax)
    draw.cell(width, height)
    gate_colour, candidate_colour = "#fde2c4", "#dbe9f6"
    x_f, x_i, x_c, x_o, x_out = 1.6, 3.4, 5.2, 7.0, 8.6
    y_gate, y_mid = 2.4, 3.9
    # Inputs: c_{t-1} (top left), h_{t-1} (bottom left) and x_t (from below) onto the bus.
    draw.state("c_{t-1}", (-0.35, top), ha="right")
    draw.state("h_{t-1}", (-0.35, low), ha="right")
    draw.state("x_t", (0.9, -0.75))
    draw.bus((0.3, low), (x_o, low))
    draw.edge("state:h_{t-1}", "bus", (-0.3, low), (0.3, low), head=False)
    draw.edge("state:x_t", "bus", (0.9, -0.5), (0.9, low))
    gates = (
        ("f_t", x_f, r"\sigma", "f", gate_colour),
        ("i_t", x_i, r"\sigma", "i", gate_colour),
        (r"\tilde c_t", x_c, r"\tanh", "c", candidate_colour),
        ("o_t", x_o, r"\sigma", "o", gate_colour),
    )
    for symbol, x, function, letter, colour in gates:
        draw.gate(symbol, (x, y_gate), function, _gate_weights(letter, [f"b^{{{letter}}}"]), colour)
        draw.edge("bus", f"gate:{symbol}", (x, low), (x, y_gate - 0.3))
    # The cell state: forget, then add what the input gate lets in.
    draw.op("mul_f", (x_f, top), r"\odot")
    draw.op("add_c", ((x_i + x_c) / 2, top), "+")
    draw.op("mul_i", ((x_i + x_c) / 2, y_mid), r"\odot")
    draw.edge("state:c_{t-1}", "op:mul_f", (-0.3, top), (x_f - 0.26, top))
    draw.edge("gate:f_t", "op:mul_f", (x_f, y_gate + 0.3), (x_f, top - 0.26), "f_t",
              (x_f - 0.3, (y_gate + top) / 2))  # fmt: skip
    middle = (x_i + x_c) / 2
    draw.edge("gate:i_t", "op:mul_i", (x_i, y_gate + 0.3), (middle - 0.2, y_mid - 0.17), "i_t",
              (x_i - 0.05, y_mid - 0.55))  # fmt: skip
    draw.edge(r"gate:\tilde c_t", "op:mul_i", (x_c, y_gate + 0.3), (middle + 0.2, y_mid - 0.17),
              r"\tilde c_t", (x_c + 0.15, y_mid - 0.55))  # fmt: skip
    draw.edge("op:mul_f", "op:add_c", (x_f + 0.26, top), (middle - 0.26, top))
    draw.edge("op:mul_i", "op:add_c", (middle, y_mid + 0.26), (middle, top - 0.26))
    draw.edge("op:add_c", "state:c_t", (middle + 0.26, top), (width + 0.3, top))
    draw.state("c_t", (width + 0.35, top), ha="left")
    # The output: o_t times tanh(c_t), out as h_t.
    draw.op("tanh_c", (x_out, y_mid), r"\tanh", fontsize=10)
    draw.op("mul_o", (x_out, y_gate), r"\odot")
    draw.edge("state:c_t", "op:tanh_c", (x_out, top), (x_out, y_mid + 0.26))
    draw.dot((x_out, top))
    draw.edge("gate:o_t", "op:mul_o", (x_o + 0.49, y_gate), (x_out - 0.26, y_gate), "o_t",
              ((x_o + x_out) / 2 + 0.1, y_gate + 0.25))  # fmt: skip
    draw.edge("op:tanh_c", "op:mul_o", (x_out, y_mid - 0.26), (x_out, y_gate + 0.26))
    draw.edge("op:mul_o", "state:h_t", (x_out, y_gate - 0.26), (width + 0.3, low),
              connection="angle,angleA=-90,angleB=180,rad=0")  # fmt: skip
    draw.state("h_t", (width + 0.35, low), ha="left")
    return _finish_diagram(
        fig,
        ax,
        (width / 2, -1.45),
        r"every box reads $x_t$ and $h_{t-1}$ with its own weights; $f_t$ and $i_t$ write the "
        r"cell state $c_t$, $o_t$ lets $\tanh(c_t)$ out as $h_t$",
        (width / 2, -2.2),
        r"$c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t, \qquad h_t = o_t \odot \tanh(c_t)$",
        14,
        "The LSTM cell: three gates and a candidate, two states",
        path,
    )


def _gru_biases(gate: str, reset_after: bool) -> list[str]:
    """The biases of a GRU gate: ``b^{g}_{in}`` and ``b^{g}_{hh}`` reset after, ``b^{g}``
    before."""
    if reset_after:
        return [f"b^{{{gate}}}_{{in}}", f"b^{{{gate}}}_{{hh}}"]
    return [f"b^{{{gate}}}"]


def _gru_caption(reset_after: bool) -> tuple[str, str, str]:
    """The caption, the candidate's equation and the title of :func:`plot_gru_cell`."""
    if reset_after:
        caption = (
            r"reset after the product (PyTorch, cuDNN, Keras reset_after=True): $r_t$ scales "
            r"$W^{n}_{hh} h_{t-1} + b^{n}_{hh}$"
        )
        candidate = (
            r"$n_t = \tanh(W^{n}_{in} x_t + b^{n}_{in} + "
            r"r_t \odot (W^{n}_{hh} h_{t-1} + b^{n}_{hh}))$"
        )
        title = "The GRU cell, reset after the product (the book's convention)"
    else:
        caption = (
            r"reset before the product (Cho et al. 2014, Keras reset_after=False): $r_t$ scales "
            r"$h_{t-1}$, then $W^{n}_{hh}$ mixes the units"
        )
        candidate = r"$n_t = \tanh(W^{n}_{in} x_t + W^{n}_{hh} (r_t \odot h_{t-1}) + b^{n})$"
        title = "The GRU cell, reset before the product (the other convention)"
    return caption, candidate, title


def plot_gru_cell(reset_after: bool = True, path: str | Path | None = None):
    r"""The GRU cell of lesson 6 in one of its two conventions: what each gate reads and writes.

    Along the top runs the state, $h_{t-1}$ in and $h_t$ out; the reset gate $r_t$ and the
    update gate $z_t$ ($\sigma$) read $x_t$ and $h_{t-1}$ from the bottom line; the candidate
    $n_t$ ($\tanh$) reads $x_t$ and, through the reset path (drawn in colour), $h_{t-1}$; the
    output mixes them, $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$.

    ``reset_after=True`` (the book's: PyTorch, cuDNN, Keras ``GRU(reset_after=True)``): the
    reset gate scales the product, $r_t \odot (W^{n}_{hh} h_{t-1} + b^{n}_{hh})$, and every
    gate has two biases, $b^{g}_{in}$ and $b^{g}_{hh}$. ``reset_after=False`` (Cho et al.
    2014, Keras ``GRU(reset_after=False)``): it scales the state before the product,
    $W^{n}_{hh} (r_t \odot h_{t-1})$, and every gate has one bias $b^{g}$. Every element has a
    ``gid`` naming it with the lesson's symbols (see the comment above ``_CellDiagram``).
    """
    if not isinstance(reset_after, (bool, np.bool_)):
        raise ValueError(f"reset_after must be True or False, got {reset_after!r}")
    width, height, top, low = 10.0, 6.0, 5.2, 0.8
    fig, ax = _cell_axes(width, height)
    draw = _CellDiagram(ax)
    draw.cell(width, height)
    gate_colour, candidate_colour, reset_colour = "#fde2c4", "#dbe9f6", "#6a3d9a"
    x_r, x_path, x_n, x_z, x_out = 1.5, 4.1, 5.7, 7.3, 8.9
    y_gate, y_high, y_low, y_mix = 2.2, 4.25, 3.25, 3.95

    # Inputs: h_{t-1} along the top, and down the left side onto the bus with x_t.
    draw.state("h_{t-1}", (-0.35, top), ha="right")
    draw.state("x_t", (0.9, -0.75))
    draw.bus((0.3, low), (x_z, low))
    draw.edge("state:h_{t-1}", "bus", (0.3, top), (0.3, low), head=False)
    draw.edge("state:x_t", "bus", (0.9, -0.5), (0.9, low))
    weights = {gate: _gate_weights(gate, _gru_biases(gate, reset_after)) for gate in "rz"}
    draw.gate("r_t", (x_r, y_gate), r"\sigma", weights["r"], gate_colour)
    draw.gate("z_t", (x_z, y_gate), r"\sigma", weights["z"], gate_colour, weights_at=(0.55, 0.55))
    draw.edge("bus", "gate:r_t", (x_r, low), (x_r, y_gate - 0.3))
    draw.edge("bus", "gate:z_t", (x_z, low), (x_z, y_gate - 0.3))
    # The candidate reads x_t from the bus, and h_{t-1} through the reset path.
    candidate_in = ["W^{n}_{in}", "b^{n}_{in}" if reset_after else "b^{n}"]
    draw.gate("n_t", (x_n, y_gate), r"\tanh", [r",\ ".join(candidate_in)], candidate_colour,
              weights_at=(0.12, -0.62))  # fmt: skip
    draw.edge("bus", "gate:n_t", (x_n, low), (x_n, y_gate - 0.3), "x_t", (x_n - 0.3, 1.3))
    draw.op("mul_r", (x_path, y_low if reset_after else y_high), r"\odot")
    if reset_after:
        draw.product("n_t", (x_path, y_high), r"W^{n}_{hh}\,\cdot\; + b^{n}_{hh}", reset_colour)
        draw.edge("state:h_{t-1}", "product:n_t", (x_path, top), (x_path, y_high + 0.26),
                  colour=reset_colour)  # fmt: skip
        draw.edge("product:n_t", "op:mul_r", (x_path, y_high - 0.26), (x_path, y_low + 0.26),
                  colour=reset_colour)  # fmt: skip
        draw.edge("op:mul_r", "gate:n_t", (x_path + 0.18, y_low - 0.18), (x_n - 0.3, y_gate + 0.3),
                  colour=reset_colour)  # fmt: skip
        reset_target = (x_path - 0.26, y_low)
    else:
        draw.product("n_t", (x_path, y_low), r"W^{n}_{hh}\,\cdot", reset_colour)
        draw.edge("state:h_{t-1}", "op:mul_r", (x_path, top), (x_path, y_high + 0.26),
                  colour=reset_colour)  # fmt: skip
        draw.edge("op:mul_r", "product:n_t", (x_path, y_high - 0.26), (x_path, y_low + 0.26),
                  colour=reset_colour)  # fmt: skip
        draw.edge("product:n_t", "gate:n_t", (x_path + 0.3, y_low - 0.26),
                  (x_n - 0.3, y_gate + 0.3), colour=reset_colour)  # fmt: skip
        reset_target = (x_path - 0.26, y_high)
    draw.dot((x_path, top))
    draw.dot((0.3, top))
    draw.edge("gate:r_t", "op:mul_r", (x_r, y_gate + 0.3), reset_target, "r_t",
              (x_r - 0.3, (y_gate + reset_target[1]) / 2 + 0.2),
              connection="angle,angleA=90,angleB=180,rad=0", colour=reset_colour)  # fmt: skip
    # The output: z_t keeps h_{t-1}, 1 - z_t lets the candidate in.
    draw.op("mul_z", (x_z, top), r"\odot")
    draw.op("add_h", (x_out, top), "+")
    draw.op("one_minus", (x_out, y_gate), "1-", fontsize=11)
    draw.op("mul_n", (x_out, y_mix), r"\odot")
    draw.edge("state:h_{t-1}", "op:mul_z", (-0.3, top), (x_z - 0.26, top))
    draw.edge("gate:z_t", "op:mul_z", (x_z, y_gate + 0.3), (x_z, top - 0.26), "z_t",
              (x_z - 0.3, y_gate + 0.85))  # fmt: skip
    draw.edge("gate:z_t", "op:one_minus", (x_z + 0.49, y_gate), (x_out - 0.26, y_gate))
    draw.edge("op:one_minus", "op:mul_n", (x_out, y_gate + 0.26), (x_out, y_mix - 0.26))
    draw.edge("gate:n_t", "op:mul_n", (x_n, y_gate + 0.3), (x_out - 0.26, y_mix), "n_t",
              (x_n - 0.3, y_mix - 0.3), connection="angle,angleA=90,angleB=180,rad=0",
              over=True)  # fmt: skip
    draw.edge("op:mul_z", "op:add_h", (x_z + 0.26, top), (x_out - 0.26, top))
    draw.edge("op:mul_n", "op:add_h", (x_out, y_mix + 0.26), (x_out, top - 0.26))
    draw.edge("op:add_h", "state:h_t", (x_out + 0.26, top), (width + 0.3, top))
    draw.state("h_t", (width + 0.35, top), ha="left")
    caption, candidate, title = _gru_caption(reset_after)
    return _finish_diagram(
        fig,
        ax,
        (width / 2, -1.45),
        caption,
        (width / 2, -2.2),
        candidate + r", $\quad h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$",
        13,
        title,
        path,
    )


def plot_loss_against_baselines(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    baselines: Mapping[str, float],
    title: str = "Training loss against the unigram baseline",
    xlabel: str = "update step",
    ylabel: str = "cross-entropy (nats per character)",
    path: str | Path | None = None,
):
    """Loss curves against the step, with each baseline as a dashed horizontal line.

    ``curves`` maps a label to ``(steps, values)`` (a curve of one point is drawn as a marker);
    ``baselines`` maps a label to a constant loss, for example the unigram model's cross-entropy
    on the same text, drawn dashed in its own colour. Returns the figure.
    """
    import matplotlib.pyplot as plt

    if not curves:
        raise ValueError("curves is empty: give at least one {label: (steps, values)}")
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    for index, (label, (steps, values)) in enumerate(curves.items()):
        steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
        if steps.ndim != 1 or steps.shape != values.shape or len(steps) == 0:
            raise ValueError(
                f"curves[{label!r}] must be two non-empty 1-D sequences of one length, got "
                f"shapes {steps.shape} and {values.shape}"
            )
        ax.plot(steps, values, color=f"C{index % 10}", linewidth=1.5,
                marker="o" if len(steps) < 30 else None, markersize=4, label=label)  # fmt: skip
    for index, (label, value) in enumerate(baselines.items(), start=len(curves)):
        ax.axhline(value, color=f"C{index % 10}", linestyle="--", linewidth=1.2, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)
