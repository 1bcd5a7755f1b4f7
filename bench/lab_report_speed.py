"""How long one lab report takes to render: HTML and A4 PDF from an executed notebook.

Lessons 1 and 7 are executed in the smoke profile (not timed), then each lab report
is rendered ``--repeats`` times with ``make_lab_report`` (nbconvert, MathJax offline,
Chromium's print to PDF). The script prints the first (cold: Chromium and the
template loaded for the first time, as a student's one render) and the median
seconds of each lesson, and exits with status 1 when the slowest render is over
the 30 s target of a 2-core machine.

    python bench/lab_report_speed.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from labhelpers.lab_report import make_lab_report
from labhelpers.tools.runner import execute_notebook

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ("01_sum_classifier", "07_imdb_rnn_pytorch")
LIMIT_SECONDS = 30.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="renders per lesson")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    missed = 0
    with tempfile.TemporaryDirectory() as folder:
        for lesson in LESSONS:
            executed = execute_notebook(
                ROOT / "notebooks" / f"{lesson}.ipynb",
                Path(folder) / f"{lesson}.ipynb",
                {"profile": "smoke"},
            )
            seconds = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                make_lab_report(executed, "Asha Raman", "21BCE1234", out=Path(folder) / "out")
                seconds.append(time.perf_counter() - started)
            slowest = max(seconds)
            verdict = "met" if slowest < LIMIT_SECONDS else "MISSED"
            missed += slowest >= LIMIT_SECONDS
            print(
                f"{lesson}: lab report rendered in {seconds[0]:.1f} s the first time, median "
                f"{statistics.median(seconds):.1f} s of {args.repeats}; target under "
                f"{LIMIT_SECONDS:.0f} s: {verdict}"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
