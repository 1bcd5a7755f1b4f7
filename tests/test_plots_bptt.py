"""Lesson 3's figure of what truncated BPTT loses: its panels, lines, labels and PNG file."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from labhelpers.lessons.bptt import plot_truncation_errors


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_truncation_errors_draws_each_lags_share_and_each_kinds_error(tmp_path):
    term_norms = [1.0, 0.5, 0.0, 0.125]  # the zero (lag 2) is left out of the log plot
    errors = {"window": [0.5, 0.1, 0.01, 0.0], "detach": [0.9, 0.4, 0.2, 0.0]}
    fig = plot_truncation_errors(term_norms, errors, 2, path=tmp_path / "truncation.png")
    left, right = fig.axes
    assert left.get_title() == r"Share of $\partial L/\partial W_{hh}$ from each lag"
    assert left.get_xlabel() == "lag m = t - k (time steps)"
    assert left.get_yscale() == right.get_yscale() == "log"
    (shares,) = left.get_lines()
    np.testing.assert_array_equal(shares.get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(shares.get_ydata(), [1.0, 0.5, np.nan, 0.125])
    assert right.get_title() == "Truncated BPTT against the full gradient"
    assert right.get_xlabel() == "steps n"
    window, detach, example = right.get_lines()
    np.testing.assert_array_equal(window.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(window.get_ydata(), [0.5, 0.1, 0.01, np.nan])
    np.testing.assert_array_equal(detach.get_ydata(), [0.9, 0.4, 0.2, np.nan])
    assert list(example.get_xdata()) == [2, 2]  # the dashed line at the example's n
    legend = [text.get_text() for text in right.get_legend().get_texts()]
    assert legend == ["sliding window", "detach every n steps", "n = 2 (the example)"]
    assert (tmp_path / "truncation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_truncation_errors_names_an_unknown_kind_and_the_known_ones():
    with pytest.raises(ValueError, match=r"errors names \['chunk'\].*among \['detach', 'window'\]"):
        plot_truncation_errors([1.0], {"chunk": [0.5]}, 1)
