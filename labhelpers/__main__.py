"""Command line: ``python -m labhelpers run | book | times | references | colab | lab-report``."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from .profiles import PROFILE_HELP, PROFILE_NAMES

RUN_DESCRIPTION = """\
Execute the lab book's notebooks with papermill, several at once, and collect their results.

Outputs: the executed notebooks in _build/executed/ (a failed one as NAME.failed.ipynb, one
stopped by Ctrl-C or SIGTERM as NAME.partial.ipynb), each notebook's results in
_build/results/NAME.json, all of them in _build/results.json (the book's Results page). A sweep
(--grid, --sweep) runs every combination as its own notebook,
_build/sweeps/executed/NAME--KEY=VALUE--....ipynb, and writes its table and plots to
_build/sweeps/last/ (sweep.csv, sweep.md, sweep_KEY.png; the book shows them).

The default profile is quick. Notebooks run in parallel on a local Dask cluster, one per core,
each with one thread per library; a notebook whose code, parameters, profile, data and labhelpers
code are unchanged since its last run is reused (--force runs it again). A failing notebook does
not stop the others; the run then exits with 1 and names every failure.
"""
RUN_EXAMPLES = """\
examples:
  python -m labhelpers run --only 01_sum_classifier -p epochs 100
  python -m labhelpers run --only 01_sum_classifier --grid hidden_size=16,32,64 --grid seed=0:5
  python -m labhelpers run --profile lab --scheduler tcp://10.0.0.5:8786
"""


def _add_run(commands) -> None:
    run = commands.add_parser(
        "run",
        help="execute notebooks with papermill into _build/executed/ and collect their results",
        description=RUN_DESCRIPTION,
        epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.set_defaults(handler=_run)
    run.add_argument(
        "--profile",
        default="quick",
        help="default quick. " + "; ".join(f"{n}: {h}" for n, h in PROFILE_HELP.items()),
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
    run.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=VALUES",
        help="sweep a parameter (repeatable: every combination runs): NAME=V1,V2,... or "
        "NAME=START:STOP for the integers START..STOP-1, e.g. --grid seed=0:5",
    )
    run.add_argument(
        "--sweep",
        type=Path,
        metavar="FILE",
        help="a YAML sweep file, one `name: [values]` line per swept parameter "
        "(with or instead of --grid)",
    )
    run.add_argument(
        "--max-points",
        type=int,
        default=None,
        metavar="N",
        help="run a sweep of more than 500 points (default limit 500)",
    )
    run.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="notebooks run at once on the local cluster (default: one per core)",
    )
    run.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch/TensorFlow/BLAS threads per notebook (default 1; 0: the libraries' defaults)",
    )
    run.add_argument(
        "--force", action="store_true", help="run every notebook again, changed or not"
    )
    run.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="submit the notebooks to this Dask scheduler's workers instead of a local cluster",
    )
    run.add_argument("--book", action="store_true", help="build the HTML book afterwards")


def _add_times(commands) -> None:
    times = commands.add_parser(
        "times",
        help="print how long each executed lesson took; --save keeps it for the book and README",
    )
    times.set_defaults(handler=_times)
    times.add_argument(
        "--executed",
        type=Path,
        default=None,
        metavar="DIR",
        help="the executed notebooks to read (default: _build/executed)",
    )
    times.add_argument(
        "--save",
        action="store_true",
        help="merge them into book/lesson_times.json and rewrite the README's table",
    )


def _add_lab_report(commands) -> None:
    report = commands.add_parser(
        "lab-report", help="write the lab report (HTML and PDF) of an executed notebook"
    )
    report.set_defaults(handler=_lab_report)
    report.add_argument(
        "notebook", type=Path, metavar="EXECUTED.ipynb", help="the notebook, executed to its end"
    )
    report.add_argument("--name", required=True, help="the student's name, as the report shows it")
    report.add_argument("--register", required=True, help="the student's register number")
    report.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")
    report.add_argument(
        "--experiment",
        default=None,
        metavar="N",
        help="the experiment number (default: the lesson number of the title)",
    )
    report.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder for NAME.lab-report.html and .pdf (default: beside it)",
    )


def _make_parser() -> argparse.ArgumentParser:
    """The command line's parser: each command's subparser names its handler (``args.handler``)."""
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
    _add_run(commands)
    commands.add_parser(
        "book", help="build the HTML book into _build/html/ from the executed notebooks"
    ).set_defaults(handler=_book)
    _add_times(commands)
    references = commands.add_parser(
        "references", help="regenerate the nbval references in tests/nbval/ (smoke profile)"
    )
    references.set_defaults(handler=_references)
    references.add_argument("--only", action="append", metavar="NAME")
    commands.add_parser(
        "colab", help="rewrite each notebook's Colab badge and install line from _config.yml"
    ).set_defaults(handler=_colab)
    _add_lab_report(commands)
    return parser


def _grid(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict[str, list]:
    """The sweep of ``--sweep FILE`` and every ``--grid``; a parameter swept twice is an error."""
    from .tools.sweep import parse_grid_option, read_sweep_file

    grid = read_sweep_file(args.sweep) if args.sweep else {}
    for option in args.grid:
        name, values = parse_grid_option(option)
        if name in grid:
            parser.error(f"--grid {option!r}: {name} is already swept")
        grid[name] = values
    return grid


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from .tools import runner
    from .tools.sweep import parse_value

    if args.profile not in PROFILE_NAMES:
        parser.error(f"--profile must be one of {', '.join(PROFILE_NAMES)}, got {args.profile!r}")
    parameters = {key: parse_value(value) for key, value in args.parameter}
    grid = _grid(args, parser)
    results = runner.run(
        args.profile,
        args.only,
        parameters,
        args.root,
        grid=grid or None,
        jobs=args.jobs,
        threads=args.threads,
        force=args.force,
        scheduler=args.scheduler,
        max_points=args.max_points or runner.MAX_POINTS,
    )
    print(f"{'Sweep table written to' if grid else 'Results collected in'} {results}")
    if args.book:
        _book(args, parser)


def _book(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from .tools.book import build_book

    print(f"Book built in {build_book(args.root)}")


def _times(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from .tools import runner, timings

    root = runner.find_root(args.root)
    executed = args.executed or root / "_build" / "executed"
    if args.save:
        timings.save_times(root, executed)
        print(f"Saved in {timings.TIMES_FILE} and README.md:")
    times = timings.merged(timings.read_times(root), timings.measurements(executed))
    print(timings.times_table(root, times))


def _references(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from .tools.references import make_references

    for path, changed in make_references(args.only, args.root).items():
        print(f"Wrote {path}")
        if changed:
            print("  compared output changed (say why in the commit):")
            print("\n".join(f"    {line}" for line in changed))


def _colab(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from .tools import runner
    from .tools.colab import sync_colab

    changed = sync_colab(runner.find_root(args.root))
    print(
        "Updated: " + ", ".join(p.name for p in changed)
        if changed
        else "Every notebook is current."
    )
    if changed:
        print("Now run: jupytext --sync notebooks/*.py")


def _lab_report(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    from .lab_report import make_lab_report

    html, pdf = make_lab_report(
        args.notebook, args.name, args.register, args.date, args.experiment, args.out
    )
    print(f"Lab report written: {html} and {pdf}")


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run its command's handler; return the exit status (0, 1 on an error,
    130 when interrupted)."""
    parser = _make_parser()
    args = parser.parse_args(argv)
    from .tools import runner

    try:
        args.handler(args, parser)
    except runner.RunInterrupted as stopped:
        print(stopped, file=sys.stderr)
        return 130
    except KeyboardInterrupt:  # before any notebook started, or while results were being collected
        print("Interrupted: every result written so far is kept.", file=sys.stderr)
        return 130
    except (runner.NotebookFailed, ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _stop_as_ctrl_c_does(signum, frame):
    """A batch system (SLURM, a CI timeout, ``kill``) stops a job with SIGTERM, to this process
    alone: keep what Ctrl-C keeps, the notebooks as far as they got and every finished result."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _stop_as_ctrl_c_does)
    sys.exit(main())
