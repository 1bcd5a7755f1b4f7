"""The order of a build's notebooks: the longest first, from this machine's last run times or,
on a first build, from the committed lesson times."""

import json
from pathlib import Path

from labhelpers.tools.runner import Planned, committed_times, expected_seconds


def job(name, profile="quick", point=None):
    notebook = Path(f"notebooks/{name.split('--')[0]}.ipynb")
    return Planned(name, notebook, {"profile": profile}, point, Path(f"{name}.ipynb"), Path("r"))


def write_times(root, measurements):
    (root / "book").mkdir(parents=True)
    (root / "book" / "lesson_times.json").write_text(json.dumps({"measurements": measurements}))


def test_a_first_build_orders_by_the_committed_times(tmp_path):
    write_times(
        tmp_path,
        [
            {"notebook": "01_a", "profile": "quick", "seconds": 5.0},
            {"notebook": "11_b", "profile": "quick", "seconds": 293.0},
            # the same lesson on a slower CPU: the longer time is the safer guess
            {"notebook": "11_b", "profile": "quick", "seconds": 547.0},
            {"notebook": "11_b", "profile": "smoke", "seconds": 20.0},
            {"notebook": "06_c", "profile": "quick", "seconds": 128.0},
        ],
    )
    committed = committed_times(tmp_path)
    assert committed == {
        ("01_a", "quick"): 5.0,
        ("11_b", "quick"): 547.0,
        ("11_b", "smoke"): 20.0,
        ("06_c", "quick"): 128.0,
    }
    jobs = [job("01_a"), job("06_c"), job("11_b"), job("12_new")]
    order = sorted(jobs, key=lambda j: -expected_seconds(j, {}, committed))
    assert [j.name for j in order] == ["11_b", "06_c", "01_a", "12_new"]
    assert expected_seconds(job("11_b", "smoke"), {}, committed) == 20.0
    # a sweep point of a lesson takes its lesson's time
    assert expected_seconds(job("11_b--seed=1", point={"seed": 1}), {}, committed) == 547.0


def test_this_machines_own_times_come_first(tmp_path):
    write_times(tmp_path, [{"notebook": "01_a", "profile": "quick", "seconds": 5.0}])
    remembered = {'01_a {"profile": "quick"}': 40.0}
    assert expected_seconds(job("01_a"), remembered, committed_times(tmp_path)) == 40.0


def test_no_or_damaged_times_file_gives_lesson_order(tmp_path):
    assert committed_times(tmp_path) == {}
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "lesson_times.json").write_text('{"measurements": [')
    assert committed_times(tmp_path) == {}
    assert expected_seconds(job("01_a"), {}, {}) == 0.0
