"""Lesson 6's LSTM and GRU cell diagrams, read from their artists and checked against the
lesson's own equations: the symbols, the gates and their weights, and what each value is
computed from (issue 25). The equations are parsed from notebooks/06_gated_cells.py, so that a
symbol renamed in the lesson and not in the figure (or the other way round) fails here."""

import re
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from labhelpers.plots import plot_gru_cell, plot_lstm_cell

ROOT = Path(__file__).resolve().parents[1]
LESSON_6 = ROOT / "notebooks" / "06_gated_cells.py"

# The symbols of the lesson's equations: weights W^{g}_{in}, biases b^{g} or b^{g}_{in}, the
# states and gates (x_t, h_{t-1}, \tilde c_t...), and the functions.
SYMBOL = re.compile(
    r"W\^\{\w\}_\{\w+\}|b\^\{\w\}(?:_\{\w+\})?|\\tilde c_t|[a-z]_(?:t\b|\{t-1\})"
    r"|\\sigma|\\tanh|\\odot"
)
WEIGHT = re.compile(r"^[Wb]\^")
VALUE = re.compile(r"^(?:\\tilde c_t|[a-z]_(?:t|\{t-1\}))$")
# Where each figure's equations are in the lesson.
LSTM = "### The LSTM"
GRU_AFTER = "### The GRU"
GRU_BEFORE = "**The other convention**"


@pytest.fixture(scope="module")
def figures():
    """Each figure drawn once for the module (drawing one takes about a second)."""
    drawn = {LSTM: plot_lstm_cell()}
    for section, reset_after in ((GRU_AFTER, True), (GRU_BEFORE, False)):
        drawn[section] = plot_gru_cell(reset_after=reset_after)
    yield drawn
    plt.close("all")


def lesson_block(after: str) -> str:
    """The first display equation ($$...$$) of lesson 6's Markdown after the line ``after``."""
    text = re.sub(r"^# ?", "", LESSON_6.read_text(encoding="utf-8"), flags=re.MULTILINE)
    start = text.index(after)
    return re.search(r"\$\$(.*?)\$\$", text[start:], re.DOTALL).group(1)


def equations(block: str) -> dict[str, str]:
    """``{left-hand side: right-hand side}`` of an ``aligned`` block (rows split by ``\\\\``,
    each row ``lhs &= rhs, & lhs &= rhs``)."""
    body = block.replace(r"\begin{aligned}", "").replace(r"\end{aligned}", "")
    found = {}
    for row in body.split("\\\\"):
        parts = row.split("&")
        for lhs, rhs in zip(parts[0::2], parts[1::2]):
            found[lhs.strip()] = rhs.strip().removeprefix("=").strip().rstrip(",.").strip()
    return found


def texts(fig, prefix=None) -> list[str]:
    return [
        t.get_text()
        for t in fig.findobj(matplotlib.text.Text)
        if prefix is None or (t.get_gid() or "").startswith(prefix)
    ]


def graph(fig) -> dict[str, set[str]]:
    """``{node: the nodes with an arrow into it}``, from the arrows' gids."""
    into = defaultdict(set)
    for patch in fig.axes[0].patches:
        gid = patch.get_gid() or ""
        if gid.startswith("edge:"):
            source, target = gid.removeprefix("edge:").split(" -> ")
            into[target].add(source)
    return into


def upstream_values(into, node) -> set[str]:
    """The symbols of every gate and state a node is computed from, in this step."""
    seen, todo = set(), [node]
    while todo:
        for source in into.get(todo.pop(), ()):
            if source not in seen:
                seen.add(source)
                todo.append(source)
    return {n.split(":", 1)[1] for n in seen if n.startswith(("gate:", "state:"))}


def node_of(fig, symbol) -> str:
    """The gate's box of ``symbol``, or the state leaving the cell."""
    gids = {p.get_gid() for p in fig.axes[0].patches}
    return f"gate:{symbol}" if f"gate:{symbol}" in gids else f"state:{symbol}"


