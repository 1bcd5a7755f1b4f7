"""How long each lesson takes, per profile: measured from executed notebooks, kept in
``book/lesson_times.json``, shown in the book and in the README.

A measurement is papermill's own wall time of one executed notebook
(``metadata.papermill.duration``) with what it ran on, read from the results the notebook
recorded: the profile, the CPU model and cores, the torch threads, the GPU when there was one,
and whether IMDB or generated reviews were used. The runner adds how many notebooks ran at once.
``python -m labhelpers times --save`` merges the measurements of ``_build/executed/`` into the
committed file and rewrites the README's table; the book build shows the committed measurements
with those of its own run in place of older ones.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..base.files import atomic_write
from ..base.machine import machine_in_words
from ..base.notebook_file import read, saved_results, title_of
from ..profiles import PROFILE_NAMES
from .runner import list_notebooks, write_json_atomically

TIMES_FILE = Path("book") / "lesson_times.json"
README_START = "<!-- lesson times: written by `python -m labhelpers times --save` -->"
README_END = "<!-- end of lesson times -->"


def measurement(executed: Path) -> dict | None:
    """The run time of one executed notebook and what it ran on; None for a notebook that did not
    finish or saved no results."""
    notebook = read(executed)
    papermill = notebook["metadata"].get("papermill", {})
    records = saved_results(notebook)
    if papermill.get("duration") is None or papermill.get("exception") or not records:
        return None
    record, machine = records[0], records[0]["machine"]
    at_once = notebook["metadata"].get("labhelpers", {}).get("at_once")
    return {
        "notebook": executed.stem,
        "profile": record["profile"],
        "seconds": round(papermill["duration"], 1),
        "device": f"GPU ({machine['gpu']})" if "gpu" in machine else "CPU",
        "cpu": machine.get("cpu"),
        "cores": machine["cpu_count"],
        "threads": machine.get("torch_threads"),
        "at_once": at_once,
        "generated_data": record.get("source") == "synthetic",
        "date": papermill["end_time"][:10],
    }


def measurements(executed_dir: Path, warn=None) -> list[dict]:
    """The measurements of every lesson executed in ``executed_dir`` (sweep points left out).

    A damaged copy (cut short, not JSON) is left out and named through ``warn`` (default: a line
    on stderr), so the others still count.
    """
    import sys

    if not executed_dir.is_dir():
        raise FileNotFoundError(
            f"--executed {executed_dir}: no such folder; give the folder of executed notebooks "
            "(default _build/executed, written by `python -m labhelpers run`)"
        )
    warn = warn or (lambda line: print(line, file=sys.stderr))
    found = []
    for path in sorted(executed_dir.glob("[0-9][0-9]_*.ipynb")):
        if "." not in path.stem and "--" not in path.stem:  # not .failed/.partial, not a point
            try:
                found.append(measurement(path))
            except (ValueError, KeyError, TypeError) as error:
                warn(
                    f"warning: {path} is damaged ({type(error).__name__}: {error}); left out. "
                    "Run that lesson again (python -m labhelpers run --force --only "
                    f"{path.stem}) to measure it"
                )
    return [m for m in found if m is not None]


def merged(kept: list[dict], new: list[dict]) -> list[dict]:
    """``kept`` with each (notebook, profile, device, CPU model) measured again in ``new``
    replaced; a kept measurement that names no CPU model (recorded before results named it) is
    replaced by a new one of any model."""

    def key(m: dict) -> tuple:
        return m["notebook"], m["profile"], m["device"]

    fresh = {(*key(m), m.get("cpu")): m for m in new}
    renewed = {key(m) for m in new}
    return sorted(
        [
            m
            for m in kept
            if (*key(m), m.get("cpu")) not in fresh
            and not (m.get("cpu") is None and key(m) in renewed)
        ]
        + list(fresh.values()),
        key=lambda m: (
            m["notebook"],
            PROFILE_NAMES.index(m["profile"]),
            m["device"],
            m.get("cpu") or "",
        ),
    )


def read_times(root: Path) -> list[dict]:
    path = root / TIMES_FILE
    return json.loads(path.read_text())["measurements"] if path.exists() else []


def duration_words(seconds: float) -> str:
    """``42 s``, ``3 min 05 s`` under ten minutes, ``25 min``, ``1 h 05 min``."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 600:
        return f"{whole // 60} min {whole % 60:02d} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def _how(m: dict) -> str:
    at_once = {None: "", 1: ", one notebook at a time"}.get(
        m["at_once"], f", {m['at_once']} notebooks at a time"
    )
    threads = m["threads"]
    threads = f", {threads} torch thread{'s' * (threads != 1)}" if threads else ""
    # The GPU of a measurement is in its device, "GPU (NAME)"; measurements before 2026-12-06
    # name no CPU model.
    gpu = m["device"].removeprefix("GPU (").removesuffix(")") if m["device"] != "CPU" else None
    machine = {"cpu_count": m["cores"], "cpu": m.get("cpu"), "gpu": gpu}
    return f"{machine_in_words(machine)}{threads}{at_once}, {m['date']}"


