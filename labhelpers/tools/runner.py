"""The batch runner: execute notebooks with papermill, as Dask jobs, and collect their results.

``python -m labhelpers run --profile quick [--only NAME] [-p key value] [--grid name=v1,v2]``
executes ``notebooks/*.ipynb`` into ``_build/executed/`` (sweep points into
``_build/sweeps/executed/``) and collects every notebook's saved results
(see :func:`labhelpers.report.report_result`) into ``_build/results.json``.
The jobs run on a local Dask cluster or an existing scheduler's workers
(:mod:`labhelpers.tools.jobs`, what a worker does); :mod:`labhelpers.tools.cache`
decides which notebooks must run again, :mod:`labhelpers.tools.sweep` makes the
grid and the sweep's table and plots.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.files import atomic_write
from ..base.notebook_file import read, saved_results, title_of
from ..profiles import check_profile
from .sweep import check_given, check_grid, point_name, points, write_sweep


class NotebookFailed(RuntimeError):
    """A notebook raised an error; the message names it and shows the failing cell's error."""


def find_root(start: str | Path | None = None) -> Path:
    """The lab book's root: the nearest folder (from ``start``, default the working directory) with
    ``_config.yml`` and ``notebooks/``."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "_config.yml").is_file() and (folder / "notebooks").is_dir():
            return folder
    raise FileNotFoundError(
        f"no lab book found at or above {start}: run this from the repository folder "
        "(the one with _config.yml and notebooks/) or pass --root"
    )


def list_notebooks(root: Path) -> list[Path]:
    """The book's notebooks, in lesson order (their names start with the lesson number)."""
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def select_notebooks(root: Path, only: Iterable[str] | None = None) -> list[Path]:
    """All notebooks, or those whose name (with or without ``.ipynb``) is in ``only``."""
    notebooks = list_notebooks(root)
    if not only:
        return notebooks
    by_name = {path.stem: path for path in notebooks}
    chosen = []
    for name in dict.fromkeys(only):  # a repeated --only runs once
        stem = Path(name).name.removesuffix(".ipynb").removesuffix(".py")
        if stem not in by_name:
            raise ValueError(
                f"--only {name!r} names no notebook; the notebooks are {sorted(by_name)}"
            )
        if by_name[stem] not in chosen:
            chosen.append(by_name[stem])
    return chosen


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The parameters a notebook declares in its ``parameters`` cell, by name."""
    import papermill as pm

    return pm.inspect_notebook(str(path))


def reject_unknown_parameters(path: Path, parameters: Mapping[str, Any]) -> None:
    """Raise a ValueError naming any parameter the notebook does not declare."""
    known = notebook_parameters(path)
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(
            f"{path.name} has no parameter {', '.join(map(repr, unknown))}; "
            f"its parameters are: {', '.join(sorted(known))}"
        )


def execute_notebook(source: Path, output: Path, parameters: Mapping[str, Any]) -> Path:
    """Execute ``source`` into ``output`` with papermill; raise :class:`NotebookFailed` on error.

    The kernel runs as in a batch run (``LABHELPERS_BATCH=1``: training loops print plain lines,
    no progress bars); this process's own variables stay as they are.
    """
    import papermill as pm

    from .jobs import start_batch_kernel, stop_kernel, without_colours

    output.parent.mkdir(parents=True, exist_ok=True)
    kernel = start_batch_kernel({}, str(source.parent))
    try:
        pm.execute_notebook(
            str(source),
            str(output),
            parameters=dict(parameters),
            km=kernel,
            kernel_name="python3",
            cwd=str(source.parent),
            progress_bar=False,
            request_save_on_cell_execute=False,
        )
    except pm.PapermillExecutionError as error:
        trace = without_colours("\n".join(error.traceback[-8:])) if error.traceback else ""
        raise NotebookFailed(
            f"{source.name} failed in cell {error.exec_count} with {error.ename}: {error.evalue}\n"
            f"{trace}\nThe executed notebook, with every output up to the error, is {output}"
        ) from None
    finally:
        stop_kernel(kernel)
    return output


def write_json_atomically(path: Path, data: Any) -> None:
    with atomic_write(path, "w") as file:
        file.write(json.dumps(data, indent=2) + "\n")


class RunInterrupted(RuntimeError):
    """Ctrl-C: the run stopped; the message says what was kept."""


@dataclass
class Planned:
    """A job of a run and where its outputs go."""

    name: str  # the executed copy's name: the notebook's, with a sweep point's values
    notebook: Path
    parameters: dict[str, Any]  # the profile among them
    point: dict[str, Any] | None  # the sweep point, None outside a sweep
    executed: Path
    results: Path
    key: str = ""
    expected_seconds: float = 0.0


def default_jobs() -> int:
    """As many jobs as this process may use cores."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def check_pair_in_sync(path: Path) -> None:
    """Refuse a notebook whose jupytext twin ``NAME.py`` (the source reviewed in git) holds other
    cells: the run would execute the ``.ipynb`` and report a stale copy as unchanged."""
    twin = path.with_suffix(".py")
    if not twin.exists():
        return
    import jupytext

    def cells(notebook_path: Path) -> list[tuple[str, str]]:
        return [(c.cell_type, c.source) for c in jupytext.read(notebook_path).cells]

    if cells(twin) != cells(path):
        newer = twin if twin.stat().st_mtime > path.stat().st_mtime else path
        raise ValueError(
            f"{path.name} and {twin.name} differ ({newer.name} is newer): pair them first with "
            f"`jupytext --sync {twin}` (or `make sync`), then run again"
        )