@pytest.mark.parametrize("section", [LSTM, GRU_AFTER, GRU_BEFORE])
def test_the_figure_writes_exactly_the_symbols_of_the_lessons_equations(section, figures):
    block = lesson_block(section)
    fig = figures[section]
    assert set(SYMBOL.findall(" ".join(texts(fig)))) == set(SYMBOL.findall(block))


@pytest.mark.parametrize("section", [LSTM, GRU_AFTER, GRU_BEFORE])
def test_every_gate_is_a_box_with_its_function_and_its_weights(section, figures):
    found = equations(lesson_block(section))
    gates = {lhs: rhs for lhs, rhs in found.items() if rhs.startswith((r"\sigma", r"\tanh"))}
    assert len(gates) == (4 if section == LSTM else 3)
    fig = figures[section]
    boxes = {p.get_gid() for p in fig.axes[0].patches if (p.get_gid() or "").startswith("gate:")}
    assert boxes == {f"gate:{lhs}" for lhs in gates}
    for lhs, rhs in gates.items():
        function = re.match(r"\\(sigma|tanh)", rhs).group(0)
        assert texts(fig, f"function:{lhs}") == [f"${function}$"]
        applied = SYMBOL.findall(" ".join(texts(fig, f"weights:{lhs}")))
        assert sorted(applied) == sorted(s for s in SYMBOL.findall(rhs) if WEIGHT.match(s))
        # The arrow out of a gate carries the gate's symbol.
        assert f"${lhs}$" in texts(fig, "label:")


@pytest.mark.parametrize("section", [LSTM, GRU_AFTER, GRU_BEFORE])
def test_each_value_is_computed_from_what_its_equation_reads(section, figures):
    """Following the arrows back from a gate or a state, one meets exactly the values of its
    equation's right-hand side and what those are computed from: the LSTM's o_t does not
    write c_t, every gate reads x_t and h_{t-1}, the GRU's candidate reads r_t."""
    found = equations(lesson_block(section))

    def expected(lhs):
        direct = {s for s in SYMBOL.findall(found[lhs]) if VALUE.match(s)}
        return direct.union(*(expected(s) for s in direct if s in found))

    fig = figures[section]
    into = graph(fig)
    for lhs in found:
        assert upstream_values(into, node_of(fig, lhs)) == expected(lhs), lhs
    gates = [lhs for lhs, rhs in found.items() if rhs.startswith(r"\sigma")]
    assert all("bus" in into[f"gate:{lhs}"] for lhs in gates)
    assert into["bus"] == {"state:x_t", "state:h_{t-1}"}


@pytest.mark.parametrize("section", [GRU_AFTER, GRU_BEFORE])
def test_the_two_gru_conventions_put_the_reset_on_either_side_of_the_product(section, figures):
    """The order is read from the lesson's equation: r_t odot (W^{n}_{hh} ...) resets after
    the product, W^{n}_{hh} (r_t odot h_{t-1}) before it."""
    candidate = equations(lesson_block(section))["n_t"]
    after = r"r_t \odot (W^{n}_{hh}" in candidate
    assert after != (r"W^{n}_{hh} (r_t \odot h_{t-1})" in candidate)
    assert after == (section == GRU_AFTER)
    into = graph(figures[section])
    first, second = ("product:n_t", "op:mul_r") if after else ("op:mul_r", "product:n_t")
    assert into[first] == {"state:h_{t-1}"} if after else {"state:h_{t-1}", "gate:r_t"}
    assert first in into[second] and second in into["gate:n_t"]
    assert "gate:r_t" in into["op:mul_r"]
    caption = " ".join(texts(figures[section]))
    assert ("reset after the product" in caption) == after
    assert ("reset before the product" in caption) == (not after)


def test_the_figures_save_png_and_refuse_a_convention_that_is_not_a_bool(tmp_path, figures):
    plot_lstm_cell(path=tmp_path / "lstm.png")
    plot_gru_cell(reset_after=False, path=tmp_path / "gru.png")
    for name in ("lstm.png", "gru.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.gcf().axes[0].get_title().startswith("The GRU cell, reset before")
    with pytest.raises(ValueError, match="reset_after must be True or False"):
        plot_gru_cell(reset_after="after")
    assert figures[LSTM].axes[0].get_title().startswith("The LSTM cell")
