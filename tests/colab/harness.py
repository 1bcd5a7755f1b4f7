"""A kernel built like a Google Colab runtime, in which papermill runs the book's notebooks.

:class:`ColabHarness` builds, in a temporary folder:

- a Python environment (a venv of the project's base interpreter) whose
  site-packages links to the project venv's distributions except those a Colab
  runtime lacks (:data:`NOT_ON_COLAB`, and whatever only they need), so pip in
  the kernel sees torch, TensorFlow and NumPy as installed and keeps them;
- a fresh home folder: its git configuration rewrites the repository URL of
  ``_config.yml`` to a local snapshot repository of the working tree, so the
  notebooks' install cell (``pip install "labhelpers... @ git+<url>@<branch>"``)
  installs this working tree offline; pip finds what else it needs in the
  wheelhouse that ``make colab-wheelhouse`` fills (``PIP_NO_INDEX``,
  ``PIP_FIND_LINKS``);
- an IPython start-up file that imports ``google.colab`` (the stand-in of
  ``tests/colab/stub``), as Colab's kernel does at start;
- a kernelspec whose kernel starts with a clean environment (``env -i``): no
  ``LABHELPERS_*`` or ``CI`` variable, kagglehub's cache in the fresh home,
  ``KAGGLE_API_ENVIRONMENT=TEST`` so the real kagglehub client talks to the
  stand-in Kaggle server of :mod:`colab.kaggle_server` on 127.0.0.1:7777, and
  every other address refused (a proxy on a closed port), so runs are the same
  with or without network.

A run with ``colab_cache=True`` uses a second kernelspec whose kernel also has
``TBE_RUNTIME_ADDR`` and ``COLAB_CACHE_MOUNT_FOLDER``, as on Colab, so kagglehub
takes its Colab cache route (the stand-in mounts the dataset) instead of
downloading it into its cache folder.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement

from . import kaggle_server

ROOT = Path(__file__).resolve().parents[2]
STUB = Path(__file__).resolve().parent / "stub"
KERNEL_NAME = "colab-harness"
WHEELHOUSE = ROOT / "_build" / "wheelhouse"
# Distributions of the project venv that a Colab runtime does not have: labhelpers and
# gensim come from the notebooks' install cell, the others are the book's own tools.
# What only they need goes with them, except what Colab has too: the kernel (ipykernel)
# and what labhelpers and gensim require (NumPy, pandas, matplotlib, scikit-learn, SciPy...).
NOT_ON_COLAB = (
    "labhelpers",
    "gensim",
    "papermill",
    "nbval",
    "jupytext",
    "jupyter-book",
    "sphinx-mathjax-offline",
    "pytest",
    "pytest-xdist",
    "mutmut",
    "pypdf",
    "playwright",
    "jupyterlab",
)
ON_COLAB = ("ipykernel",)
REQUIREMENTS_ON_COLAB = ("labhelpers", "gensim")
RESULTS_MIME = "application/vnd.labhelpers.results+json"


class HarnessError(RuntimeError):
    """The harness cannot be built here; the message says what is missing and how to get it."""


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_site_packages(root: Path = ROOT) -> Path:
    found = sorted((root / ".venv" / "lib").glob("python3.*/site-packages"))
    if not found:
        raise HarnessError(
            f"no {root / '.venv'}/lib/python3.*/site-packages: run `make install` first"
        )
    return found[0]


def colab_distributions(
    site: Path, excluded: tuple[str, ...] = NOT_ON_COLAB
) -> tuple[dict, set[str]]:
    """All distributions of ``site`` by key, and the keys of those a Colab runtime keeps.

    Kept: every distribution that nothing requires (extras aside) and that is
    not in ``excluded``, :data:`ON_COLAB`, the requirements of
    :data:`REQUIREMENTS_ON_COLAB`, and everything those require, transitively.
    """
    dists = {
        _key(d.metadata["Name"]): d for d in importlib.metadata.distributions(path=[str(site)])
    }
    needs: dict[str, set[str]] = {}
    for key, dist in dists.items():
        needs[key] = set()
        for line in dist.requires or []:
            requirement = Requirement(line)
            applies = requirement.marker is None or requirement.marker.evaluate({"extra": ""})
            if applies and _key(requirement.name) in dists:
                needs[key].add(_key(requirement.name))
    required = set().union(*needs.values())
    excluded_keys = {_key(name) for name in excluded}
    kept: set[str] = set()
    todo = [key for key in dists if key not in required and key not in excluded_keys]
    todo += [_key(name) for name in ON_COLAB if _key(name) in dists]
    todo += [need for name in REQUIREMENTS_ON_COLAB for need in needs.get(_key(name), ())]
    while todo:
        key = todo.pop()
        if key not in kept:
            kept.add(key)
            todo.extend(needs[key])
    return dists, kept


def link_site_packages(source: Path, target: Path, dists: dict, kept: set[str]) -> int:
    """Symlink into ``target`` the files of ``source`` that belong to the ``kept`` distributions.

    A folder shared by kept and dropped distributions (a namespace package) is
    made for real and filled entry by entry. Returns the number of links.
    """
    owners: dict[tuple[str, ...], set[str]] = {}
    for key, dist in dists.items():
        for file in dist.files or []:
            parts = Path(file).parts
            if parts and parts[0] != "..":
                for depth in range(1, len(parts) + 1):
                    owners.setdefault(parts[:depth], set()).add(key)
    links = 0

    def link(parts: tuple[str, ...]) -> None:
        nonlocal links
        who = owners.get(parts, set())
        if not who & kept:
            return
        destination = target.joinpath(*parts)
        if who <= kept:
            destination.symlink_to(source.joinpath(*parts))
            links += 1
            return
        destination.mkdir()
        for child in sorted(source.joinpath(*parts).iterdir()):
            link(parts + (child.name,))

    for entry in sorted(source.iterdir()):
        link((entry.name,))
    return links


def snapshot_repository(root: Path, destination: Path, branch: str) -> Path:
    """A git repository at ``destination`` with one commit on ``branch``: the working tree's files.

    The files are the tracked and the untracked-but-not-ignored ones, as they
    are on disk now (uncommitted edits included).
    """
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in sorted(set(filter(None, listed))):
        source = root / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    git = [
        "git",
        "-c",
        "user.name=harness",
        "-c",
        "user.email=harness@localhost",
        "-c",
        "commit.gpgsign=false",
    ]
    subprocess.run(git + ["init", "-q", "-b", branch], cwd=destination, check=True)
    subprocess.run(git + ["add", "-A"], cwd=destination, check=True)
    subprocess.run(
        git + ["commit", "-q", "-m", "snapshot of the working tree"], cwd=destination, check=True
    )
    return destination


def repository_of(root: Path) -> tuple[str, str]:
    """``(url, branch)`` of ``repository:`` in ``_config.yml``, the source of the install cell."""
    config = yaml.safe_load((root / "_config.yml").read_text()).get("repository") or {}
    if "url" not in config:
        raise HarnessError(f"{root / '_config.yml'} has no repository: url:")
    return config["url"].rstrip("/"), config.get("branch", "main")


def imdb_source(root: Path = ROOT) -> Path | None:
    """The real IMDB CSV: ``$LABHELPERS_DATA_DIR`` if
    set, else ``../shared/data``; None when absent."""
    folder = (
        Path(os.environ["LABHELPERS_DATA_DIR"])
        if os.environ.get("LABHELPERS_DATA_DIR")
        else root.parent / "shared" / "data"
    )
    for name in ("imdb_50k.csv.gz", "imdb_50k.csv", "IMDB Dataset.csv"):
        if (folder / name).is_file():
            return folder / name
    return None


def write_small_imdb_csv(path: Path, n: int = 2000, seed: int = 0) -> Path:
    """A CSV in Kaggle's IMDB format (header review,sentiment) of ``n`` generated reviews."""
    from labhelpers.data.reviews import make_review_corpus

    make_review_corpus(n, seed=seed)[["review", "sentiment"]].to_csv(path, index=False)
    return path


