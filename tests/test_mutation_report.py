"""tests/mutation_report.py: the score by module that `make mutation` prints."""

import pytest
from mutation_report import read_equivalent, score_table


def test_the_score_leaves_out_equivalent_mutants_and_flags_what_is_wrong():
    results = {
        "labhelpers/a.py": {
            "a.x_f__mutmut_1": 1,
            "a.x_f__mutmut_2": 3,
            "a.x_f__mutmut_3": 0,
            "a.x_f__mutmut_4": 0,
            "a.x_f__mutmut_5": 36,
        },
        "labhelpers/b.py": {"b.x_g__mutmut_1": 1, "b.x_g__mutmut_2": 33, "b.x_g__mutmut_3": None},
    }
    equivalent = {"a.x_f__mutmut_4": "why", "b.x_g__mutmut_1": "why", "gone.x__mutmut_1": "why"}
    report, problems = score_table(results, equivalent, target=50)
    # a: 2 killed of 5 - 1 equivalent; b: 0 killed of 3 - 1 (its equivalent one was killed)
    assert "| labhelpers/a.py | 5 | 2 | 1 | 0 | 1 | 0 | 0 | 1 | 50.0% |" in report
    assert "| labhelpers/b.py | 3 | 0 | 0 | 1 | 0 | 1 | 0 | 1 | 0.0% |" in report
    assert "| **all** | 8 | 2 | 1 | 1 | 1 | 1 | 0 | 2 | 33.3% |" in report
    assert "- `a.x_f__mutmut_3`: survived" in report and "- `a.x_f__mutmut_5`: timeout" in report
    assert problems == [
        "gone.x__mutmut_1 is listed as equivalent but is no mutant any more",
        "b.x_g__mutmut_1 is listed as equivalent but a test killed it",
        "labhelpers/b.py: 0.0% of non-equivalent mutants killed, under the target 50%",
    ]


def test_the_equivalent_list_needs_a_reason_and_one_line_per_mutant(tmp_path):
    path = tmp_path / "equivalent.txt"
    path.write_text("# a comment\n\nm.x__mutmut_1 the same value\n", encoding="utf-8")
    assert read_equivalent(path) == {"m.x__mutmut_1": "the same value"}
    path.write_text("m.x__mutmut_1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="equivalent.txt:1: m.x__mutmut_1 needs a reason"):
        read_equivalent(path)
    path.write_text("m.x__mutmut_1 a\nm.x__mutmut_1 b\n", encoding="utf-8")
    with pytest.raises(ValueError, match="equivalent.txt:2: m.x__mutmut_1 is listed twice"):
        read_equivalent(path)