# A sweep larger than this is refused unless --max-points raises the limit: 100,000 points once
# ran out of file handles after leaving 20,000 lock files.
MAX_POINTS = 500


def plan(
    root: Path,
    notebooks: list[Path],
    profile: str,
    parameters: Mapping[str, Any],
    grid: Mapping[str, list[Any]] | None,
    max_points: int = MAX_POINTS,
) -> list[Planned]:
    """Every job of a run, each checked against its notebook before anything runs."""
    import math

    if "profile" in parameters or "profile" in (grid or {}):
        how = "-p profile" if "profile" in parameters else "--grid profile=..."
        raise ValueError(
            f"{how}: the profile is chosen with --profile, which would override it; run once per "
            "profile instead, e.g. --profile lab"
        )
    if grid:
        size = len(notebooks) * math.prod(len(values) for values in grid.values())
        if size > max_points:
            raise ValueError(
                f"the sweep has {size:,} points ({' x '.join(str(len(v)) for v in grid.values())} "
                f"values of {', '.join(grid)}, {len(notebooks)} notebook(s)), above the limit of "
                f"{max_points:,}: narrow --grid, or raise the limit with --max-points {size}"
            )
    planned = []
    for path in notebooks:
        check_pair_in_sync(path)
        reject_unknown_parameters(path, {**parameters, "profile": profile})
        notebook = read(path)
        check_given(path.name, notebook, parameters)
        if grid:
            checked = check_grid(path.stem, notebook, grid, parameters)
            for point in points(checked):
                name = point_name(path.stem, point)
                planned.append(
                    Planned(
                        name,
                        path,
                        {**parameters, **point, "profile": profile},
                        point,
                        root / "_build" / "sweeps" / "executed" / f"{name}.ipynb",
                        root / "_build" / "sweeps" / "results" / f"{name}.json",
                    )
                )
        else:
            planned.append(
                Planned(
                    path.stem,
                    path,
                    {**parameters, "profile": profile},
                    None,
                    root / "_build" / "executed" / path.name,
                    root / "_build" / "results" / f"{path.stem}.json",
                )
            )
    by_file: dict[Path, Planned] = {}
    for job in planned:  # two sweep values that one file name would hold ("a b", "a'b")
        other = by_file.setdefault(job.executed, job)
        if other is not job:
            raise ValueError(
                f"the sweep points {other.point} and {job.point} would both be written to "
                f"{job.executed.name}: give values that differ in letters, digits or one of . _ + -"
            )
    return planned


