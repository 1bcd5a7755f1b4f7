"""The Colab badge and install cell of every notebook, derived from ``_config.yml``.

The repository URL and branch are written once, under ``repository:`` in
``_config.yml``. ``python -m labhelpers colab`` rewrites each notebook's badge
and install cell from them; a test fails when a notebook is out of step.

On Colab the install cell adds ``labhelpers`` with its ``colab`` extra (every
package a lesson uses that Colab does not ship); pip keeps the torch,
TensorFlow, Keras and NumPy that Colab already has, since the extra asks for
none of them and labhelpers' own lower bounds are met.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..base.notebook_file import INSTALL_TAG

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_PATTERN = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
# The install cell: its tags line (Jupyter Book's remove-cell keeps it out of the book) to the
# next cell marker.
INSTALL_TAGS = f'# %% tags=["{INSTALL_TAG}", "remove-cell"] language="bash"'
INSTALL_PATTERN = re.compile(
    rf"^{re.escape(INSTALL_TAGS)}\n.*?(?=^# %%)", flags=re.MULTILINE | re.DOTALL
)
# A bash cell: pip runs only on Colab (which sets COLAB_RELEASE_TAG) and only while labhelpers
# is missing; its messages show in the cell, and a failed install stops the run there (IPython's
# %%bash raises on a nonzero exit). Ruff leaves a cell magic alone; the .py twin holds it as
# comments.
INSTALL_CELL = """\
# # Colab only: install labhelpers and the packages the lessons use that Colab lacks.
# [ -z "$COLAB_RELEASE_TAG" ] || python -m pip show -q labhelpers ||
#   python -m pip install -q "labhelpers[colab] @ git+{url}@{branch}"

"""


def repository(root: Path) -> tuple[str, str, str]:
    """``(url, branch, path_to_book)`` from ``_config.yml``."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    repo = config.get("repository") or {}
    if "url" not in repo:
        raise ValueError(
            f"{root / '_config.yml'} needs repository: url: (the GitHub URL of the book)"
        )
    return (
        repo["url"].rstrip("/"),
        repo.get("branch", "main"),
        repo.get("path_to_book", ".").strip("/"),
    )


def badge(root: Path, notebook: str) -> str:
    """Markdown for the "Open in Colab" badge of ``notebooks/<notebook>.ipynb``."""
    url, branch, path_to_book = repository(root)
    github_path = url.removeprefix("https://github.com/")
    prefix = "" if path_to_book in ("", ".") else f"{path_to_book}/"
    target = f"https://colab.research.google.com/github/{github_path}/blob/{branch}/{prefix}notebooks/{notebook}.ipynb"
    return f"[![Open In Colab]({BADGE_IMAGE})]({target})"


def install_requirement(root: Path) -> str:
    """The pip requirement that installs ``labhelpers`` and its ``colab`` extra from the
    repository, quoted (the install cell builds it from the URL and branch)."""
    url, branch, _ = repository(root)
    return f'"labhelpers[colab] @ git+{url}@{branch}"'


def install_cell(root: Path) -> str:
    """Every notebook's Colab install cell as py:percent text, its ``# %%`` tags line first."""
    url, branch, _ = repository(root)
    return INSTALL_TAGS + "\n" + INSTALL_CELL.format(url=url, branch=branch)


def expected_source(root: Path, source: str, notebook: str) -> str:
    """``source`` (a notebook's py:percent text) with its badge and install cell made current."""
    if not BADGE_PATTERN.search(source) or not INSTALL_PATTERN.search(source):
        raise ValueError(
            f"{notebook} needs an 'Open In Colab' badge and a Colab install cell tagged "
            f"{INSTALL_TAGS[5:]!r}; copy them from notebooks/01_sum_classifier.py"
        )
    source = BADGE_PATTERN.sub(lambda _: badge(root, notebook), source)
    return INSTALL_PATTERN.sub(lambda _: install_cell(root), source, count=1)


def sync_colab(root: Path) -> list[Path]:
    """Rewrite every ``notebooks/*.py`` whose badge or install line is stale; return those changed.

    Run ``jupytext --sync notebooks/*.py`` afterwards to update the ``.ipynb`` files.
    """
    changed = []
    for path in sorted((root / "notebooks").glob("[0-9][0-9]_*.py")):
        text = path.read_text()
        updated = expected_source(root, text, path.stem)
        if updated != text:
            path.write_text(updated)
            changed.append(path)
    return changed
