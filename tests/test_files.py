"""labhelpers.base.files.atomic_write: a file is replaced whole or not at all."""

import os

import pytest

from labhelpers.base.files import atomic_write


def test_the_new_content_replaces_the_file_in_one_step(tmp_path):
    path = tmp_path / "sub" / "results.json"
    with atomic_write(path, "w") as file:
        file.write("first")
        assert not path.exists()  # nothing at the final path until the block ends
    with atomic_write(path) as file:
        file.write(b"second")
    assert path.read_text() == "second"
    assert os.listdir(path.parent) == ["results.json"]
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


def test_a_failure_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"old")
    for error in (ValueError, KeyboardInterrupt):
        with pytest.raises(error), atomic_write(path) as file:
            file.write(b"half of the new")
            raise error()
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.pt"]


def test_two_writers_of_one_path_use_separate_temporary_files(tmp_path):
    path = tmp_path / "results.json"
    with atomic_write(path, "w") as first, atomic_write(path, "w") as second:
        assert first.name != second.name
        first.write("one")
        second.write("two")
    assert path.read_text() == "one"  # the last to finish wins, and it is whole


def test_mode_is_checked():
    with pytest.raises(ValueError, match="mode must be 'wb' or 'w'"), atomic_write("x", "a"):
        pass