def _column(m: dict, split: set) -> tuple:
    """A measurement's column: profile and device, and the CPU model where its profile was
    measured on more than one (times compare only on one model)."""
    profile, device = m["profile"], m["device"]
    return profile, device, (m.get("cpu") or "CPU not named") if (profile, device) in split else ""


def times_table(root: Path, times: list[dict]) -> str:
    """The Markdown table: one row per lesson, one column per profile and device (and CPU model,
    where a profile was measured on several), each column's machine and date under it. Cells not
    measured say so."""
    models: dict[tuple, set] = {}
    for m in times:
        if m["device"] == "CPU" and m.get("cpu"):
            models.setdefault((m["profile"], m["device"]), set()).add(m["cpu"])
    split = {column for column, found in models.items() if len(found) > 1}
    columns = sorted(
        {_column(m, split) for m in times}
        | {(p, "CPU", "") for p in PROFILE_NAMES if (p, "CPU") not in split},
        key=lambda c: (c[1] != "CPU", c[1], PROFILE_NAMES.index(c[0]), c[2]),
    )
    headers = [
        (p if d == "CPU" else f"{p}, {d}") + (f" ({cpu})" if cpu else "") for p, d, cpu in columns
    ]
    lines = [
        "| lesson | " + " | ".join(headers) + " |",
        "| --- |" + " ---: |" * len(columns),
    ]
    by_cell = {(m["notebook"], *_column(m, split)): m for m in times}
    for path in list_notebooks(root):
        cells = []
        for column in columns:
            m = by_cell.get((path.stem, *column))
            if m is None:
                cells.append("not measured")
            else:
                cells.append(
                    duration_words(m["seconds"]) + (" (generated reviews)" * m["generated_data"])
                )
        title = (title_of(read(path)) or path.stem).removeprefix("Lesson ").split(":")[0]
        lines.append(f"| {title} `{path.stem}` | " + " | ".join(cells) + " |")
    notes = []
    for column, header in zip(columns, headers):
        setups = sorted({_how(m) for m in times if _column(m, split) == column})
        if setups:
            notes.append(f"- {header}: {'; '.join(setups)}.")
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + ("\n" if notes else "")


def times_page(root: Path, executed_dir: Path) -> str:
    """The book's page: the committed measurements, this build's own in place of older ones."""
    this_build = measurements(executed_dir) if executed_dir.is_dir() else []
    times = merged(read_times(root), this_build)
    return (
        "# How long each lesson takes\n\n"
        "Wall time of each notebook from its first cell to its last, as papermill measured it, "
        "per profile (`smoke`: seconds, what the tests run; `quick`: the book build; `lab`: the "
        "lab record's settings). The times of the profile this book was built with are this "
        "build's own; the others come from `book/lesson_times.json`, written by "
        "`python -m labhelpers times --save` after a run. Under the table: the machine of each "
        "column and the date of its runs.\n\n" + times_table(root, times)
    )


def save_times(root: Path, executed_dir: Path) -> list[dict]:
    """Merge ``executed_dir``'s measurements into ``book/lesson_times.json`` and rewrite the
    README's table between its markers; returns the new measurements."""
    new = measurements(executed_dir)
    if not new:
        raise FileNotFoundError(
            f"no finished lesson in {executed_dir}: run `python -m labhelpers run` first"
        )
    times = merged(read_times(root), new)
    # Both files are made before either is written: a README without its block leaves both as
    # they were, not the JSON saved and the README stale.
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(
            f"README.md has no '{README_START}' ... '{README_END}' block to rewrite: put the two "
            "lines back where the table goes; nothing was saved"
        )
    table = times_table(root, times)
    text = text[: start + len(README_START)] + "\n" + table + text[end:]
    write_json_atomically(root / TIMES_FILE, {"measurements": times})
    with atomic_write(readme, "w") as file:
        file.write(text)
    return new
