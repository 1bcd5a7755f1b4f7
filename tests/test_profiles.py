"""labhelpers.profiles: profiles, and a notebook's parameters (names, types, ranges)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from labhelpers.base.parameters import (
    PARAMETER_TYPES,
    Declared,
    check_parameters,
    check_rules,
    convert_parameter,
    declared_parameters,
)
from labhelpers.profiles import (
    PROFILE_NAMES,
    Lesson,
    Settings,
    check_profile,
    lesson_of,
    resolve_settings,
)
from labhelpers.tools.runner import list_notebooks, notebook_parameters

from conftest import ROOT, says

PARAMETERS_CELL = """profile = "quick"  # type: str  Profile.
hidden_size = None  # type: int, at least 1  Hidden units.
learning_rate = None  # type: float, above 0  Adam's learning rate.
scales = None  # type: list of float in (0, 2]  Scales to compare.
cells = None  # type: list of str in {"rnn", "gru"}  Cells to compare.
dropout = None  # type: float in [0, 1)  Dropout.
cache = None  # type: bool  Keep arrays on disk.
"""


def test_declared_parameters_are_read_from_the_type_comments():
    assert declared_parameters(PARAMETERS_CELL) == {
        "profile": Declared("str"),
        "hidden_size": Declared("int", "at least 1"),
        "learning_rate": Declared("float", "above 0"),
        "scales": Declared("list of float", "in (0, 2]"),
        "cells": Declared("list of str", 'in {"rnn", "gru"}'),
        "dropout": Declared("float", "in [0, 1)"),
        "cache": Declared("bool"),
    }


@pytest.mark.parametrize(
    "name, value, broken",
    [
        ("hidden_size", 0, True),
        ("hidden_size", 1, False),
        ("learning_rate", 0.0, True),
        ("learning_rate", -0.1, True),
        ("learning_rate", 1e-9, False),
        ("scales", [0.5, 2.0], False),
        ("scales", [0.0, 1.0], True),
        ("scales", [2.5], True),
        ("scales", [], True),
        ("cells", ["gru"], False),
        ("cells", ["gru", "lstm"], True),
        ("dropout", 0.0, False),
        ("dropout", 1.0, True),
        ("cache", True, False),
        ("hidden_size", None, False),
    ],
)
def test_each_rule_accepts_exactly_its_values(name, value, broken):
    problem = declared_parameters(PARAMETERS_CELL)[name].check(name, value)
    assert (problem is not None) == broken, problem
    if broken:
        assert problem.startswith((name, f"every value of {name}"))


def test_every_broken_setting_is_named_in_one_error():
    with pytest.raises(ValueError) as error:
        check_rules(
            declared_parameters(PARAMETERS_CELL),
            {"hidden_size": 0, "learning_rate": -0.1, "dropout": 0.5},
            "quick",
        )
    message = str(error.value)
    assert (
        "hidden_size must be at least 1, got 0" in message
        and "learning_rate must be above 0, got -0.1" in message
    )
    assert "dropout" not in message and "papermill -p NAME VALUE" in message


def test_a_list_parameter_takes_one_value_or_commas_as_people_type_them():
    assert convert_parameter("cells", "gru", "list of str") == ["gru"]
    assert convert_parameter("cells", "gru, lstm", "list of str") == ["gru", "lstm"]
    assert convert_parameter("scales", 1.0, "list of float") == [1.0]
    assert convert_parameter("scales", "0.5,1.5", "list of float") == [0.5, 1.5]
    assert convert_parameter("scales", "[0.5, 2]", "list of float") == [0.5, 2.0]
    assert convert_parameter("distances", (5, "10"), "list of int") == [5, 10]
    with pytest.raises(ValueError, match=r"parameter scales\[1\] must be of type float, got 'x'"):
        convert_parameter("scales", "0.5, x", "list of float")


def notebook_declarations_and_profiles(path: Path):
    """A notebook's declared parameters, defaults (its parameters cell) and profile table (its
    lesson's entry in labhelpers/lesson_settings.py)."""
    source = path.with_suffix(".py").read_text()
    cell = source.split('# %% tags=["parameters"]\n', 1)[1].split("\n# %%", 1)[0]
    defaults = {}
    exec(cell, {}, defaults)
    declared = declared_parameters(cell)
    return declared, defaults, lesson_of(declared).table()


@pytest.mark.parametrize("path", list_notebooks(ROOT), ids=lambda p: p.stem)
def test_every_profile_obeys_the_rules_its_notebook_declares(path):
    declared, defaults, table = notebook_declarations_and_profiles(path)
    assert {d.element or d.type for d in declared.values()} <= set(PARAMETER_TYPES), (
        "a type the checks do not know"
    )
    assert len([d for d in declared.values() if d.rule]) >= len(declared) // 2, (
        "most parameters have a range"
    )
    # papermill reads the same lines (its --help-notebook; it skips a line with a second "=")
    assert set(notebook_parameters(path)) == set(declared)
    for profile in PROFILE_NAMES:
        settings = resolve_settings(profile, table, {})
        for name, value in settings.items():
            assert convert_parameter(name, value, declared[name].type) == value, (
                f"{profile}: {name} has another type"
            )
        check_rules(declared, {**defaults, **settings}, profile)
        for rule in lesson_of(declared).rules:  # the checks that relate settings
            rule(Settings(settings))


