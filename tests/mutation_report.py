"""The mutation score by module, from mutmut's results in mutants/ (``make mutation``).

Run from the repository root after ``mutmut run``::

    python tests/mutation_report.py [--out _build/mutation/report.md] [--target 85]

For each module of ``[tool.mutmut] only_mutate`` in pyproject.toml: its mutants, how many
the tests killed, how many survived, timed out or reached no test, and the score
killed / (mutants - equivalent). The equivalent mutants are listed once, with why they
cannot change behaviour, in tests/mutation_equivalent.txt (``NAME  reason`` a line) and
are not counted. The report (Markdown) is written to ``--out`` and printed; the exit
status is 1 when a module scores below ``--target`` percent, when an equivalent entry
names no mutant any more, or when a mutant listed as equivalent was killed (then it is
not equivalent).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "tests" / "mutation_equivalent.txt"

# mutmut's exit codes by status (mutmut.stats.status_by_exit_code, 3.8): a pytest
# failure or internal error kills the mutant, 0 means every test passed.
KILLED = {1, 3}
SURVIVED = {0}
NO_TESTS = {5, 33}
TIMEOUT = {36, -24, 24, 152, 255}


def status(code: int | None) -> str:
    """The report's column for one mutmut exit code (``None``: never run)."""
    if code in KILLED:
        return "killed"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    if code in TIMEOUT:
        return "timeout"
    return "not run" if code is None else "other"


def read_equivalent(path: Path = EQUIVALENT) -> dict[str, str]:
    """``{mutant name: why it is equivalent}`` from the committed list (``#`` comments)."""
    found: dict[str, str] = {}
    if not path.exists():
        return found
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            raise ValueError(f"{path.name}:{number}: {name} needs a reason after its name")
        if name in found:
            raise ValueError(f"{path.name}:{number}: {name} is listed twice")
        found[name] = reason.strip()
    return found


def module_results(root: Path = ROOT) -> dict[str, dict[str, int | None]]:
    """``{module path: {mutant name: exit code}}`` for every module mutmut mutated."""
    import tomllib  # Python 3.11, as mutmut 3.8 needs

    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    results = {}
    for module in config["tool"]["mutmut"]["only_mutate"]:
        meta = root / "mutants" / f"{module}.meta"
        if not meta.exists():
            raise FileNotFoundError(f"{meta} is missing: run 'mutmut run' (make mutation) first")
        results[module] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return results


def score_table(
    results: dict[str, dict[str, int | None]], equivalent: dict[str, str], target: float
) -> tuple[str, list[str]]:
    """The Markdown report and the list of problems (a module under target, a stale entry)."""
    rows, survivors, problems = [], [], []
    known = {name for codes in results.values() for name in codes}
    for name in sorted(set(equivalent) - known):
        problems.append(f"{name} is listed as equivalent but is no mutant any more")
    columns = ["killed", "survived", "no tests", "timeout", "not run", "other"]
    header = "| module | mutants | " + " | ".join(columns) + " | equivalent | score |"

    def row(name: str, counts: Counter) -> tuple[str, float]:
        counted = counts["mutants"] - counts["equivalent"]
        score = 100.0 * counts["killed"] / counted if counted else 100.0
        cells = [name, counts["mutants"], *(counts[c] for c in columns), counts["equivalent"]]
        return "| " + " | ".join(map(str, cells)) + f" | {score:.1f}% |", score

    totals: Counter = Counter()
    for module, codes in results.items():
        counts = Counter(status(code) for name, code in codes.items() if name not in equivalent)
        counts["mutants"] = len(codes)
        counts["equivalent"] = sum(name in equivalent for name in codes)
        for name, code in codes.items():
            if name in equivalent and status(code) == "killed":
                problems.append(f"{name} is listed as equivalent but a test killed it")
            elif name not in equivalent and status(code) != "killed":
                survivors.append(f"- `{name}`: {status(code)}")
        line, score = row(module, counts)
        rows.append(line)
        if score < target:
            problems.append(
                f"{module}: {score:.1f}% of non-equivalent mutants killed, "
                f"under the target {target:g}%"
            )
        totals.update(counts)
    rows.append(row("**all**", totals)[0])
    lines = [
        "# Mutation score by module",
        "",
        "score = killed / (mutants - equivalent); equivalent mutants are listed with why in",
        f"tests/mutation_equivalent.txt. Target: {target:g}% for every module.",
        "",
        header,
        "|" + "---|" * (header.count("|") - 1),
        *rows,
        "",
        f"## Not killed ({len(survivors)}; `mutmut show NAME` shows the change)",
        "",
        *(survivors or ["None."]),
    ]
    if problems:
        lines += ["", "## Problems", "", *(f"- {p}" for p in problems)]
    return "\n".join(lines) + "\n", problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "mutation" / "report.md")
    parser.add_argument(
        "--target",
        type=float,
        default=85.0,
        help="the lowest score a module may have, in percent (default 85)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from labhelpers.base.files import atomic_write

    report, problems = score_table(module_results(), read_equivalent(), args.target)
    with atomic_write(args.out, "w") as file:
        file.write(report)
    print(report)
    print(f"Written to {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