class ColabHarness:
    """Build with :meth:`start` (or ``with``), run notebooks
    with :meth:`execute`, remove with :meth:`close`.

    ``csv`` is the IMDB CSV the stand-in Kaggle serves (default: the real one
    of :func:`imdb_source`, else a small generated one, see :attr:`data_note`).
    """

    def __init__(
        self, root: Path = ROOT, *, csv: Path | None = None, wheelhouse: Path = WHEELHOUSE
    ):
        self.root, self.wheelhouse = Path(root), Path(wheelhouse)
        self._csv = csv
        self.tmp: Path | None = None
        self.server: kaggle_server.KaggleStandIn | None = None
        self.timings: dict[str, float] = {}
        self.data_note = ""
        self._saved_env: dict[str, str | None] = {}

    # ---------------------------------------------------------------- building

    def start(self) -> ColabHarness:
        if not (self.wheelhouse / ".complete").exists():
            raise HarnessError(
                f"the wheelhouse {self.wheelhouse} is missing: run `make colab-wheelhouse` "
                "(part of `make install`) once, with network, to fill it"
            )
        started = time.perf_counter()
        self.tmp = Path(tempfile.mkdtemp(prefix="colab-harness-"))
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        self.timings["build"] = time.perf_counter() - started
        return self

    def _build(self) -> None:
        tmp = self.tmp
        source_site = project_site_packages(self.root)
        base_python = self._base_python()
        self.venv = tmp / "venv"
        subprocess.run([base_python, "-m", "venv", "--without-pip", str(self.venv)], check=True)
        self.python = self.venv / "bin" / "python"
        self.site = Path(
            subprocess.run(
                [
                    str(self.python),
                    "-c",
                    "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        dists, kept = colab_distributions(source_site)
        self.kept, self.dropped = kept, sorted(set(dists) - kept)
        link_site_packages(source_site, self.site, dists, kept)
        (self.site / "google_colab_stand_in.pth").write_text(str(STUB) + "\n")

        self.home = tmp / "home"
        self.home.mkdir()
        url, branch = repository_of(self.root)
        self.repository_url = url
        self.snapshot = snapshot_repository(self.root, tmp / "snapshot", branch)
        # pip clones git+<url>; git hands it the local snapshot instead (no network).
        (self.home / ".gitconfig").write_text(
            f'[url "file://{self.snapshot}"]\n\tinsteadOf = {url}\n'
        )
        ipython = self.home / ".ipython"
        (ipython / "profile_default" / "startup").mkdir(parents=True)
        (ipython / "profile_default" / "startup" / "00-google-colab.py").write_text(
            "import google.colab  # Colab's kernel imports it at start-up\n"
        )
        self.content = tmp / "content"  # Colab's working folder is /content
        self.content.mkdir()

        csv = self._csv
        if csv is None:
            csv = imdb_source(self.root)
            if csv is None:
                csv = write_small_imdb_csv(tmp / "small_imdb.csv")
                self.data_note = (
                    f"the stand-in Kaggle serves {csv}, 2000 GENERATED reviews in Kaggle's format, "
                    "because the real IMDB CSV (../shared/data or $LABHELPERS_DATA_DIR) is absent"
                )
            else:
                self.data_note = f"the stand-in Kaggle serves the real IMDB CSV {csv}"
        self.csv = Path(csv)
        archive = tmp / "server" / "archive.zip"
        archive.parent.mkdir()
        md5 = kaggle_server.write_dataset_zip(self.csv, archive)
        self.mount_folder = tmp / "kaggle" / "input"  # Colab's is /kaggle/input
        self.mount_folder.mkdir(parents=True)
        self.server = kaggle_server.KaggleStandIn(archive, md5, self.mount_folder).start()

        self.kernel_env = self._kernel_env(colab_cache=False)
        jupyter = tmp / "jupyter"
        for colab_cache in (False, True):
            spec = jupyter / "kernels" / self.kernel_name(colab_cache)
            spec.mkdir(parents=True)
            argv = [
                "/usr/bin/env",
                "-i",
                *(f"{k}={v}" for k, v in self._kernel_env(colab_cache).items()),
                str(self.python),
                "-m",
                "ipykernel_launcher",
                "-f",
                "{connection_file}",
            ]
            (spec / "kernel.json").write_text(
                json.dumps(
                    {
                        "argv": argv,
                        "display_name": "Python 3 (Colab harness)",
                        "language": "python",
                    },
                    indent=1,
                )
            )
        # papermill, in this process, finds the kernelspec here.
        for name, value in (("JUPYTER_PATH", str(jupyter)), ("JUPYTER_DATA_DIR", str(jupyter))):
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value

    def _base_python(self) -> str:
        config = (self.root / ".venv" / "pyvenv.cfg").read_text()
        found = re.search(r"^executable\s*=\s*(.+)$", config, flags=re.M) or re.search(
            r"^home\s*=\s*(.+)$", config, flags=re.M
        )
        executable = Path(found.group(1).strip())
        if executable.is_dir():
            executable = executable / "python3"
        return str(executable)

    @staticmethod
    def kernel_name(colab_cache: bool = False) -> str:
        return KERNEL_NAME + ("-colab-cache" if colab_cache else "")

    def _kernel_env(self, colab_cache: bool) -> dict[str, str]:
        env = {
            "HOME": str(self.home),
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "IPYTHONDIR": str(self.home / ".ipython"),
            "MPLCONFIGDIR": str(self.home / ".config" / "matplotlib"),
            "KERAS_HOME": str(self.home / ".keras"),
            # 2 shared cores: spinning OpenMP threads starve each other
            "OMP_WAIT_POLICY": "PASSIVE",
            # Colab sets it; kagglehub names it in its user agent
            "COLAB_RELEASE_TAG": "colab-harness",
            "KAGGLE_API_ENVIRONMENT": "TEST",  # kagglesdk: http://localhost:7777, the stand-in
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(self.wheelhouse),
            "PIP_CONFIG_FILE": os.devnull,  # this machine's pip configuration is not Colab's
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",  # offline: no question to PyPI
        }
        # Nothing but the stand-in is reachable, even on a machine with network (Keras's
        # imdb.npz download among others): a proxy on a closed port refuses at once.
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env[name] = "http://127.0.0.1:9"
        env["no_proxy"] = env["NO_PROXY"] = "localhost,127.0.0.1"
        if colab_cache:
            env["TBE_RUNTIME_ADDR"] = f"{kaggle_server.HOST}:{self.server.port}"
            env["COLAB_CACHE_MOUNT_FOLDER"] = str(self.mount_folder)
        return env

    # ---------------------------------------------------------------- running

    def python_says(self, code: str) -> str:
        """Run ``code`` with the harness interpreter in
        the kernel's environment; return its stdout."""
        done = subprocess.run(
            [
                "/usr/bin/env",
                "-i",
                *(f"{k}={v}" for k, v in self.kernel_env.items()),
                str(self.python),
                "-c",
                code,
            ],
            capture_output=True,
            text=True,
            cwd=self.content,
        )
        if done.returncode != 0:
            raise HarnessError(f"the harness interpreter failed on {code!r}: {done.stderr[-2000:]}")
        return done.stdout

    def installed(self, *names: str) -> dict[str, str | None]:
        """Where each top-level module of ``names`` would
        be imported from in the kernel, or None."""
        code = (
            "import importlib.util, json, sys; print(json.dumps({n: "
            "getattr(importlib.util.find_spec(n), 'origin', None) "
            f"for n in {list(names)!r}}}))"
        )
        return json.loads(self.python_says(code))

    def site_listing(self) -> dict[str, str]:
        """The harness site-packages: each entry and, for a link, where it points."""
        return {
            entry.name: os.readlink(entry) if entry.is_symlink() else ""
            for entry in sorted(self.site.iterdir())
        }

    def execute(
        self,
        notebook: str | Path,
        output: Path,
        parameters: Mapping[str, Any] | None = None,
        *,
        colab_cache: bool = False,
        timeout: float = 600,
    ) -> Path:
        """Execute ``notebook`` with papermill in the harness
        kernel; the run's seconds go to :attr:`timings`.

        A relative ``notebook`` is taken from the snapshot, so that the notebook
        and the labhelpers its install cell installs are of the same moment.
        ``colab_cache=True``: in the kernel whose kagglehub takes Colab's cache route.
        """
        import papermill

        notebook = Path(notebook)
        if not notebook.is_absolute():
            notebook = self.snapshot / notebook
        started = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters=dict(parameters or {}),
                kernel_name=self.kernel_name(colab_cache),
                cwd=str(self.content),
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                start_timeout=120,
                request_save_on_cell_execute=False,
            )
        finally:
            label = notebook.stem + "".join(
                f" {k}={v}" for k, v in (parameters or {}).items() if k != "profile"
            )
            self.timings[label] = time.perf_counter() - started
        return output

    # ---------------------------------------------------------------- cleaning up

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env = {}
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self) -> ColabHarness:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


# -------------------------------------------------------------------- reading an executed notebook


def results_of(executed: Path) -> list[dict]:
    """The results a notebook saved with ``labhelpers.report.report_result``."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    return [
        output["data"][RESULTS_MIME]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if RESULTS_MIME in output.get("data", {})
    ]


def cell_seconds(executed: Path) -> Iterator[tuple[str, float]]:
    """``(first source line, seconds)`` of each code cell, from papermill's metadata."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            duration = (cell.metadata.get("papermill") or {}).get("duration")
            yield (cell.source.splitlines() or [""])[0], float(duration or 0.0)


def install_cell_seconds(executed: Path) -> float:
    """Seconds of the notebook's install cell (the first code cell that calls pip)."""
    import nbformat

    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "pip" in cell.source:
            return float((cell.metadata.get("papermill") or {}).get("duration") or 0.0)
    raise ValueError(f"{executed} has no install cell (a code cell calling pip)")


def notebooks(root: Path = ROOT) -> list[Path]:
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
