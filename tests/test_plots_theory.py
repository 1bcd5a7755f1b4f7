"""Figures of the theory lessons: titles, labels, legends, PNG files, the slider's fallback."""

import math
import sys
import types

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from labhelpers.plots import (
    plot_accuracy_by_distance,
    plot_bidirectional_rnn,
    plot_clipping_comparison,
    plot_norms_by_lag,
    plot_unrolled_rnn,
    show_gradient_norm_slider,
)

from conftest import says


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig):
    return " ".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


def test_unrolled_rnn_names_every_symbol_and_saves_png(tmp_path):
    fig = plot_unrolled_rnn(steps=3, path=tmp_path / "unrolled.png")
    shown = texts(fig)
    for symbol in (
        r"$x_{1}$",
        r"$h_0$",
        r"$h_{3}$",
        r"$g_{2}$",
        r"$W_{hh}$",
        r"$W_{in}$",
        r"$W_g$",
        r"\tanh",
    ):
        assert symbol in shown
    assert fig.axes[0].get_title() == "A recurrent network unrolled in time"
    assert (tmp_path / "unrolled.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="steps must be an integer from 1 to 8"):
        plot_unrolled_rnn(steps=0)


def test_norms_by_lag_log_scale_labels_legend_and_bounds():
    fig = plot_norms_by_lag(
        {"a": [1.0, 0.5, 0.25], "b": [1.0, 2.0, 0.0]}, {"a": [1.0, 0.9, 0.81]}, ylim=(1e-3, 10)
    )
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_ylim() == pytest.approx((1e-3, 10))
    assert "lag" in ax.get_xlabel() and "log scale" in ax.get_ylabel() and ax.get_title()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["a", "b"] and "bound" in legend[2]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2  # the bound of "a" and its legend entry
    # A norm of 0 has no logarithm: it is left out (NaN, a gap), and only it;
    # the other points are the values.
    curves = {
        line.get_label(): np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()
    }
    np.testing.assert_array_equal(curves["b"], [1.0, 2.0, np.nan])
    np.testing.assert_array_equal(curves["a"], [1.0, 0.5, 0.25])
    with pytest.raises(ValueError, match="norms is empty"):
        plot_norms_by_lag({})
    with pytest.raises(ValueError, match=r"norms\['a'\] must be a non-empty 1-D sequence"):
        plot_norms_by_lag({"a": []})


def fake_compute(scale):
    lags = np.arange(11)
    return scale**lags, scale**lags


def test_slider_falls_back_to_a_static_figure_in_batch_runs(monkeypatch, capsys):
    monkeypatch.setenv("LABHELPERS_BATCH", "1")
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    assert show_gradient_norm_slider(fake_compute, [0.5, 1.0, 1.5]) == "static"
    assert len(shown) == 1
    legend = [t.get_text() for t in shown[0].axes[0].get_legend().get_texts()]
    assert (
        len(
            [
                entry
                for entry in legend
                if "= 0.50" in entry or "= 1.00" in entry or "= 1.50" in entry
            ]
        )
        == 3
    )
    assert "ipywidgets" not in capsys.readouterr().out


def test_slider_uses_ipywidgets_interact_when_a_person_watches(monkeypatch):
    import labhelpers.base.runtime

    calls = {}

    def interact(function, scale):
        calls["scale"] = scale
        function(scale.value)  # what the widget does on its first draw

    fake = types.SimpleNamespace(
        interact=interact, FloatSlider=lambda **kwargs: types.SimpleNamespace(**kwargs)
    )
    monkeypatch.setitem(sys.modules, "ipywidgets", fake)
    monkeypatch.setattr(labhelpers.base.runtime, "is_interactive", lambda: True)
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    assert (
        show_gradient_norm_slider(fake_compute, [0.5, 1.5], value=1.2, limits=(0.3, 2.0))
        == "slider"
    )
    slider = calls["scale"]
    assert (slider.min, slider.max, slider.value) == (0.3, 2.0, 1.2)
    assert len(shown) == 1 and "1.20" in shown[0].axes[0].get_title()


def test_slider_arguments_are_checked():
    with pytest.raises(ValueError, match="scales is empty"):
        show_gradient_norm_slider(fake_compute, [])
    with pytest.raises(ValueError, match="limits must be two finite numbers"):
        show_gradient_norm_slider(fake_compute, [1.0], limits=(2.0, 1.0))
    with pytest.raises(ValueError, match="value must lie within limits"):
        show_gradient_norm_slider(fake_compute, [1.0], value=5.0)


def test_clipping_comparison_marks_the_blow_up(tmp_path):
    loss_plain = [0.9, 1e6, math.nan, math.nan]
    norms_plain = [1.0, 5.0, 1e9, math.inf, math.nan, math.nan, math.nan, math.nan]
    fig = plot_clipping_comparison(
        loss_plain,
        [0.9, 0.7, 0.6, 0.5],
        norms_plain,
        [0.5, 3.0, 2.0, 0.7, 0.4, 0.3, 0.2, 0.1],
        threshold=1.0,
        title="t",
        path=tmp_path / "clip.png",
    )
    left, middle, right = fig.axes
    assert all(ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    assert any("from epoch 3" in t.get_text() for t in left.get_legend().get_texts())
    assert any("from step 4" in t.get_text() for t in middle.get_legend().get_texts())
    assert "25% of steps clipped" in right.get_title()
    applied = [line for line in right.get_lines() if line.get_label().startswith("applied")][0]
    assert np.max(applied.get_ydata()) == 1.0
    assert (tmp_path / "clip.png").exists()
    with pytest.raises(ValueError, match="threshold must be a positive finite number"):
        plot_clipping_comparison([1], [1], [1], [1], threshold=math.inf)
    with pytest.raises(ValueError, match="grad_norm_clipped must be a non-empty 1-D sequence"):
        plot_clipping_comparison([1], [1], [1], [], threshold=1.0)


def test_accuracy_by_distance_in_percent_with_chance():
    fig = plot_accuracy_by_distance([5, 50], {"RNN": [1.0, 0.25], "LSTM": [1.0, 1.0]}, chance=0.25)
    ax = fig.axes[0]
    assert list(ax.get_lines()[0].get_ydata()) == [100.0, 25.0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["RNN", "LSTM", "chance (25%)"]
    assert "distance" in ax.get_xlabel() and "accuracy" in ax.get_ylabel()
    with pytest.raises(
        ValueError, match=says("accuracies['RNN'] has (1,) values", "distances has (2,)")
    ):
        plot_accuracy_by_distance([5, 50], {"RNN": [1.0]})
    with pytest.raises(ValueError, match="accuracies is empty"):
        plot_accuracy_by_distance([5], {})


@pytest.mark.parametrize("steps, focus", [(5, 2), (4, 1), (4, 3)])
def test_bidirectional_figure_marks_every_input_the_output_reads_and_the_future_apart(steps, focus):
    """g_focus reads every input: x_1..x_focus through the forward states (one colour) and
    x_focus..x_T through the backward ones, so the inputs after focus (the future) are read
    too and carry the other colour; the legend names both. (The first version marked only
    the future inputs as read.)"""
    fig = plot_bidirectional_rnn(steps=steps, focus=focus)
    ax = fig.axes[0]
    nodes = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    edge = {gid: matplotlib.colors.to_hex(p.get_edgecolor()) for gid, p in nodes.items()}
    face = {gid: matplotlib.colors.to_hex(p.get_facecolor()) for gid, p in nodes.items()}
    width = {gid: p.get_linewidth() for gid, p in nodes.items()}
    inputs = [f"x_{t}" for t in range(1, steps + 1)]
    # Every input is marked as read (bold outline, and a colour of its own).
    assert all(width[x] > 2 for x in inputs)
    past = {(face[f"x_{t}"], edge[f"x_{t}"]) for t in range(1, focus + 1)}
    future = {(face[f"x_{t}"], edge[f"x_{t}"]) for t in range(focus + 1, steps + 1)}
    assert len(past) == 1 and len(future) == 1 and past != future
    # The legend gives each colour its meaning.
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    handles = {
        (
            matplotlib.colors.to_hex(h.get_facecolor()),
            matplotlib.colors.to_hex(h.get_edgecolor()),
        ): t
        for h, t in zip(legend.legend_handles, labels)
    }
    assert f"inputs up to step {focus}, read by $g_{{{focus}}}$" in handles[past.pop()]
    assert f"inputs after step {focus} (the future), read by" in handles[future.pop()]
    # The states on the paths to g_focus: forward 1..focus, backward focus..T, and g_focus.
    bold = {gid for gid in nodes if width[gid] > 2 and not gid.startswith("x_")}
    assert bold == (
        {f"fwd_{t}" for t in range(1, focus + 1)}
        | {f"bwd_{t}" for t in range(focus, steps + 1)}
        | {f"g_{focus}"}
    )
    assert "reads every input" in texts(fig)
