"""Checks of the sequence lessons (01, 08-11) that their references cannot make: one GRU
convention across the notation page and lesson 11, and what that convention computes."""

import re
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
# The GRU's state update, h_t = ... z_t ... h_{t-1} ..., as written in LaTeX.
GRU_UPDATE = re.compile(r"h_t = \(1 - z_t\) \\odot [^$]*?\$|h_t = [^$]*?z_t[^$]*?\$")


def normalised(path: Path) -> str:
    """The text of ``path`` with comment marks dropped and whitespace runs made one space."""
    return re.sub(
        r"\s+", " ", " ".join(line.lstrip("# ") for line in path.read_text().splitlines())
    )


def gru_updates(path: Path) -> list[tuple[int, str]]:
    """Every GRU state update written in ``path``: (position, equation), in order."""
    return [
        (m.start(), m.group(0).rstrip("$").strip()) for m in GRU_UPDATE.finditer(normalised(path))
    ]


def test_lesson_11_writes_the_gru_update_as_the_notation_page_does():
    page = [rule for _, rule in gru_updates(ROOT / "book" / "theory.md")]
    lesson_path = ROOT / "notebooks" / "11_imdb_strong.py"
    lesson = gru_updates(lesson_path)
    assert page, "book/theory.md states no GRU update h_t = ..."
    assert lesson, "lesson 11 states no GRU update h_t = ..."
    # The lesson's own rule (its first) is the page's; another form may only be shown as
    # what "some texts" write.
    assert lesson[0][1] == page[0], (lesson[0][1], page[0])
    text = normalised(lesson_path)
    for start, rule in lesson[1:]:
        if rule != page[0]:
            assert "some texts" in text[max(0, start - 80) : start], rule


def test_the_notation_pages_gru_update_is_what_nn_gru_computes():
    """h_t = (1 - z_t) * n_t + z_t * h_{t-1}, gates from PyTorch's weight chunks (r, z, n)."""
    torch.manual_seed(0)
    gru = torch.nn.GRU(3, 4, batch_first=True).double()
    x, h = torch.randn(2, 1, 3, dtype=torch.float64), torch.randn(1, 2, 4, dtype=torch.float64)
    with torch.no_grad():
        _, expected = gru(x, h)
        w_ir, w_iz, w_in = gru.weight_ih_l0.chunk(3)
        w_hr, w_hz, w_hn = gru.weight_hh_l0.chunk(3)
        b_ir, b_iz, b_in = gru.bias_ih_l0.chunk(3)
        b_hr, b_hz, b_hn = gru.bias_hh_l0.chunk(3)
        xt, hp = x[:, 0], h[0]
        r = torch.sigmoid(xt @ w_ir.T + b_ir + hp @ w_hr.T + b_hr)
        z = torch.sigmoid(xt @ w_iz.T + b_iz + hp @ w_hz.T + b_hz)
        n = torch.tanh(xt @ w_in.T + b_in + r * (hp @ w_hn.T + b_hn))
        page = (1 - z) * n + z * hp
        swapped = (1 - z) * hp + z * n
    torch.testing.assert_close(page, expected[0], rtol=0, atol=1e-12)
    assert not torch.allclose(swapped, expected[0], atol=1e-3)
