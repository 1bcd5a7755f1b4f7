"""The book's own pages (glossary, notation, bibliography) state no rule issue 22 found
false, and cite what the lessons use. Lesson sources are checked by each lesson's tests;
"a bidirectional RNN cannot forecast" in any page by test_claims_lesson_11."""

import re

import pytest

from conftest import ROOT

BOOK = ROOT / "book"
PAGES = sorted(BOOK.glob("*.md"))


def sentences(text: str) -> list[str]:
    """The text's sentences, each on one line (Markdown line breaks joined)."""
    flat = re.sub(r"\s+", " ", text)
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*\[`$(])", flat) if s.strip()]


FALSE_RULES = {
    # Clipping bounds each update; lesson 5 shows it neither makes the RNN learn nor
    # changes the share of the long-lag terms.
    "clipping cures": re.compile(r"\bclip\w*\b[^.]{0,80}\bcure", re.I),
    "cures exploding": re.compile(r"\bcures?\s+(the\s+)?exploding", re.I),
    # nn.LSTM / nn.GRU draw their biases uniformly in +-1/sqrt(H).
    "PyTorch's default bias 0": re.compile(
        r"PyTorch\W*s?\s+default\s+(gate\s+)?bias(es)?\s*(is|are|of|=)?\s*(0|zero)\b", re.I
    ),
    # The forget gate is Gers, Schmidhuber & Cummins (2000), not the 1997 LSTM.
    "1997 forget gate": re.compile(
        r"1997[^.]{0,60}\bforget gate|forget gate[^.]{0,40}\b1997", re.I
    ),
}


@pytest.mark.parametrize("name", sorted(FALSE_RULES))
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_no_page_states_a_rule_issue_22_found_false(page, name):
    found = [s for s in sentences(page.read_text()) if FALSE_RULES[name].search(s)]
    # "the forget gate came later, from Gers ... 2000" names 1997 to correct it.
    if name == "1997 forget gate":
        found = [s for s in found if "2000" not in s]
    assert not found, f"{page.name}: {found}"


def test_the_patterns_catch_the_old_wording():
    old = [
        ("cures exploding", "bounded. It cures exploding gradients, not vanishing ones."),
        ("clipping cures", "Gradient clipping cures exploding gradients."),
        ("PyTorch's default bias 0", "With PyTorch's default bias 0, the gated cells wait."),
        ("1997 forget gate", "The 1997 LSTM with its forget gate keeps the state."),
    ]
    for name, sentence in old:
        assert FALSE_RULES[name].search(" ".join(sentences(sentence))), (name, sentence)


def test_a_constant_gate_bias_is_never_called_chrono_initialisation():
    """Tallec & Ollivier's chrono initialisation draws each unit's forget bias at random;
    lessons 5 and 6 set one constant bias: a sentence naming both says they differ."""
    for page in PAGES:
        for sentence in sentences(page.read_text()):
            if "chrono" in sentence.lower() and "gate_bias" in sentence:
                assert re.search(r"\b(not|instead|unlike)\b", sentence), f"{page.name}: {sentence}"


def test_glossary_says_where_a_bidirectional_layer_may_and_may_not_be_used():
    entry = re.search(
        r"\*\*Bidirectional layer\.\*\*(.*?)(?=\n\n\*\*)", (BOOK / "glossary.md").read_text(), re.S
    ).group(1)
    flat = " ".join(entry.split())
    assert "forecasting the value after a finished window" in flat
    for use in ("a prediction at every step", "generating text", "streaming"):
        assert use in flat, use


def test_glossary_clipping_bounds_the_update_and_leaves_the_share_of_long_lags():
    entry = re.search(
        r"\*\*Gradient clipping \(by norm\)\.\*\*(.*?)(?=\n\n\*\*)",
        (BOOK / "glossary.md").read_text(),
        re.S,
    ).group(1)
    flat = " ".join(entry.split())
    assert "keeps training finite" in flat
    assert "does not by itself make the network learn" in flat
    assert "cannot change the share of the gradient that comes from long lags" in flat


def test_notation_page_gives_the_loss_and_the_number_of_layers_different_symbols():
    rows = [line for line in (BOOK / "theory.md").read_text().splitlines() if line.startswith("|")]
    layers = [row for row in rows if "number of layers" in row]
    assert layers and all("$N_L$" in row for row in layers), layers
    # $L$ alone (not L^{(t)}, N_L) is the loss and nothing else.
    bare_l = re.compile(r"\$L\$|\$L\s*=|,\s*\$L\$")
    assert all("loss" in row for row in rows if bare_l.search(row.split("|")[1])), rows


CITED = {
    "Pennington, J., Socher, R., & Manning, C. D. (2014)": "GloVe",
    "Schuster, M., & Paliwal, K. K. (1997)": "Bidirectional recurrent neural",
    "Gal, Y., & Ghahramani, Z. (2016)": "dropout in recurrent neural networks",
    "Williams, R. J., & Zipser, D. (1989)": "continually",
    "Gers, F. A., Schmidhuber, J., & Cummins, F. (2000)": "Learning to forget",
    "Tallec, C., & Ollivier, Y. (2018)": "warp time",
    "Jozefowicz, R., Zaremba, W., & Sutskever, I. (2015)": "empirical",
}


def test_bibliography_holds_every_work_issue_22_cites():
    text = " ".join((BOOK / "bibliography.md").read_text().split())
    for authors, title in CITED.items():
        start = text.find(f"**{authors}.**")
        assert start >= 0, authors
        assert title in text[start : start + 300], (authors, title)


def test_bibliography_lists_each_section_oldest_first():
    text = (BOOK / "bibliography.md").read_text()
    for section in re.split(r"(?m)^## ", text)[1:]:
        years = [int(y) for y in re.findall(r"(?m)^\*\*[A-Z][^*]*?\((\d{4})\)\.\*\*", section)]
        assert years == sorted(years), section.splitlines()[0]
