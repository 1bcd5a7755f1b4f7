"""Command line: ``python -m labhelpers run | book | references | colab | record``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .profiles import PROFILE_HELP, PROFILE_NAMES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m labhelpers", description="Run the lab book's notebooks and build the book."
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="the lab book's folder (default: found from the working directory)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="execute notebooks with papermill into _build/executed/ and collect their results",
    )
    run.add_argument(
        "--profile", default="quick", help="; ".join(f"{n}: {h}" for n, h in PROFILE_HELP.items())
    )
    run.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this notebook (repeatable), e.g. 01_sum_classifier",
    )
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("KEY", "VALUE"),
        help="override a notebook parameter, e.g. -p epochs 100 (values are Python literals)",
    )
    run.add_argument("--book", action="store_true", help="build the HTML book afterwards")

    commands.add_parser(
        "book", help="build the HTML book into _build/html/ from the executed notebooks"
    )
    references = commands.add_parser(
        "references", help="regenerate the nbval references in tests/nbval/ (smoke profile)"
    )
    references.add_argument("--only", action="append", metavar="NAME")
    commands.add_parser(
        "colab", help="rewrite each notebook's Colab badge and install line from _config.yml"
    )
    record = commands.add_parser("record", help="write the lab record of an executed notebook")
    record.add_argument(
        "notebook", type=Path, metavar="EXECUTED.ipynb", help="the notebook, executed to its end"
    )
    record.add_argument("--name", required=True, help="the student's name, as the record shows it")
    record.add_argument("--register", required=True, help="the student's register number")
    record.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")
    record.add_argument(
        "--experiment",
        default=None,
        metavar="N",
        help="the experiment number (default: the lesson number of the title)",
    )
    record.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for NAME.record.html and .pdf (default: beside it)",
    )

    args = parser.parse_args(argv)
    from .tools import runner

    try:
        if args.command == "run":
            if args.profile not in PROFILE_NAMES:
                parser.error(
                    f"--profile must be one of {', '.join(PROFILE_NAMES)}, got {args.profile!r}"
                )
            parameters = {key: runner.parse_value(value) for key, value in args.parameter}
            results = runner.run(args.profile, args.only, parameters, args.root)
            print(f"Results collected in {results}")
            if args.book:
                from .tools.book import build_book

                print(f"Book built in {build_book(args.root)}")
        elif args.command == "book":
            from .tools.book import build_book

            print(f"Book built in {build_book(args.root)}")
        elif args.command == "references":
            for path in runner.make_references(args.only, args.root):
                print(f"Wrote {path}")
        elif args.command == "colab":
            from .tools.colab import sync_colab

            changed = sync_colab(runner.find_root(args.root))
            print(
                "Updated: " + ", ".join(p.name for p in changed)
                if changed
                else "Every notebook is current."
            )
            if changed:
                print("Now run: jupytext --sync notebooks/*.py")
        elif args.command == "record":
            from .record import make_record

            html, pdf = make_record(
                args.notebook, args.name, args.register, args.date, args.experiment, args.out
            )
            print(f"Lab record written: {html} and {pdf}")
    except (runner.NotebookFailed, ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