def reuse(job: Planned, source: dict) -> str | None:
    """Reuse the executed copy when its key is this job's: None, or a line that says so.

    A copy whose Markdown differs from the source's gets the new Markdown (no run needed).
    """
    import nbformat

    from .cache import refresh_markdown, stored_key

    if not (job.executed.exists() and job.results.exists()):
        return None
    try:
        executed = read(job.executed)
        json.loads(job.results.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):  # a copy cut short: run the notebook again
        return None
    if stored_key(executed) != job.key:
        return None
    changed = refresh_markdown(executed, source)
    if changed is None:
        return None
    if changed:
        with atomic_write(job.executed, "w") as file:
            nbformat.write(nbformat.from_dict(executed), file)
        return "unchanged code, Markdown updated in the executed copy"
    finished = (
        executed.get("metadata", {}).get("papermill", {}).get("end_time", "")[:16].replace("T", " ")
    )
    return f"unchanged, reused the copy executed {finished} UTC"


class _Claim:
    """An exclusive claim on an executed copy's name, so two runs never write the same copy
    unawares."""

    def __init__(self, executed: Path):
        self.path = executed.with_name(f".{executed.name}.lock")
        self.file = None

    def take(self) -> str | None:
        """None when claimed; else why not (another run holds it)."""
        try:
            import fcntl
        except ImportError:  # Windows: no claim, copies are still written whole (atomic_write)
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(self.path, "a+")  # noqa: SIM115 (held open: the lock lasts as long)
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.file.seek(0)
            holder = self.file.read().strip() or "another process"
            self.file.close()
            self.file = None
            return (
                f"another run ({holder}) is executing it into {self.path.parent} right now; "
                "this run leaves it to that one (run it again when that one has finished, or "
                "use another --root)"
            )
        self.file.seek(0)
        self.file.truncate()
        self.file.write(f"pid {os.getpid()}")
        self.file.flush()
        return None

    def release(self) -> None:
        """Remove the lock file (while still holding it, so no other run took it) and let go."""
        if self.file is not None:
            self.path.unlink(missing_ok=True)
            self.file.close()
            self.file = None


SCHEDULER_FORM = "tcp://HOST:PORT (the address `dask scheduler` prints, port 8786 by default)"
# Seconds to wait for a scheduler to accept the connection and to send its greeting.
SCHEDULER_ANSWER_SECONDS = 5.0
# A Dask greeting (handshake) is a few hundred bytes; its 8-byte length prefix says so.
_GREETING_LIMIT = 1 << 24


def check_scheduler(scheduler: str, seconds: float = SCHEDULER_ANSWER_SECONDS) -> None:
    """Refuse ``--scheduler`` unless it is ``tcp://HOST:PORT`` and a Dask scheduler answers there
    within ``seconds``: Dask's own client waits minutes on a server that accepts and says nothing
    (the dashboard's HTTP port) and tries to allocate exabytes when another protocol answers."""
    import socket
    import struct
    from urllib.parse import urlsplit

    def refuse(why: str) -> ValueError:
        return ValueError(f"--scheduler {scheduler!r}: {why}; give {SCHEDULER_FORM}")

    parts = urlsplit(scheduler)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "tcp" or not parts.hostname or port is None or parts.path not in ("", "/"):
        raise refuse("not an address of the form tcp://HOST:PORT")
    try:
        connection = socket.create_connection((parts.hostname, port), timeout=seconds)
    except socket.gaierror:
        raise refuse(f"no host is called {parts.hostname!r}") from None
    except OSError as error:
        reason = "nothing answered" if isinstance(error, TimeoutError) else str(error)
        raise refuse(f"could not connect within {seconds:g} s ({reason})") from None
    with connection:
        # A Dask scheduler greets first: an 8-byte little-endian length, then its handshake.
        connection.settimeout(seconds)
        prefix = b""
        try:
            while len(prefix) < 8:
                chunk = connection.recv(8 - len(prefix))
                if not chunk:
                    break
                prefix += chunk
        except OSError:
            pass
    if len(prefix) < 8:
        raise refuse(
            f"a server accepted the connection but sent no Dask greeting within {seconds:g} s "
            "(is this the dashboard's web port, 8787?)"
        )
    (length,) = struct.unpack("<Q", prefix)
    if not 0 < length < _GREETING_LIMIT:
        raise refuse("the server there is not a Dask scheduler (it speaks another protocol)")


