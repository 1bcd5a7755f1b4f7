import json
import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from labhelpers.base.machine import machine_description  # noqa: E402
from labhelpers.base.notebook_file import RESULTS_MIME  # noqa: E402
from labhelpers.base.progress import epoch_line, epoch_summary  # noqa: E402
from labhelpers.plots import plot_confusion_matrix, plot_history  # noqa: E402
from labhelpers.report import (  # noqa: E402
    observation_table,
    report_result,
    result_sentence,
)

HISTORY = {
    "loss": [0.7, 0.5, 0.4],
    "accuracy": [0.5, 0.7, 0.8],
    "val_loss": [0.69, 0.6, 0.55],
    "val_accuracy": [0.52, 0.65, 0.7],
    "seconds": [0.1, 0.1, 0.1],
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_history_plot_has_loss_and_accuracy_side_by_side(tmp_path):
    fig = plot_history(HISTORY, title="t", path=tmp_path / "curves.png")
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]  # training and validation
    assert fig.axes[1].get_lines()[1].get_ydata().tolist() == HISTORY["val_accuracy"]
    assert (tmp_path / "curves.png").read_bytes()[:8] == PNG_MAGIC
    assert not list(tmp_path.glob("*.partial"))


def test_regression_history_has_only_the_loss_panel():
    fig = plot_history({"loss": [1.0, 0.5]})
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss"]
    with pytest.raises(ValueError, match="non-empty 'loss'"):
        plot_history({"loss": []})


def test_confusion_matrix_plot(tmp_path):
    fig = plot_confusion_matrix(np.array([[5, 1], [2, 7]]), ["a", "b"], path=tmp_path / "cm.png")
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["1", "2", "5", "7"]
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.ones((2, 3)), ["a", "b"])


def test_observation_table_every_n_epochs_keeps_the_last():
    table = observation_table(HISTORY, every=2)
    assert table.index.tolist() == [2, 3]
    assert table.loc[3, "val_accuracy"] == 0.7
    with pytest.raises(ValueError, match="every"):
        observation_table(HISTORY, every=0)
    with pytest.raises(ValueError, match="no 'loss'"):
        observation_table({"loss": []})


def test_result_sentence_states_measured_and_record_numbers():
    sentence = result_sentence(
        "The RNN",
        {"accuracy": 0.915, "f1": 0.912},
        50,
        1.234,
        "200 sequences",
        record={"accuracy": 0.94, "f1": 0.9375},
    )
    assert "accuracy 91.50%" in sentence and "f1 0.9120" in sentence
    assert "after 50 epochs (1.23 s of training)" in sentence
    assert "reported accuracy 94.00%, f1 0.9375" in sentence
    assert "accuracy -2.50 points" in sentence and "f1 -2.55 points" in sentence
    assert "record" not in result_sentence("M", {"accuracy": 0.5}, 1, 0.1, "d")


def test_report_result_shows_the_sentence_and_saves_json_with_its_mime(monkeypatch):
    import torch
    from IPython.display import Markdown

    from labhelpers.profiles import Settings

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj))
    settings = Settings(profile="smoke", epochs=3, device=torch.device("cpu"), sizes=(2, 5))
    result = dict(
        title="E6",
        data="generated",
        metrics={"val_accuracy": np.float32(0.75)},
        model="RNN(16)",
        headline="val_accuracy",
        lab_record={"val_accuracy": 0.94},
    )
    assert report_result("The RNN reached **75%**.", settings, **result) is None
    sentence, saved = shown
    assert isinstance(sentence, Markdown) and sentence.data == "The RNN reached **75%**."
    results = saved[RESULTS_MIME]
    assert json.loads(json.dumps(results)) == results
    assert results["metrics"] == {"val_accuracy": 0.75}
    assert (results["profile"], results["sentence"]) == ("smoke", "The RNN reached **75%**.")
    assert results["settings"] == {
        "profile": "smoke",
        "epochs": 3,
        "device": "cpu",
        "sizes": [2, 5],
    }
    assert (results["model"], results["headline"], results["lab_record"]) == (
        "RNN(16)",
        "val_accuracy",
        {"val_accuracy": 0.94},
    )
    assert results["machine"]["cpu_count"] == os.cpu_count()
    assert saved["text/plain"] == "Results of E6 saved (1 figures)."
    with pytest.raises(ValueError, match="headline 'loss' must name one of the metrics"):
        report_result("s", settings, **{**result, "headline": "loss", "lab_record": None})
    with pytest.raises(ValueError, match=r"lab_record names \['f1'\]"):
        report_result("s", settings, **{**result, "lab_record": {"f1": 0.9}})


def test_epoch_line_is_the_one_format_of_every_training_loop():
    assert (
        epoch_summary({"loss": 0.47, "val_accuracy": 0.8875}) == "loss 0.4700  val_accuracy 0.8875"
    )
    assert epoch_line(7, 20, {"loss": 0.47}, 0.354) == "epoch  7/20  loss 0.4700  (0.35 s)"
    assert epoch_line(20, 20, {}, 1.0) == "epoch 20/20    (1.00 s)"


def test_rounding_level_bounds_float64_rounding_and_shows_real_errors():
    from labhelpers.report import rounding_level

    assert rounding_level(4.3e-16) == rounding_level(0.0) == rounding_level(-9e-15) == "< 1e-14"
    assert rounding_level(9e-13) == "9.0e-13"  # a real error keeps its value
    assert rounding_level(2e-10, bound=1e-9) == "< 1e-09"


def test_the_machine_names_the_cpu_model_of_proc_cpuinfo():
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("no /proc/cpuinfo (not Linux): results name no CPU model there")
    names = re.findall(r"^model name\s*:\s*(.*?)\s*$", cpuinfo.read_text(), flags=re.MULTILINE)
    assert machine_description().get("cpu") == (names[0] if names and names[0] else None)
