"""Style damage that a mechanical rewrap leaves and no linter sees: a docstring that holds a
stray ``"`` and a newline (``help()`` shows them), and a string literal cut into fragments
mid-sentence (``"no " "punctuation"`` where one literal would do)."""

import ast
import io
import re
import tokenize

from conftest import ROOT

MODULES = sorted(
    path
    for folder in ("labhelpers", "tests", "bench")
    for path in (ROOT / folder).rglob("*.py")
    if "nbval" not in path.relative_to(ROOT).parts
)
# A rewrapped docstring: a line ending in `"` and the next one opening with `"`.
STRAY_QUOTE = re.compile(r'"\n[ \t]*"')
# A piece shorter than this that ends in a space is a sentence cut mid-way.
FRAGMENT = 12


def docstrings(tree: ast.AST):
    """(line, text) of every docstring: the module's, each class's and each function's."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            text = ast.get_docstring(node, clean=False)
            if text is not None:
                yield node.body[0].lineno, text


def literal_runs(source: str) -> list[list[tuple[int, str]]]:
    """Each run of two or more adjacent string literals (implicit concatenation), as the
    (line, source text) of each piece; an f-string is one piece on every Python version."""
    fstring_start = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    runs, run, depth, piece = [], [], 0, None
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if depth:
            piece[1] += token.string
            if token.type == fstring_start:
                depth += 1
            elif token.type == fstring_end:
                depth -= 1
                if not depth:
                    run.append(tuple(piece))
        elif token.type == tokenize.STRING:
            run.append((token.start[0], token.string))
        elif fstring_start is not None and token.type == fstring_start:
            depth, piece = 1, [token.start[0], token.string]
        elif token.type not in (tokenize.NL, tokenize.COMMENT):
            if len(run) > 1:
                runs.append(run)
            run = []
    return runs


def text_of(literal: str) -> str:
    """A literal's source text between its quotes (prefix and quotes removed)."""
    body = literal.lstrip("rRbBuUfF")
    quote = body[:3] if body[:3] in ('"""', "'''") else body[0]
    return body[len(quote) : -len(quote)]


def style_damage(source: str, name: str) -> list[str]:
    """Every stray quote-newline in a docstring and every literal cut mid-sentence."""
    found = [
        f"{name}:{line}: the docstring holds a stray quote and newline (a rewrapped string)"
        for line, text in docstrings(ast.parse(source))
        if STRAY_QUOTE.search(text)
    ]
    for run in literal_runs(source):
        for line, literal in run[:-1]:
            text = text_of(literal)
            if text.endswith(" ") and len(text) < FRAGMENT:
                found.append(
                    f"{name}:{line}: {literal} is cut from the literal after it: join them"
                )
    return found


def test_the_check_finds_the_damage_a_rewrap_leaves():
    damaged = '''def f():
    """The word index beside the CSV, or "
    "None."""
    return (
        "lower case, "
        "no "
        f"punctuation; {1} training, "
        "test "
        f"reviews"
    )
'''
    assert style_damage(damaged, "m.py") == [
        "m.py:2: the docstring holds a stray quote and newline (a rewrapped string)",
        'm.py:6: "no " is cut from the literal after it: join them',
        'm.py:8: "test " is cut from the literal after it: join them',
    ]


def test_the_check_leaves_quotes_and_whole_pieces_alone():
    clean = '''def f():
    """Say "read from the cache"
    only when both files are cached."""
    return (
        f"got {1} of them: "
        "a long sentence that goes on, "
        "and ends here"
    )
'''
    assert style_damage(clean, "m.py") == []


def test_no_module_of_the_package_the_tests_or_the_benchmarks_holds_rewrap_damage():
    assert len(MODULES) > 50
    found = [
        problem
        for path in MODULES
        for problem in style_damage(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert found == []


# Issue 26: a function of labhelpers fits on a screen or two, so a lesson can show it whole.
LONGEST_FUNCTION = 80


def long_functions(source: str, name: str, limit: int = LONGEST_FUNCTION) -> dict[str, int]:
    """``{"module.py:function": lines}`` of every function (methods and nested ones too) longer
    than ``limit`` lines, from its ``def`` line to its end, its docstring not counted."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        lines = node.end_lineno - node.lineno + 1
        if ast.get_docstring(node, clean=False) is not None:
            lines -= node.body[0].end_lineno - node.body[0].lineno + 1
        if lines > limit:
            found[f"{name}:{node.name}"] = lines
    return found


def test_the_length_check_counts_code_lines_not_the_docstring():
    source = 'def f():\n    """One\n    two\n    three."""\n    a = 1\n    return a\n'
    assert long_functions(source, "m.py", limit=3) == {}
    assert long_functions(source, "m.py", limit=2) == {"m.py:f": 3}
    nested = "class C:\n    def g(self):\n        def h():\n            return 1\n        return h"
    assert long_functions(nested, "m.py", limit=2) == {"m.py:g": 4}


def test_no_function_of_labhelpers_is_over_80_lines():
    found = {}
    for path in MODULES:
        if path.relative_to(ROOT).parts[0] == "labhelpers":
            found.update(long_functions(path.read_text(), str(path.relative_to(ROOT))))
    assert found == {}
