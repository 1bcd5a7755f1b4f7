"""When a notebook must run again: the key of a run, and reusing an executed copy whose key matches.

A run's key is a hash of everything that can change what a notebook computes:
its code cells, its parameters (the profile among them), the data it can find
(the files under ``$LABHELPERS_DATA_DIR``, the kagglehub copy of IMDB, any
parameter that names an existing file: names, sizes and modification times),
the code of ``labhelpers`` (the authoring tools aside) and the versions of
Python and of the numerical libraries. The key is kept in the executed copy's
metadata (``metadata.labhelpers.run_key``), beside the notebook it describes.

A change to Markdown cells only changes no key: the executed copy gets the
new Markdown and keeps its outputs, so the book shows the new text without a
run. jupyter-cache (which Jupyter Book installs) was considered: its hash
covers a notebook's code cells and chosen metadata, not the data or the
helper code a notebook imports, and it keeps a database of its own beside the
executed copies the book reads; the key here is written into those copies.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Mapping
from contextlib import suppress
from importlib import metadata
from pathlib import Path
from typing import Any

from ..base.environment import DATA_DIR_ENV, data_dir, kagglehub_cache

LIBRARIES = (
    "numpy",
    "torch",
    "tensorflow",
    "keras",
    "scikit-learn",
    "gensim",
    "pandas",
    "statsmodels",
)


def _files_identity(folder: Path) -> list[tuple[str, int, int]]:
    """``(relative path, size, modification time)`` of every file under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            found.append((path.relative_to(folder).as_posix(), stat.st_size, stat.st_mtime_ns))
    return found


def data_identity(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """What data a notebook can find, by file identity (not content: the IMDB CSV is 60 MB)."""
    found: dict[str, Any] = {}
    folder = data_dir()
    if folder is not None and folder.is_dir():
        found[DATA_DIR_ENV] = [str(folder.resolve()), _files_identity(folder)]
    kaggle = kagglehub_cache() / "datasets"
    if kaggle.is_dir():
        found["kagglehub"] = _files_identity(kaggle)
    for name, value in sorted(parameters.items()):
        if isinstance(value, str) and value and Path(value).expanduser().is_file():
            stat = Path(value).expanduser().stat()
            found[f"parameter {name}"] = [
                str(Path(value).expanduser().resolve()),
                stat.st_size,
                stat.st_mtime_ns,
            ]
    return found


def code_identity() -> str:
    """A hash of labhelpers' modules that notebooks import (``labhelpers.tools`` runs them, it is
    not run)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if relative.startswith("tools/") or relative == "__main__.py":
            continue
        digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Python's version and those of the numerical libraries that are installed."""
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        with suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


def code_cells(notebook: Mapping[str, Any]) -> list[str]:
    """The sources of a notebook's code cells, in order (papermill's injected cell left out)."""
    return [
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        and "injected-parameters" not in cell.get("metadata", {}).get("tags", [])
    ]


def run_key(
    source: Mapping[str, Any], parameters: Mapping[str, Any], environment: Mapping[str, Any]
) -> str:
    """The key of running notebook ``source`` (a parsed .ipynb) with ``parameters``.

    ``environment`` is the part shared by every job of a run:
    :func:`shared_identity` (computed once per run).
    """
    content = {
        "code": code_cells(source),
        "parameters": dict(sorted(parameters.items())),
        "data": data_identity(parameters),
        **environment,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=repr).encode()).hexdigest()


def shared_identity() -> dict[str, Any]:
    """The part of every key that does not depend on the notebook: labhelpers' code and the
    versions."""
    return {"labhelpers": code_identity(), "versions": versions()}


def stored_key(executed: Mapping[str, Any]) -> str | None:
    """The key an executed copy was made with, or None (made by something else, or failed)."""
    return executed.get("metadata", {}).get("labhelpers", {}).get("run_key")


def refresh_markdown(executed: dict[str, Any], source: Mapping[str, Any]) -> bool | None:
    """Give ``executed`` the Markdown of ``source`` (same code cells): whether any changed, None if
    cells differ."""
    cells = [
        cell
        for cell in executed["cells"]
        if "injected-parameters" not in cell.get("metadata", {}).get("tags", [])
    ]
    if [cell["cell_type"] for cell in cells] != [cell["cell_type"] for cell in source["cells"]]:
        return None
    changed = False
    for old, new in zip(cells, source["cells"]):
        if old["cell_type"] != "code" and old["source"] != new["source"]:
            old["source"] = new["source"]
            changed = True
    return changed