def _open_client(scheduler: str | None, workers: int):
    """A Dask client: of the scheduler at ``scheduler``, or of a new local cluster of ``workers``
    processes."""
    import logging

    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None  # checked by check_scheduler
        except OSError as error:
            raise RuntimeError(
                f"--scheduler {scheduler}: no Dask scheduler answered ({error}); start one with "
                "`dask scheduler` and give its address, tcp://HOST:8786"
            ) from None
    # Worker processes ignore Ctrl-C (they inherit that): the runner stops their notebooks itself.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=0,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    return Client(cluster), cluster


def _quiet_distributed_logs() -> None:
    import logging

    logging.getLogger("distributed").setLevel(logging.CRITICAL)


# How long the clean-up after Ctrl-C waits for each answer of the workers: a worker that the same
# Ctrl-C reached may never answer, and the run must still stop (the notebook it held is then not
# kept as partial).
WORKER_ANSWER_SECONDS = 15


def _close_quietly(client, cluster) -> None:
    """Close the client, and the local cluster if this run started one, without the log lines of
    its shutdown: the cluster's scheduler stops before its workers, whose next heartbeat then logs
    a traceback on the terminal (seen after a Ctrl-C)."""
    _quiet_distributed_logs()
    if cluster is not None:  # a shared cluster's workers go on and keep their logs
        with contextlib.suppress(Exception):
            client.run(_quiet_distributed_logs, callback_timeout=WORKER_ANSWER_SECONDS)
            client.run(_quiet_distributed_logs, nanny=True, callback_timeout=WORKER_ANSWER_SECONDS)
    with contextlib.suppress(Exception):
        client.close(timeout=10)
    if cluster is not None:
        with contextlib.suppress(Exception):
            cluster.close(timeout=10)


def _store(job: Planned, answer: Mapping[str, Any], at_once: int | None) -> list[dict]:
    """Write a finished job's executed copy (with its key, and ``at_once``, how many notebooks ran
    at the same time, None on a shared cluster) and its results; return the results."""
    import nbformat

    executed = nbformat.reads(answer["notebook"].decode("utf-8"), as_version=4)
    executed.metadata["labhelpers"] = {
        "run_key": job.key,
        "parameters": job.parameters,
        "point": job.point,
        "worker": answer["worker"],
        "at_once": at_once,
    }
    results = saved_results(executed)
    if not results:
        raise NotebookFailed(f"{job.name} ran but saved no results: it must call report_result")
    with atomic_write(job.executed, "w") as file:
        nbformat.write(executed, file)
    lesson = title_of(read(job.notebook)) or job.notebook.stem
    extra = {"point": job.point} if job.point is not None else {}
    write_json_atomically(
        job.results,
        [
            {"notebook": job.notebook.stem, "lesson": lesson, **extra, **result}
            for result in results
        ],
    )
    return results


def _beside(executed: Path, kind: str) -> Path:
    """``NAME.failed.ipynb`` or ``NAME.partial.ipynb`` beside the executed copy ``NAME.ipynb``."""
    return executed.with_name(f"{executed.stem}.{kind}.ipynb")


def run_times(root: Path) -> dict[str, float]:
    """The last run time of each job by its parameters (see :func:`_timing_name`), on this machine.

    Kept in ``_build/cache/run_seconds.json``, beside the caches of matplotlib and
    Keras: a build after removing the executed notebooks still starts the longest
    notebooks first. Empty before any run (the notebooks then start by the committed lesson
    times, :func:`committed_times`).
    """
    try:
        return json.loads((root / "_build" / "cache" / "run_seconds.json").read_text())
    except (OSError, ValueError):
        return {}


def committed_times(root: Path) -> dict[tuple[str, str], float]:
    """The lessons' measured times from ``book/lesson_times.json`` by (notebook, profile): the
    longest measurement of each, whatever the CPU. A first build, with no run times of its own
    yet, orders its notebooks by these."""
    path = root / "book" / "lesson_times.json"
    try:
        measurements = json.loads(path.read_text(encoding="utf-8"))["measurements"]
        found: dict[tuple[str, str], float] = {}
        for m in measurements:
            key = (m["notebook"], m["profile"])
            found[key] = max(found.get(key, 0.0), float(m["seconds"]))
        return found
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # no file or an unreadable one: lesson order, as before


