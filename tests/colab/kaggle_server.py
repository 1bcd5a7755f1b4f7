"""A stand-in for Kaggle's API and Colab's Kaggle
cache, on 127.0.0.1, for the real kagglehub client.

It serves one dataset, :data:`OWNER`/:data:`DATASET` version 1, the way
kagglehub 1.0 (through kagglesdk) asks for it:

- ``POST /api/v1/datasets.DatasetApiService/DownloadDataset`` with the JSON
  ``{"ownerSlug", "datasetSlug", "datasetVersionNumber"}`` answers with a
  redirect to the archive, as kaggle.com redirects to Google Cloud Storage;
- ``GET`` on that archive gives a zip holding ``IMDB Dataset.csv`` with
  ``Content-Length`` and the ``x-goog-hash: md5=...`` header kagglehub checks;
- Colab's runtime service (``$TBE_RUNTIME_ADDR``): ``POST
  /kagglehub/datasets/is_supported`` and ``/kagglehub/datasets/mount``; the
  mount puts the dataset's files under ``<mount folder>/<slug>`` before it
  answers ``{"slug": ...}``, the way Colab mounts its cache under
  ``/kaggle/input``. Served only when a mount folder is given; otherwise these
  answer 404 and kagglehub falls back to the download.

kagglesdk's ``KAGGLE_API_ENVIRONMENT=TEST`` points the client at
``http://localhost:7777``, a fixed port: :class:`PortInUse` says so when
another program holds it. Every request is logged in :attr:`KaggleStandIn.requests`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import shutil
import threading
import zipfile
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"
PORT = 7777  # kagglesdk's KaggleEnv.TEST endpoint is http://localhost:7777
OWNER = "lakshmi25npathi"
DATASET = "imdb-dataset-of-50k-movie-reviews"
VERSION = 1
FILE_NAME = "IMDB Dataset.csv"
DOWNLOAD_PATH = "/api/v1/datasets.DatasetApiService/DownloadDataset"
ARCHIVE_PATH = f"/storage/datasets/{OWNER}/{DATASET}/{VERSION}/archive.zip"
IS_SUPPORTED_PATH = "/kagglehub/datasets/is_supported"
MOUNT_PATH = "/kagglehub/datasets/mount"


class PortInUse(RuntimeError):
    """Port 7777 is taken: kagglesdk's TEST environment cannot be pointed elsewhere."""


def write_dataset_zip(csv_source: Path, archive: Path) -> str:
    """Zip ``csv_source`` (plain or gzip CSV) as ``IMDB
    Dataset.csv`` into ``archive``; return its base64 MD5."""
    partial = archive.with_name(archive.name + ".partial")
    opener = gzip.open if csv_source.read_bytes()[:2] == b"\x1f\x8b" else open
    with (
        opener(csv_source, "rb") as source,
        zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle,
        bundle.open(FILE_NAME, "w", force_zip64=True) as member,
    ):
        shutil.copyfileobj(source, member, 1 << 20)
    partial.replace(archive)
    digest = hashlib.md5()
    with open(archive, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return base64.b64encode(digest.digest()).decode()


class KaggleStandIn:
    """The server, started by :meth:`start` (or ``with``) and stopped by :meth:`stop`.

    ``archive`` is the zip of :func:`write_dataset_zip`; ``mount_folder``, when
    given, turns on Colab's cache endpoints (the dataset is unzipped there on
    the first mount).
    """

    def __init__(
        self, archive: Path, md5_b64: str, mount_folder: Path | None = None, port: int = PORT
    ):
        self.archive, self.md5_b64, self.mount_folder, self.port = (
            Path(archive),
            md5_b64,
            mount_folder,
            port,
        )
        self.requests: list[tuple[str, str, dict]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def slug(self) -> str:
        return DATASET

    def start(self) -> KaggleStandIn:
        handler = type("Handler", (_Handler,), {"stand_in": self})
        try:
            self._server = ThreadingHTTPServer((HOST, self.port), handler)
        except OSError as error:
            raise PortInUse(
                "the stand-in Kaggle server cannot listen on "
                f"{HOST}:{self.port} ({error}). kagglesdk's "
                "KAGGLE_API_ENVIRONMENT=TEST always talks to "
                "localhost:7777: stop the program holding the port "
                f"(`ss -ltnp | grep {self.port}`) and run again."
            ) from None
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="kaggle-stand-in", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = self._thread = None

    def __enter__(self) -> KaggleStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def paths_requested(self) -> list[str]:
        return [f"{method} {path}" for method, path, _ in self.requests]

    def mount(self) -> str:
        """Unzip the dataset under the mount folder (once) and return its slug."""
        target = self.mount_folder / self.slug
        with self._lock:
            if not target.exists():
                partial = self.mount_folder / (self.slug + ".partial")
                shutil.rmtree(partial, ignore_errors=True)
                with zipfile.ZipFile(self.archive) as bundle:
                    bundle.extractall(partial)
                partial.rename(target)
        return self.slug


class _Handler(BaseHTTPRequestHandler):
    stand_in: KaggleStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # the request log is kept in stand_in.requests instead
        pass

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            return {"unparsed": raw[:200].decode(errors="replace")}

    def _json(self, status: int, data: dict) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _not_found(self, what: str) -> None:
        self._json(404, {"code": 404, "message": f"stand-in Kaggle server: {what} not found"})

    def do_POST(self) -> None:
        body = self._body()
        self.stand_in.requests.append(("POST", self.path, body))
        if self.path == DOWNLOAD_PATH:
            if (body.get("ownerSlug"), body.get("datasetSlug")) != (OWNER, DATASET):
                return self._not_found(f"dataset {body.get('ownerSlug')}/{body.get('datasetSlug')}")
            if body.get("datasetVersionNumber", VERSION) != VERSION or body.get("fileName"):
                return self._not_found(
                    f"version {body.get('datasetVersionNumber')} file {body.get('fileName')}"
                )
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.stand_in.port}{ARCHIVE_PATH}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if self.path in (IS_SUPPORTED_PATH, MOUNT_PATH):
            wanted = (body.get("owner"), body.get("dataset"), body.get("version", VERSION))
            if self.stand_in.mount_folder is None or wanted != (OWNER, DATASET, VERSION):
                return self._not_found(f"Colab cache entry {wanted}")
            if self.path == IS_SUPPORTED_PATH:
                return self._json(200, {})
            return self._json(200, {"slug": self.stand_in.mount()})
        return self._not_found(self.path)

    def do_GET(self) -> None:
        self.stand_in.requests.append(("GET", self.path, {}))
        if self.path != ARCHIVE_PATH:
            return self._not_found(self.path)
        size = self.stand_in.archive.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(size))
        self.send_header("x-goog-hash", f"md5={self.stand_in.md5_b64}")
        self.end_headers()
        # A client that gave up: kagglehub reports it on its side.
        with (
            open(self.stand_in.archive, "rb") as file,
            suppress(TimeoutError, BrokenPipeError, ConnectionResetError),
        ):
            shutil.copyfileobj(file, self.wfile, 1 << 20)
        return None
