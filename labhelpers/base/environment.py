"""The environment variables labhelpers reads and the cache folders it uses, each named here once.

========================  ===================================================  ===================
variable                  what it does                                         who sets it
========================  ===================================================  ===================
``LABHELPERS_BATCH``      ``1``: a batch run (plain lines, static figures);    the runner (for each
                          ``0``: a person watches; unset: guessed from the     kernel it starts),
                          program that started the kernel                      the tests, a user
                          (:func:`labhelpers.base.runtime.is_interactive`)
``LABHELPERS_DATA_DIR``   a folder holding data files: the IMDB CSV and its    a user, CI, the
                          word index, ``tiny_shakespeare.txt``; looked in      tests (``../shared/
                          before any download                                  data``)
``LABHELPERS_CACHE_DIR``  where tokenized texts are kept between runs          a user, the tests
                          (default ``~/.cache/labhelpers``)
``LABHELPERS_CHROMIUM``   the Chromium (or Chrome) that prints the lab         a user
                          report's PDF, in place of the one found on the PATH
``KAGGLEHUB_CACHE``       kagglehub's own cache folder (kagglehub's variable,  a user, Colab
                          default ``~/.cache/kagglehub``): searched for IMDB
                          before a download
========================  ===================================================  ===================

The folders are computed when asked for, so a changed ``HOME`` or variable counts.
"""

from __future__ import annotations

import os
from pathlib import Path

BATCH_ENV = "LABHELPERS_BATCH"
DATA_DIR_ENV = "LABHELPERS_DATA_DIR"
CACHE_DIR_ENV = "LABHELPERS_CACHE_DIR"
CHROMIUM_ENV = "LABHELPERS_CHROMIUM"
KAGGLEHUB_CACHE_ENV = "KAGGLEHUB_CACHE"


def user_cache() -> Path:
    """``~/.cache``: where every cache of the user's programs lives."""
    return Path.home() / ".cache"


def labhelpers_cache() -> Path:
    """``~/.cache/labhelpers``: the default home of labhelpers' downloads and tokenized texts."""
    return user_cache() / "labhelpers"


def data_dir() -> Path | None:
    """The folder ``$LABHELPERS_DATA_DIR`` names (``~`` expanded), None when it is unset or
    empty."""
    folder = os.environ.get(DATA_DIR_ENV)
    return Path(folder).expanduser() if folder else None


def kagglehub_cache() -> Path:
    """kagglehub's cache folder: ``$KAGGLEHUB_CACHE``, else ``~/.cache/kagglehub``."""
    return Path(os.environ.get(KAGGLEHUB_CACHE_ENV) or user_cache() / "kagglehub")