def expected_seconds(job: Planned, remembered: Mapping[str, float], committed) -> float:
    """How long ``job`` should take: its own last run on this machine, else the committed time of
    its notebook in its profile (a sweep point takes its notebook's), else 0."""
    if _timing_name(job) in remembered:
        return remembered[_timing_name(job)]
    return committed.get((job.notebook.stem, job.parameters.get("profile")), 0.0)


def _timing_name(job: Planned) -> str:
    """``01_sum_classifier {"profile": "quick"}``: a job's name and parameters, the profile among
    them."""
    return f"{job.name} {json.dumps(job.parameters, sort_keys=True, default=str)}"


def remember_run_time(root: Path, job: Planned, seconds: float) -> None:
    times = run_times(root)
    times[_timing_name(job)] = round(seconds, 1)
    with contextlib.suppress(OSError):
        write_json_atomically(
            root / "_build" / "cache" / "run_seconds.json", dict(sorted(times.items()))
        )


def _minutes(seconds: float) -> str:
    return (
        f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:02.0f} s"
    )


@dataclass
class _Progress:
    """What a run has done so far: its progress lines (``[3/12] NAME: ...``) and its summary."""

    total: int
    log: Callable[[str], None]
    skipped: int = 0  # reused, unchanged
    done: int = 0
    failures: dict[str, str] = field(default_factory=dict)  # job name: why

    def say(self, name: str, what: str) -> None:
        """Log a line for a job that has just been reused, refused, done or failed."""
        self.log(f"[{self.skipped + len(self.failures) + self.done}/{self.total}] {name}: {what}")