@pytest.mark.parametrize(
    "value, type_name, expected",
    [
        ("1e-3", "float", 0.001),
        (3, "float", 3.0),
        ("32", "int", 32),
        (32.0, "int", 32),
        ("1e3", "int", 1000),
        ("true", "bool", True),
        ("False", "bool", False),
        ("[0.5, 1.5]", "list of float", [0.5, 1.5]),
        ((1, 2), "list of int", [1, 2]),
        (None, "int", None),
        ("lab", "str", "lab"),
        (7, "str", "7"),
    ],
)
def test_values_are_converted_to_their_declared_type(value, type_name, expected):
    converted = convert_parameter("x", value, type_name)
    assert converted == expected and type(converted) is type(expected)


@pytest.mark.parametrize(
    "value, type_name", [("abc", "float"), (2.5, "int"), (True, "int"), ("maybe", "bool")]
)
def test_values_that_cannot_be_converted_are_rejected_by_name(value, type_name):
    with pytest.raises(ValueError, match=f"parameter x must be of type {type_name}, got"):
        convert_parameter("x", value, type_name)


def test_check_parameters_names_the_unknown_one_and_converts_the_rest():
    namespace = {
        "profile": "smoke",
        "hidden_size": "8",
        "learning_rate": "1e-3",
        "scales": None,
        "cache": None,
    }
    declared = check_parameters(PARAMETERS_CELL, '# Parameters\nhidden_size = "8"\n', namespace)
    assert declared["hidden_size"] == Declared("int", "at least 1")
    assert namespace["hidden_size"] == 8 and namespace["learning_rate"] == 0.001
    with pytest.raises(
        ValueError,
        match=says(
            "no parameter 'hiden_size'",
            "did you mean 'hidden_size'?",
            "Its parameters are: profile, hidden_size",
        ),
    ):
        check_parameters(PARAMETERS_CELL, "# Parameters\nhiden_size = 32\n", dict(namespace))
    with pytest.raises(ValueError, match="no parameter 'colour'"):
        check_parameters(PARAMETERS_CELL, "# Parameters\ncolour = 'red'\n", dict(namespace))


