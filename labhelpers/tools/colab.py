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

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_PATTERN = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
# The install cell: from its first comment line to the next cell marker.
INSTALL_PATTERN = re.compile(r"^# Colab only:.*?(?=^# %%)", flags=re.MULTILINE | re.DOTALL)
# The notebooks' code cells hold at most 79 characters, and so does this cell
# once filled in (tests/test_notebooks.py checks it): the repository's URL has a
# line of its own.
INSTALL_CELL = """\
# Colab only: install labhelpers and the packages the lessons use that Colab
# lacks (gensim and the rest of the `colab` extra); Colab's own torch,
# TensorFlow, Keras and NumPy are kept. Does nothing elsewhere.
import importlib.util
import subprocess
import sys
import time

if (
    "google.colab" in sys.modules
    and importlib.util.find_spec("labhelpers") is None
):
    started = time.perf_counter()
    url = "{url}"
    requirement = f"labhelpers[colab] @ git+{{url}}@{branch}"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", requirement],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        print(pip.stdout, pip.stderr, sep="\\n")
        raise RuntimeError(
            "pip could not install labhelpers: "
            "its own message is printed above."
        )
    seconds = time.perf_counter() - started
    print(f"labhelpers and the lessons' packages installed in {{seconds:.0f}} s")

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
    """The code of every notebook's Colab install cell
    (py:percent text, without its ``# %%`` line)."""
    url, branch, _ = repository(root)
    return INSTALL_CELL.format(url=url, branch=branch)


def expected_source(root: Path, source: str, notebook: str) -> str:
    """``source`` (a notebook's py:percent text) with its badge and install cell made current."""
    if not BADGE_PATTERN.search(source) or not INSTALL_PATTERN.search(source):
        raise ValueError(
            f"{notebook} needs an 'Open In Colab' badge and a Colab install cell starting with "
            '"# Colab only:"; copy them from notebooks/01_sum_classifier.py'
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