def run(
    profile: str,
    only: Iterable[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    root: Path | None = None,
    *,
    grid: Mapping[str, list[Any]] | None = None,
    jobs: int | None = None,
    threads: int = 1,
    force: bool = False,
    scheduler: str | None = None,
    retries: int = 1,
    max_points: int = MAX_POINTS,
    log: Callable[[str], None] = print,
) -> Path:
    """Execute the chosen notebooks (or every point of ``grid``) in ``profile``, in parallel with
    Dask.

    Returns ``_build/results.json`` (or, for a sweep, ``_build/sweeps/last/sweep.csv``).
    Every name and value is checked before anything runs. Jobs run on a local
    Dask cluster of ``jobs`` processes (default: one per core), each kernel
    with ``threads`` threads per library (0: the libraries' defaults), or on
    the cluster of the scheduler at ``scheduler``. A job whose key (see
    :mod:`labhelpers.tools.cache`) matches its executed copy is not run again
    unless ``force``. Each notebook's results go to a file of their own as it
    finishes and ``results.json`` is assembled from all of them, so a failure,
    Ctrl-C or a second run at once loses nothing that finished. A failing job
    does not stop the others: the run ends with :class:`NotebookFailed`
    naming every failure, its notebook as far as it got in ``NAME.failed.ipynb``.
    """
    from .jobs import thread_environment

    check_profile(profile)
    if scheduler:
        check_scheduler(scheduler)
    root = find_root(root)
    env = thread_environment(threads)
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise ValueError(f"--jobs must be at least 1, got {jobs}")
    planned = plan(
        root, select_notebooks(root, only), profile, dict(parameters or {}), grid, max_points
    )
    started = time.perf_counter()
    progress = _Progress(len(planned), log)
    to_run = _not_reused(root, planned, force, progress)
    to_run, claims = _claimed(to_run, progress)
    # The longest first (by the last run's time, or the committed lesson times on a first build),
    # so one long notebook does not finish alone at the end.
    to_run.sort(key=lambda job: -job.expected_seconds)
    try:
        if to_run:
            at_once = min(jobs, len(to_run))
            _execute(root, to_run, claims, progress, env, scheduler, at_once, retries)
    finally:  # no lock file outlives the run, whatever stopped it
        for claim in claims.values():
            claim.release()
    results = (
        collect_results(root)
        if not grid
        else _write_sweep(root, planned, grid, progress.failures, profile)
    )
    where = (
        f"on the cluster at {scheduler}"
        if scheduler
        else f"with {min(jobs, max(len(to_run), 1))} at a time"
    )
    _summarise(progress, f"{_minutes(time.perf_counter() - started)} {where}")
    return results


def _not_reused(root: Path, planned: list[Planned], force: bool, progress: _Progress):
    """The jobs that must run, each with its key and expected time; the others reuse their copy
    (unless ``force``) and say so."""
    from .cache import run_key, shared_identity

    shared = shared_identity()
    sources = {path: read(path) for path in {job.notebook for job in planned}}
    remembered, committed = run_times(root), committed_times(root)
    to_run = []
    for job in planned:
        job.key = run_key(sources[job.notebook], job.parameters, shared)
        said = None if force else reuse(job, sources[job.notebook])
        if said:
            progress.skipped += 1
            progress.say(job.name, said)
            continue
        job.expected_seconds = expected_seconds(job, remembered, committed)
        to_run.append(job)
    return to_run


def _claimed(to_run: list[Planned], progress: _Progress) -> tuple[list[Planned], dict[str, _Claim]]:
    """The jobs whose executed copy this run could claim, and the claims by job name; a job that
    another run is executing is a failure, not run."""
    claimed, claims = [], {}
    for job in to_run:
        claim = _Claim(job.executed)
        refused = claim.take()
        if refused:
            progress.failures[job.name] = refused
            progress.say(job.name, f"NOT RUN: {refused}")
        else:
            claims[job.name] = claim
            claimed.append(job)
    return claimed, claims


def _execute(
    root: Path,
    to_run: list[Planned],
    claims: dict[str, _Claim],
    progress: _Progress,
    env: Mapping[str, str],
    scheduler: str | None,
    at_once: int,
    retries: int,
) -> None:
    """Run the jobs on Dask (``at_once`` local workers, or the scheduler's), each finished job
    stored and its claim released as it completes; Ctrl-C stops them (see :func:`_stop`)."""
    from dask.distributed import as_completed

    run_id = uuid.uuid4().hex
    client, cluster = _open_client(scheduler, at_once)
    try:
        futures = _submit(client, to_run, env, run_id, retries)
        for future in as_completed(futures):
            job = futures[future]
            _finish(root, job, _answer(future), progress, None if scheduler else at_once)
            claims.pop(job.name).release()
    except KeyboardInterrupt:
        _stop(root, client, cluster, to_run, claims, run_id, progress.done)
    _close_quietly(client, cluster)


def _submit(client, to_run: list[Planned], env, run_id: str, retries: int) -> dict:
    """Submit every job, the first of ``to_run`` with the highest priority; the futures' jobs."""
    from .jobs import Job, execute_job

    futures = {}
    for order, job in enumerate(to_run):
        spec = Job(
            job.name,
            job.notebook.read_bytes(),
            job.parameters,
            run_id,
            env,
            cwd=str(job.notebook.parent),
        )
        future = client.submit(
            execute_job,
            spec,
            key=f"{job.name}-{run_id}",
            pure=False,
            retries=retries,
            priority=len(to_run) - order,
        )
        futures[future] = job
    return futures


def _answer(future) -> dict[str, Any]:
    """A finished job's answer (see :func:`labhelpers.tools.jobs.execute_job`), or a failure when
    the job failed around its notebook and Dask has used up its retries."""
    try:
        return future.result()
    except Exception as error:
        return {
            "status": "failed",
            "notebook": None,
            "seconds": 0,
            "error": f"{type(error).__name__}: {error}",
            "worker": "?",
        }


def _finish(
    root: Path, job: Planned, answer: Mapping[str, Any], progress: _Progress, at_once: int | None
) -> None:
    """Store a done job (its copy, results and time; the results collected) or keep a failed one's
    notebook as far as it got; say which."""
    if answer["status"] == "done":
        try:
            _store(job, answer, at_once)
        except NotebookFailed as error:
            answer = {**answer, "status": "failed", "error": str(error)}
    if answer["status"] == "done":
        progress.done += 1
        remember_run_time(root, job, answer["seconds"])
        _beside(job.executed, "failed").unlink(missing_ok=True)
        _beside(job.executed, "partial").unlink(missing_ok=True)
        if job.point is None:
            collect_results(root)
        progress.say(job.name, f"done in {_minutes(answer['seconds'])}")
        return
    kept = ""
    if answer["notebook"]:
        kept = f"\n  the notebook as far as it got: {_keep(job, 'failed', answer['notebook'])}"
    progress.failures[job.name] = answer["error"].strip() + kept
    progress.say(job.name, f"FAILED: {answer['error'].splitlines()[0]}")


def _keep(job: Planned, kind: str, notebook: bytes) -> Path:
    """Write a notebook that did not finish beside the job's executed copy (``kind``: failed,
    partial); return where."""
    kept = _beside(job.executed, kind)
    with atomic_write(kept, "wb") as file:
        file.write(notebook)
    return kept


def _stop(
    root: Path,
    client,
    cluster,
    to_run: list[Planned],
    claims: dict[str, _Claim],
    run_id: str,
    done: int,
) -> None:
    """After Ctrl-C: stop the running notebooks, keep each as far as it got, close the cluster,
    release the claims, and raise :class:`RunInterrupted` saying what was kept."""
    from .jobs import stop_jobs

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
    try:
        kept = []
        with contextlib.suppress(Exception):
            stopped = client.run(stop_jobs, run_id, callback_timeout=WORKER_ANSWER_SECONDS)
            for found in stopped.values():
                for name, notebook in found.items():
                    job = next(job for job in to_run if job.name == name)
                    kept.append(_keep(job, "partial", notebook).relative_to(root).as_posix())
        where = ", ".join(sorted(kept))
        partial = f", kept as far as they got in {where}" if kept else ""
        raise RunInterrupted(
            f"Interrupted: stopped {len(kept)} running notebook(s){partial}; "
            f"the {done} that finished in this run and all earlier results are kept"
        ) from None
    finally:
        _close_quietly(client, cluster)
        for claim in claims.values():
            claim.release()
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _summarise(progress: _Progress, took: str) -> None:
    """Log the run's counts and time; raise :class:`NotebookFailed` naming every failure."""
    failures = progress.failures
    log, total = progress.log, progress.total
    log(
        f"{total} job(s): {progress.done} done, {len(failures)} failed, {progress.skipped} "
        f"skipped (unchanged); {took}"
    )
    if failures:
        raise NotebookFailed(
            f"{len(failures)} of {total} job(s) failed:\n"
            + "\n".join(f"- {name}: {error}" for name, error in failures.items())
        )


def _write_sweep(
    root: Path,
    planned: list[Planned],
    grid: Mapping[str, list[Any]],
    failures: Mapping[str, str],
    profile: str,
) -> Path:
    """The sweep's table and plots from the points' results (those that exist now)."""
    entries = [
        {"notebook": job.notebook.stem, "point": job.point, "results": results}
        for job in planned
        if job.results.exists() and job.name not in failures
        if (results := read_results_file(job.results, job.name)) is not None
    ]
    written = write_sweep(
        root / "_build" / "sweeps" / "last",
        {name: list(values) for name, values in grid.items()},
        entries,
        {name: error.splitlines()[0] for name, error in failures.items()},
        profile,
    )
    return written["csv"]


def read_results_file(path: Path, name: str) -> list[dict] | None:
    """A job's saved results; None, with a warning naming the file and the fix, when the file is
    damaged (cut short by a full disk or a kill, edited by hand), so the other results still
    count."""
    import sys

    try:
        results = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(results, list):
            raise ValueError("not a list of results")
        return results
    except (ValueError, UnicodeDecodeError) as error:
        notebook = name.split("--")[0]
        print(
            f"warning: {path} is damaged ({error}); its results are left out. Run it again: "
            f"python -m labhelpers run --force --only {notebook}",
            file=sys.stderr,
        )
        return None


def collect_results(root: Path) -> Path:
    """Write ``_build/results.json``: every notebook's results (``_build/results/*.json``), in
    lesson order."""
    results = []
    for path in sorted((root / "_build" / "results").glob("[0-9][0-9]_*.json")):
        results.extend(read_results_file(path, path.stem) or [])
    results_path = root / "_build" / "results.json"
    write_json_atomically(results_path, results)
    return results_path
