"""The runner's and sweeps' options under bad input: refused before anything runs, naming the
option and the fix, and no lock file left behind."""

import pytest

from labhelpers.__main__ import main
from labhelpers.tools.runner import MAX_POINTS, _Claim, plan, select_notebooks
from labhelpers.tools.sweep import read_sweep_file

from conftest import ROOT


def one(name):
    return select_notebooks(ROOT, [name])


def test_a_profile_given_as_a_parameter_is_refused_naming_the_option():
    with pytest.raises(ValueError, match=r"-p profile: the profile is chosen with --profile"):
        plan(ROOT, one("01_sum_classifier"), "quick", {"profile": "lab"}, None)
    with pytest.raises(ValueError, match=r"--grid profile=\.\.\.: .*--profile"):
        plan(ROOT, one("01_sum_classifier"), "quick", {}, {"profile": ["smoke", "quick"]})


def test_a_sweep_too_large_is_refused_before_planning():
    grid = {"seed": list(range(100_000))}
    with pytest.raises(ValueError, match=r"100,000 points .* --max-points 100000"):
        plan(ROOT, one("01_sum_classifier"), "smoke", {}, grid)
    # the limit counts points: just at it, the plan is made
    planned = plan(ROOT, one("01_sum_classifier"), "smoke", {}, {"seed": list(range(MAX_POINTS))})
    assert len(planned) == MAX_POINTS
    assert len({job.executed for job in planned}) == MAX_POINTS


def test_two_values_with_one_file_name_are_refused():
    with pytest.raises(ValueError, match=r"would both be written to 12_char_rnn--prompt=a_b"):
        plan(ROOT, one("12_char_rnn"), "smoke", {}, {"prompt": ["a b", "a'b"]})


def test_a_repeated_only_runs_once():
    chosen = select_notebooks(
        ROOT, ["01_sum_classifier", "01_sum_classifier.ipynb", "01_sum_classifier"]
    )
    assert [path.stem for path in chosen] == ["01_sum_classifier"]


@pytest.mark.parametrize(
    "text, where",
    [("hidden_size:\n\t- 16\n", "line 2, column 1"), ("hidden_size: [16, 32\n", "line 2")],
)
def test_a_malformed_sweep_file_names_the_file_and_the_place(tmp_path, text, where):
    path = tmp_path / "sweep.yml"
    path.write_text(text)
    with pytest.raises(ValueError, match=rf"--sweep {path}: not valid YAML at {where}"):
        read_sweep_file(path)


def test_a_claim_leaves_no_lock_file(tmp_path):
    claim = _Claim(tmp_path / "01.ipynb")
    assert claim.take() is None and claim.path.exists()
    other = _Claim(tmp_path / "01.ipynb")
    assert "another run" in other.take()
    claim.release()
    assert not claim.path.exists()


def test_the_command_refuses_each_in_one_line(capsys):
    assert main(["run", "--only", "01_sum_classifier", "-p", "profile", "lab"]) == 1
    assert main(["run", "--only", "01_sum_classifier", "--grid", "seed=0:100000"]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors[0].startswith("error: -p profile: the profile is chosen with --profile")
    assert errors[1].startswith("error: the sweep has 100,000 points")


def test_a_changed_py_twin_is_refused_until_synced(tmp_path):
    import shutil

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for suffix in (".ipynb", ".py"):
        shutil.copy(ROOT / "notebooks" / f"01_sum_classifier{suffix}", notebooks)
    (tmp_path / "_config.yml").write_text("title: t\n")
    source = notebooks / "01_sum_classifier.py"
    assert plan(tmp_path, one_in(tmp_path), "smoke", {}, None)  # in sync: planned
    source.write_text(source.read_text().replace("## Aim", "## Aim (edited)"))
    with pytest.raises(ValueError, match=r"01_sum_classifier.py is newer.*jupytext --sync"):
        plan(tmp_path, one_in(tmp_path), "smoke", {}, None)


def one_in(root):
    return select_notebooks(root, ["01_sum_classifier"])


def test_a_damaged_results_file_is_named_and_the_others_are_collected(tmp_path, capsys):
    import json

    from labhelpers.tools.runner import collect_results

    results = tmp_path / "_build" / "results"
    results.mkdir(parents=True)
    (results / "01_sum_classifier.json").write_text(json.dumps([{"title": "one"}]))
    (results / "07_imdb_rnn_pytorch.json").write_text('[{"title": "cut sh')
    (results / "10_sequence_regression.json").write_text(json.dumps([{"title": "eight"}]))
    written = collect_results(tmp_path)
    assert [r["title"] for r in json.loads(written.read_text())] == ["one", "eight"]
    error = capsys.readouterr().err
    assert "07_imdb_rnn_pytorch.json is damaged" in error
    assert "run --force --only 07_imdb_rnn_pytorch" in error


def test_a_damaged_executed_copy_is_run_again_not_reused(tmp_path):
    from labhelpers.tools.runner import Planned, reuse

    executed, results = tmp_path / "01.ipynb", tmp_path / "01.json"
    executed.write_text('{"cells": [')
    results.write_text("[]")
    job = Planned("01", ROOT / "notebooks" / "01_sum_classifier.ipynb", {}, None, executed, results)
    assert reuse(job, {}) is None
