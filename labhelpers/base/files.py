"""Writing a file so that nothing is ever half-written: the one atomic write every module uses."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator[IO]:
    """Open a new temporary file beside ``path``; when
    the block ends without error it replaces ``path``.

    Readers see the old file or the whole new one, never half a file: a crash,
    a full disk or Ctrl-C leaves the previous version (or nothing) in place and
    removes the temporary file. Each call gets its own temporary name, so two
    processes writing the same path never write into each other's file (the
    last to finish wins). ``mode`` is ``"wb"`` or ``"w"`` (UTF-8 text).
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"mode must be 'wb' or 'w', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        os.chmod(partial, 0o644)  # mkstemp makes it private; the result is an ordinary file
        with os.fdopen(handle, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
