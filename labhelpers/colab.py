"""The Colab badge and install cell of every notebook, derived from ``_config.yml``.

The repository URL and branch are written once, under ``repository:`` in
``_config.yml``. ``python -m labhelpers colab`` rewrites each notebook's badge
and install line from them; a test fails when a notebook is out of step.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_PATTERN = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
INSTALL_PATTERN = re.compile(r'"labhelpers @ git\+[^"]*"')


def repository(root: Path) -> tuple[str, str, str]:
    """``(url, branch, path_to_book)`` from ``_config.yml``."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    repo = config.get("repository") or {}
    if "url" not in repo:
        raise ValueError(f"{root / '_config.yml'} needs repository: url: (the GitHub URL of the book)")
    return repo["url"].rstrip("/"), repo.get("branch", "main"), repo.get("path_to_book", ".").strip("/")


def badge(root: Path, notebook: str) -> str:
    """Markdown for the "Open in Colab" badge of ``notebooks/<notebook>.ipynb``."""
    url, branch, path_to_book = repository(root)
    github_path = url.removeprefix("https://github.com/")
    prefix = "" if path_to_book in ("", ".") else f"{path_to_book}/"
    target = f"https://colab.research.google.com/github/{github_path}/blob/{branch}/{prefix}notebooks/{notebook}.ipynb"
    return f"[![Open In Colab]({BADGE_IMAGE})]({target})"


def install_requirement(root: Path) -> str:
    """The pip requirement that installs ``labhelpers`` from the repository, quoted."""
    url, branch, _ = repository(root)
    return f'"labhelpers @ git+{url}@{branch}"'


def expected_source(root: Path, source: str, notebook: str) -> str:
    """``source`` (a notebook's py:percent text) with its badge and install line made current."""
    if not BADGE_PATTERN.search(source) or not INSTALL_PATTERN.search(source):
        raise ValueError(
            f"{notebook} needs an 'Open In Colab' badge and a Colab install cell with "
            '"labhelpers @ git+..."; copy them from notebooks/01_sum_classifier.py'
        )
    source = BADGE_PATTERN.sub(lambda _: badge(root, notebook), source)
    return INSTALL_PATTERN.sub(lambda _: install_requirement(root), source)


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