def papermill(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    """papermill's own command line, as a teaching assistant types it: no LABHELPERS_BATCH or CI."""
    env = {k: v for k, v in os.environ.items() if k not in ("LABHELPERS_BATCH", "CI")}
    command = [
        str(Path(sys.executable).parent / "papermill"),
        str(ROOT / "notebooks" / "01_sum_classifier.ipynb"),
        str(tmp_path / "out.ipynb"),
        "--cwd",
        str(ROOT / "notebooks"),
        "-p",
        "profile",
        "smoke",
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def test_plain_papermill_saves_plain_lines_and_takes_yaml_strings_by_their_type(tmp_path):
    done = papermill(tmp_path, "-y", "learning_rate: 1e-3")  # YAML reads 1e-3 as a string
    assert done.returncode == 0, done.stderr[-2000:]
    notebook = json.loads((tmp_path / "out.ipynb").read_text())
    outputs = [
        o for cell in notebook["cells"] if cell["cell_type"] == "code" for o in cell["outputs"]
    ]
    assert not [o for o in outputs if any("widget" in mime for mime in o.get("data", {}))]
    text = "".join("".join(o.get("text", "")) for o in outputs)
    assert "epoch 20/20  loss" in text  # the plain progress lines
    settings = next(
        cell
        for cell in notebook["cells"]
        if "".join(cell["source"]) == "settings = notebook_settings()"
    )
    assert "'learning_rate': 0.001" in "".join(settings["outputs"][0]["data"]["text/plain"])


def test_a_misspelt_parameter_stops_papermill_naming_the_right_one(tmp_path):
    done = papermill(tmp_path, "-p", "hiden_size", "32")
    assert done.returncode != 0
    assert "no parameter 'hiden_size' (did you mean 'hidden_size'?)" in done.stderr


# Bad settings a student or a teaching assistant types, each stopped by name in the settings cell
# (execution count 4: the install cell, the parameters, papermill's injected cell, the settings),
# before any data is loaded or any model trained.
BAD_SETTINGS = [
    ("01_sum_classifier", {"learning_rate": -0.1}, "learning_rate must be above 0, got -0.1"),
    ("01_sum_classifier", {"learning_rate": 0}, "learning_rate must be above 0, got 0.0"),
    ("01_sum_classifier", {"train_fraction": 1.0}, r"train_fraction must be in \(0, 1\), got 1.0"),
    ("03_bptt", {"truncate": 50, "seq_len": 8}, r"truncate \(50\) must be at most seq_len \(8\)"),
    (
        "05_exploding_vanishing",
        {"scales": "0.5, -1"},
        r"every value of scales must be above 0, got -1.0",
    ),
    (
        "07_imdb_rnn_pytorch",
        {"num_words": 1, "threads": -1},
        r"num_words must be at least 3, got 1\n- threads must be at least 0, got -1",
    ),
    ("08_imdb_keras", {"maxlen": 0}, "maxlen must be at least 1, got 0"),
    ("11_forecasting", {"window": 1000}, "fewer than window=1000 \\+ horizon=12"),
    (
        "12_char_rnn",
        {"cells": "gru, tanh"},
        r"every value of cells must be in \{\"rnn\", \"gru\", \"lstm\"\}, got 'tanh'",
    ),
    ("12_char_rnn", {"temperatures": 0}, "every value of temperatures must be above 0, got 0.0"),
    ("12_char_rnn", {"prompt": ""}, "prompt must hold at least one character"),
]


@pytest.mark.parametrize(
    "name, parameters, message",
    BAD_SETTINGS,
    ids=[f"{n[:2]}-{'-'.join(p)}" for n, p, _ in BAD_SETTINGS],
)
def test_bad_settings_stop_the_notebook_in_its_settings_cell(tmp_path, name, parameters, message):
    from labhelpers.tools.runner import NotebookFailed, execute_notebook

    with pytest.raises(NotebookFailed) as failure:
        execute_notebook(
            ROOT / "notebooks" / f"{name}.ipynb",
            tmp_path / "out.ipynb",
            {"profile": "smoke", **parameters},
        )
    assert "failed in cell 4 with ValueError" in str(failure.value), str(failure.value)[:2000]
    assert "\x1b[" not in str(failure.value)  # no terminal colours from the kernel's traceback
    assert re.search(message, str(failure.value)), str(failure.value)[:2000]


TABLE = {name: {"epochs": i + 1, "hidden_size": 16} for i, name in enumerate(PROFILE_NAMES)}


def test_profile_values_and_explicit_overrides():
    assert resolve_settings("lab", TABLE, {"epochs": None, "hidden_size": None}) == {
        "epochs": 3,
        "hidden_size": 16,
    }
    assert resolve_settings("smoke", TABLE, {"epochs": 7, "hidden_size": None}) == {
        "epochs": 7,
        "hidden_size": 16,
    }


def test_unknown_profile_names_the_choices():
    with pytest.raises(
        ValueError, match=says("profile", "one of", "'smoke'", "'quick'", "'lab'", "Got 'fast'")
    ):
        check_profile("fast")
    with pytest.raises(ValueError, match="profile must be one of"):
        resolve_settings("fast", TABLE, {})


def test_unknown_setting_and_incomplete_table_are_errors():
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['epoch'\]"):
        resolve_settings("quick", TABLE, {"epoch": 3})
    with pytest.raises(ValueError, match="no entry for"):
        resolve_settings("quick", {"quick": {}}, {})


def test_a_lesson_table_is_the_lab_values_with_each_profiles_changes():
    lesson = Lesson("toy", lab={"epochs": 50, "hidden_size": 16}, smoke={"epochs": 2})
    assert lesson.table() == {
        "smoke": {"epochs": 2, "hidden_size": 16},
        "quick": {"epochs": 50, "hidden_size": 16},
        "lab": {"epochs": 50, "hidden_size": 16},
    }
    with pytest.raises(ValueError, match=r"toy: the quick profile changes unknown \['epoch'\]"):
        Lesson("toy", lab={"epochs": 50}, quick={"epoch": 5}).table()


def test_settings_read_as_attributes_and_name_the_missing_one():
    settings = Settings(profile="smoke", epochs=3)
    assert (settings.epochs, settings.profile, settings["epochs"]) == (3, "smoke", 3)
    with pytest.raises(AttributeError, match=r"no setting 'epoch'.*\['epochs', 'profile'\]"):
        _ = settings.epoch


def test_a_lesson_is_found_by_the_largest_set_of_its_parameters():
    from labhelpers.lesson_settings import LESSONS

    by_name = {lesson.name: lesson for lesson in LESSONS}
    five, seven = by_name["imdb_rnn_pytorch"], by_name["imdb_embeddings"]
    assert set(five.lab) < set(seven.lab)  # lesson 9 declares all of lesson 7's and more
    assert lesson_of({"profile", *five.lab}) is five
    assert lesson_of({"profile", *seven.lab}) is seven
    with pytest.raises(RuntimeError, match="run the cell tagged `parameters` first"):
        lesson_of({"profile", "hidden_size"})
