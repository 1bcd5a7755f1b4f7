"""The one home of the environment variables and cache folders: each variable documented, each
folder computed when asked for."""

from pathlib import Path

from labhelpers.base import environment
from labhelpers.base.environment import (
    DATA_DIR_ENV,
    KAGGLEHUB_CACHE_ENV,
    data_dir,
    kagglehub_cache,
    labhelpers_cache,
)


def test_every_variable_has_a_row_in_the_modules_table():
    names = {value for key, value in vars(environment).items() if key.endswith("_ENV")}
    assert len(names) == 5
    rows = [line for line in environment.__doc__.splitlines() if line.startswith("``")]
    assert sorted(line.split("``")[1] for line in rows) == sorted(names)


def test_the_folders_follow_the_variables_and_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.delenv(KAGGLEHUB_CACHE_ENV, raising=False)
    assert data_dir() is None
    assert labhelpers_cache() == tmp_path / ".cache" / "labhelpers"
    assert kagglehub_cache() == tmp_path / ".cache" / "kagglehub"
    monkeypatch.setenv(DATA_DIR_ENV, "~/data")
    monkeypatch.setenv(KAGGLEHUB_CACHE_ENV, "/elsewhere/kaggle")
    assert data_dir() == tmp_path / "data"
    assert kagglehub_cache() == Path("/elsewhere/kaggle")
    monkeypatch.setenv(DATA_DIR_ENV, "")
    assert data_dir() is None
