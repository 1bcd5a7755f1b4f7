import shutil

import pytest

from labhelpers.tools.colab import badge, install_cell, install_requirement, repository, sync_colab

from conftest import ROOT


@pytest.fixture
def fork(tmp_path):
    """A copy of the book whose _config.yml names another repository and branch."""
    config = (ROOT / "_config.yml").read_text()
    url, branch, _ = repository(ROOT)
    (tmp_path / "_config.yml").write_text(
        config.replace(url, "https://github.com/someone/fork").replace(
            f"branch: {branch}", "branch: dev"
        )
    )
    (tmp_path / "notebooks").mkdir()
    shutil.copy2(ROOT / "notebooks" / "01_sum_classifier.py", tmp_path / "notebooks")
    return tmp_path


def test_badge_and_install_line_derive_from_the_config(fork):
    assert badge(fork, "01_sum_classifier") == (
        "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        "(https://colab.research.google.com/github/someone/fork/blob/dev/notebooks/01_sum_classifier.ipynb)"
    )
    assert (
        install_requirement(fork) == '"labhelpers[colab] @ git+https://github.com/someone/fork@dev"'
    )


def test_sync_rewrites_stale_notebooks_once(fork):
    path = fork / "notebooks" / "01_sum_classifier.py"
    assert sync_colab(fork) == [path]
    text = path.read_text()
    assert badge(fork, "01_sum_classifier") in text and install_cell(fork) in text
    assert '"labhelpers[colab] @ git+https://github.com/someone/fork@dev"' in text
    assert "rnn-lab-book/rnn-lab-book" not in text
    assert sync_colab(fork) == []


def test_a_notebook_without_the_colab_cells_is_an_error(fork):
    (fork / "notebooks" / "02_bare.py").write_text("# %%\nprint('hello')\n")
    with pytest.raises(ValueError, match="02_bare needs an 'Open In Colab' badge"):
        sync_colab(fork)


def test_config_without_repository_url_is_an_error(tmp_path):
    (tmp_path / "_config.yml").write_text("title: x\n")
    with pytest.raises(ValueError, match="repository: url:"):
        repository(tmp_path)
