"""No answer outside its solution cell: the student edition must not hand out what it removes.

The student edition (``cnn-course student``) drops the cells tagged ``solution``. This test
builds it for every notebook and fails when a kept cell still gives an answer away:

1. **Solution lines.** Each line of a solution cell is normalised —

   - comments removed (with :mod:`tokenize`, so a ``#`` inside a string stays), then stripped;
   - ignored when *trivial*: blank, ``import``/``from … import``, ``def``/``class`` headers,
     ``pass``/``else:``/``try:``-style keywords, ``return`` of a single name, lines of brackets
     and commas only;
   - a leading ``return`` and a leading ``name =`` (or ``name +=`` …) are cut, so the
     right-hand side — the answer — is what is searched;
   - all whitespace and a trailing comma removed; the line is ignored when fewer than 12
     characters remain or it is a bare name, number or string;
   - ignored when it is scaffolding any answer starts from (an opening ``name([`` or ``name(``,
     ``super().__init__(…)``, ``keras.Input(…)``) or when the same normalised line is in the
     exercise's stub cell (the stub gives it).

   A line is *found* in a code cell the student edition keeps when it is a substring (whitespace
   removed) of the cell's source or of the text outputs the cell has in the executed instructor
   notebook (what a student sees after running it). The cell leaks the solution when at least
   half (rounded up) of the solution's n remaining lines are found there — for n <= 2 one line is
   enough, so a one-line answer computed in an ordinary cell is caught, while a layer line that
   every model shares (``Flatten()``) is not an answer to a 6-line build exercise. Markdown cells
   *before the exercise's check* are searched the same way (their text, code blocks included).

3. **The answer's calls** (slide code written differently). Every call in the solution with
   literal arguments is reduced to a *signature*: the called name's last part and the set of its
   literal arguments (``layers.Conv2D(6, (5, 5), activation="tanh")`` and
   ``model.add(Conv2D(filters=6, kernel_size=(5, 5), activation='tanh', input_shape=s))`` both
   give ``Conv2D {6, 5, 'tanh'}``; ``keras.Input`` is scaffolding and left out). A solution
   with at least :data:`MIN_SIGNATURES` distinct signatures leaks in a cell before its check — a
   kept code cell, its text outputs (source listings included) or a markdown cell's Python code
   blocks — that shows at least half of them.

4. **Source listings of the answer.** ``course_utils.show.show_source`` prints a header
   ``course_utils.x.f — course_utils/x.py, lines …``. A listing, before an exercise's check, of a
   function its registered spec forbids (``Spec.forbidden``: the course's own answer, e.g.
   ``saliency.occlude`` for 10.1) leaks that answer.

2. **Expected values.** For a *value* exercise (its stub assigns a value, defines no function)
   whose check takes only the answer (``ex.check_x(answer)``), the reference of its registered
   spec (``exercises.spec(name).reference`` on its one case) is what the answer is compared
   against. Every *distinctive* number in it (an integer with ``|v| >= 100`` or a
   non-integer) must not appear in a kept code cell or its outputs (numbers read with or without
   thousands separators ``,`` / ``_``). The ✓ line a check prints on a correct answer is not
   searched.

Run as a script (``python tests/test_answer_leak.py [out.md]``) it prints the leaks of every
notebook as a Markdown table (notebook, cell, leaked line) instead of failing.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
import warnings
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent

from course_utils.grading import assembly as grade  # noqa: E402
from course_utils.tools import student as make_student  # noqa: E402

NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]*_*.ipynb"))
MIN_CHARS = 12
MIN_SIGNATURES = 3
_SCAFFOLD_CALLS = {"Input"}  # every model starts with keras.Input(shape): not an answer
_LISTING = re.compile(r"^(course_utils(?:\.\w+)+) — \S+, lines \d+", re.MULTILINE)
_CODE_BLOCK = re.compile(r"```(?:python|py)?\n(.*?)```", re.DOTALL)
_KEYWORD_ONLY = re.compile(r"^(pass|else:|try:|finally:|continue|break|return|\.\.\.)$")
_ASSIGN = re.compile(r"^[A-Za-z_][\w.\[\]'\"]*\s*(?:[+\-*/%@|&^]|//|\*\*)?=(?!=)\s*")
_SCAFFOLDING = re.compile(r"^([\w.]+\(\[?|super\(\)\.__init__\(.*\)|keras\.Input\(.*\))$")
_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:[,_]\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?")


def _strip_comments(source: str) -> list[str]:
    """The lines of ``source`` with comments removed (tokenize; falls back to the raw lines)."""
    lines = source.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return lines
    for tok in reversed(tokens):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            lines[row - 1] = lines[row - 1][:col]
    return lines


def normalise_line(line: str) -> str | None:
    """The searchable form of one solution line (comments already removed), or None if trivial."""
    text = line.strip()
    if not text or _KEYWORD_ONLY.match(text):
        return None
    if re.match(r"^(import|from)\s", text) or re.match(r"^(async\s+)?(def|class)\s", text):
        return None
    if re.fullmatch(r"return\s+[A-Za-z_]\w*", text) or re.fullmatch(r"[\s()\[\]{},:]*", text):
        return None
    text = re.sub(r"^return\s+", "", text)
    text = _ASSIGN.sub("", text, count=1)
    text = re.sub(r"\s+", "", text).rstrip(",")
    if len(text) < MIN_CHARS or _SCAFFOLDING.match(text):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # fragments like `1_000x`
            node = ast.parse(text, mode="eval").body
        if isinstance(node, (ast.Name, ast.Constant)):
            return None
    except SyntaxError:
        pass  # part of a multi-line statement: keep it
    return text


def solution_lines(source: str, stub: str = "") -> list[tuple[str, str]]:
    """``(original line, normalised line)`` for every non-trivial line of a solution cell that the
    stub cell ``stub`` does not already contain."""
    given = {n for n in map(normalise_line, _strip_comments(stub)) if n}
    out = []
    for raw in _strip_comments(source):
        norm = normalise_line(raw)
        if norm and norm not in given:
            out.append((raw.strip(), norm))
    return out


def numbers_in(text: str) -> set[float]:
    """Every number written in ``text`` (``1,216``, ``1_216`` and ``1216`` all read as 1216.0)."""
    return {float(re.sub("[,_]", "", m)) for m in _NUMBER.findall(text)}


def distinctive(values: Any) -> set[float]:
    """The numbers of a reference value worth searching: integers with |v| >= 100, non-integers."""
    out: set[float] = set()
    try:
        flat = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        if isinstance(values, (list, tuple)):
            for v in values:
                out |= distinctive(v)
        return out
    for v in flat:
        if np.isfinite(v) and (abs(v) >= 100 or v != round(v)):
            out.add(float(v))
    return out


def _literals(node: ast.AST) -> set:
    """The literal values in an argument (tuples flattened): ``(5, 5)`` → {5}."""
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool) \
            and node.value is not None:
        return {node.value}
    if isinstance(node, (ast.Tuple, ast.List)):
        return set().union(*(_literals(e) for e in node.elts)) if node.elts else set()
    return set()


def signatures(source: str) -> set[tuple[str, frozenset]]:
    """``(called name's last part, literal arguments)`` of every call in ``source`` with at
    least one literal argument (positional or keyword); empty when it is not Python."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        values = set().union(*(_literals(a) for a in [*node.args,
                                                       *(k.value for k in node.keywords)]))
        if name and values and name not in _SCAFFOLD_CALLS:
            found.add((name, frozenset(values)))
    return found


def markdown_code(source: str) -> str:
    """The Python code blocks of a markdown cell, joined."""
    return "\n".join(_CODE_BLOCK.findall(source))


def listed_sources(text: str) -> tuple[set[str], str]:
    """(qualified names, code) of the source listings (``course_utils.show``) in ``text``."""
    names = set(_LISTING.findall(text))
    code = "\n".join(block.split("\n", 1)[1] if "\n" in block else ""
                     for block in re.split(r"(?m)^(?=course_utils(?:\.\w+)+ — )", text)
                     if _LISTING.match(block))
    return names, code


def forbidden_names(check_source: str) -> set[str]:
    """Qualified names of what the spec of the check called in ``check_source`` forbids."""
    match = re.search(r"\b(?:ex|exercises)\.(check_\w+)\(", check_source)
    if not match:
        return set()
    from course_utils import exercises
    from course_utils.exercises import probes

    try:
        spec = exercises.spec(match.group(1))
    except ValueError:
        return set()
    return {f if isinstance(f, str) else probes.qualified_name(f)
            for f in spec.forbidden()} - {None}


def output_text(cell: nbformat.NotebookNode) -> str:
    """The text a code cell's outputs show (stream text and text/plain), ✓ lines dropped."""
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        elif "data" in out and "text/plain" in out["data"]:
            parts.append(out["data"]["text/plain"])
    text = "".join(p if isinstance(p, str) else "".join(p) for p in parts)
    return "\n".join(line for line in text.splitlines() if not line.startswith("✓ Exercise"))


def _defines_function(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in tree.body)


def expected_values(check_source: str) -> set[float]:
    """Distinctive numbers of the reference a one-argument check compares a value answer with."""
    match = re.search(r"\b(?:ex|exercises)\.(check_\w+)\(\s*([A-Za-z_]\w*)\s*\)", check_source)
    if not match:
        return set()
    from course_utils import exercises

    spec = exercises.spec(match.group(1))
    if spec.probe != "value" or spec.context:
        return set()
    return distinctive(spec.reference(*spec.cases(None)[0]))


def _solution(cells: list, start: int) -> tuple[list[tuple[str, str]], set]:
    """(normalised solution lines, call signatures) of the solution cells after the stub."""
    stub = cells[start].source
    lines: list[tuple[str, str]] = []
    calls: set = set()
    for cell in cells[start + 1:]:
        if cell.cell_type != "code":
            continue
        if "solution" not in grade.tags(cell):
            break
        lines += solution_lines(cell.source, stub)
        calls |= signatures(cell.source)
    return lines, calls - signatures(stub)


def _shown(cid: str, cell: nbformat.NotebookNode) -> tuple[str, str, str]:
    """(searchable text, text outputs, Python code) a kept cell shows."""
    if cell.cell_type == "markdown":
        return re.sub(r"\s+", "", cell.source), "", markdown_code(cell.source)
    outputs = output_text(cell)
    return re.sub(r"\s+", "", cell.source), outputs, cell.source + "\n" + \
        listed_sources(outputs)[1]


def find_leaks(instructor: nbformat.NotebookNode, number: int) -> list[dict[str, str]]:
    """Every leak of ``instructor``'s student edition: ``{"cell", "exercise", "leak"}`` rows."""
    cells = instructor.cells
    by_id = {c.get("id"): c for c in cells}
    position = {c.get("id"): i for i, c in enumerate(cells)}
    student = make_student.student_edition(nbformat.from_dict(instructor))
    kept = [(c.get("id"), by_id.get(c.get("id"), c)) for c in student.cells
            if c.cell_type in ("code", "markdown")]
    texts = {cid: _shown(cid, cell) for cid, cell in kept}
    leaks = []
    for exercise in grade.find_exercises(instructor, number):
        start = position[exercise.exercise_id]
        lines, calls = _solution(cells, start)
        values = set()
        if not _defines_function(cells[start].source):
            values = expected_values(by_id[exercise.check_id].source)
        forbidden = forbidden_names(by_id[exercise.check_id].source)
        needed = max(1, -(-len(lines) // 2))
        for cid, cell in kept:
            code, outputs, python = texts[cid]
            before = position.get(cid, len(cells)) < position[exercise.check_id]
            if cell.cell_type == "markdown" and not before:
                continue
            row = {"cell": cid, "exercise": exercise.label}
            flat_outputs = re.sub(r"\s+", "", outputs)
            found = [(raw, "code" if norm in code else "output") for raw, norm in lines
                     if norm in code or norm in flat_outputs]
            if lines and len(found) >= needed:
                where = "markdown" if cell.cell_type == "markdown" else None
                leaks += [{**row, "leak": f"solution line `{raw}` ({where or w})"}
                          for raw, w in found]
            same = calls & signatures(python) if before else set()
            if len(calls) >= MIN_SIGNATURES and len(same) >= -(-len(calls) // 2):
                shown = ", ".join(sorted(name for name, _ in same))
                leaks.append({**row, "leak": f"{len(same)} of the solution's {len(calls)} calls "
                                             f"with their arguments ({shown})"})
            listed = listed_sources(outputs)[0] & forbidden if before else set()
            leaks += [{**row, "leak": f"source listing of {name}, the exercise's answer"}
                      for name in sorted(listed)]
            if cell.cell_type == "markdown":
                continue
            shown_values = values & (numbers_in(by_id[cid].source) | numbers_in(outputs))
            for v in sorted(shown_values):
                text = f"{v:,.0f}" if v == round(v) else repr(v)
                leaks.append({**row, "leak": f"expected value {text} of the check's reference"})
    return leaks


# --- the rule on small made-up notebooks ------------------------------------------------------

def _notebook(*cells: tuple) -> nbformat.NotebookNode:
    """A notebook from (id, source, tags, printed output) code cells and (id, text) markdown
    cells."""
    nb = nbformat.v4.new_notebook()
    for spec in cells:
        if len(spec) == 2:
            nb.cells.append(nbformat.v4.new_markdown_cell(spec[1], id=spec[0]))
            continue
        cid, source, tags, printed = spec
        cell = nbformat.v4.new_code_cell(source, id=cid, metadata={"tags": tags})
        if printed:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
        nb.cells.append(cell)
    return nb


def test_normalise_line_rule():
    assert normalise_line("    return np.diag(cm) / cm.sum(axis=1)") == "np.diag(cm)/cm.sum(axis=1)"
    assert normalise_line("recall = np.diag(cm) / cm.sum(axis=1)") == "np.diag(cm)/cm.sum(axis=1)"
    assert normalise_line("keras.layers.Flatten(),") == "keras.layers.Flatten()"
    for trivial in ["", "import numpy as np", "from x import y", "def f(a, b):", "return x",
                    "    ])", "pass", "x = 3", "total = some_long_name", "x = 'a long string!'",
                    "return keras.Sequential([", "super().__init__()",
                    "keras.Input(shape=(32, 32, 3)),"]:
        assert normalise_line(trivial) is None, trivial
    assert _strip_comments("a = f(x)  # the '#' in a string: '#'\n") == ["a = f(x)  "]
    assert _strip_comments("s = '# not a comment'") == ["s = '# not a comment'"]


def test_solution_lines_skip_what_the_stub_gives():
    stub = "def per_class(cm):\n    cm = np.asarray(cm, dtype=float)\n    raise NotImplementedError"
    solution = ("def per_class(cm):\n    cm = np.asarray(cm, dtype=float)\n"
                "    return np.diag(cm) / cm.sum(axis=1)  # rows\n")
    assert solution_lines(solution, stub) == [
        ("return np.diag(cm) / cm.sum(axis=1)", "np.diag(cm)/cm.sum(axis=1)")]


def test_numbers_and_distinctive_values():
    assert numbers_in("1,216 parameters, 0.25 and 389_376; x1 = 7") == {1216.0, 0.25, 389376.0, 7.0}
    assert distinctive((32, 32, 16, 1216)) == {1216.0}
    assert distinctive(np.array([0.5, 2.0, -150])) == {0.5, -150.0}


def test_a_leaking_notebook_is_caught_and_a_clean_one_passes():
    stub = ("e1", "def per_class(cm):\n    raise NotImplementedError", ["exercise"], "")
    solution = ("s1", "def per_class(cm):\n    return np.diag(cm) / cm.sum(axis=1)",
                ["solution"], "")
    check = ("c1", "ex.check_per_class_accuracy(per_class)", [], "✓ Exercise 4.3: correct\n")
    leaking = ("x1", "recall = np.diag(cm) / cm.sum(axis=1)", [], "")
    clean = ("x2", "recall = per_class(cm)", [], "")
    leaks = find_leaks(_notebook(stub, solution, check, leaking), 4)
    assert [(row["cell"], row["exercise"]) for row in leaks] == [("x1", "4.3")]
    assert find_leaks(_notebook(stub, solution, check, clean), 4) == []
    in_output = ("x3", "show(per_class)", [], "return np.diag(cm) / cm.sum(axis=1)\n")
    assert [row["cell"] for row in find_leaks(_notebook(stub, solution, check, in_output), 4)] \
        == ["x3"]


def test_a_long_solution_leaks_only_when_half_of_it_is_shown():
    stub = ("e1", "def build():\n    raise NotImplementedError", ["exercise"], "")
    body = ["keras.layers.Conv2D(6, 5, activation='tanh'),", "keras.layers.AveragePooling2D(),",
            "keras.layers.Conv2D(16, 5, activation='tanh'),", "keras.layers.Flatten(),"]
    solution = ("s1", "def build():\n    return keras.Sequential([\n" + "\n".join(body) + "\n])",
                ["solution"], "")
    check = ("c1", "ex.check_build(build)", [], "")
    one_layer = ("x1", "m = keras.Sequential([keras.layers.Flatten()])", [], "")
    two_layers = ("x2", "\n".join(body[:2]), [], "")
    assert find_leaks(_notebook(stub, solution, check, one_layer), 4) == []
    assert len(find_leaks(_notebook(stub, solution, check, two_layers), 4)) == 2


def test_an_expected_value_in_a_kept_cell_is_caught():
    stub = ("e1", "answer = None", ["exercise"], "")
    solution = ("s1", "answer = (64 // 2, 64 // 2, 16, (5 * 5 * 3 + 1) * 16)", ["solution"], "")
    check = ("c1", "ex.check_layer_answer(answer)", [], "✓ Exercise 3.2: correct\n")
    printed = ("x1", "print(layer.count_params())", [], "1,216\n")
    leaks = find_leaks(_notebook(stub, solution, check, printed), 3)
    assert [row["leak"] for row in leaks] == ["expected value 1,216 of the check's reference"]
    assert find_leaks(_notebook(stub, solution, check), 3) == []


LENET_STUB = ("e1", "def build():\n    raise NotImplementedError", ["exercise"], "")
LENET_SOLUTION = ("s1", """def build():
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(32, 32, 1)),
        layers.Conv2D(6, (5, 5), activation="tanh", padding="valid"),
        layers.AveragePooling2D((2, 2)),
        layers.Conv2D(16, (5, 5), activation="tanh", padding="valid"),
        layers.AveragePooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(120, activation="relu"),
        layers.Dense(84, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])""", ["solution"], "")
LENET_CHECK = ("c1", "ex.check_lenet_build(build, x, y, x_val, y_val, 0.8)", [], "")
SLIDE_CODE = """The slide's code:

```python
model.add(Conv2D(filters=6, kernel_size=(5, 5), activation='tanh', input_shape=s, padding='valid'))
model.add(AveragePooling2D(pool_size=(2, 2)))
model.add(Conv2D(filters=16, kernel_size=(5, 5), activation='tanh', padding='valid'))
model.add(Dense(120, activation='relu'))
```"""


def test_signatures_read_calls_with_literal_arguments():
    assert signatures("layers.Conv2D(6, (5, 5), activation='tanh', input_shape=s)") == {
        ("Conv2D", frozenset({6, 5, "tanh"}))}
    assert signatures("keras.Input(shape=(32, 32, 1)); f(x); g(True)") == set()
    assert signatures("not python (") == set()
    assert markdown_code("text\n```python\na = f(1)\n```\nmore") == "a = f(1)\n"


def test_slide_code_in_markdown_above_the_exercise_leaks_and_below_it_does_not():
    above = _notebook(("m1", SLIDE_CODE), LENET_STUB, LENET_SOLUTION, LENET_CHECK)
    leaks = find_leaks(above, 4)
    assert [row["cell"] for row in leaks] == ["m1"]
    assert "4 of the solution's 6 calls" in leaks[0]["leak"]
    below = _notebook(LENET_STUB, LENET_SOLUTION, LENET_CHECK, ("m1", SLIDE_CODE))
    assert find_leaks(below, 4) == []
    unrelated = SLIDE_CODE.replace("tanh", "relu").replace("6,", "32,").replace("16,", "64,")
    assert find_leaks(_notebook(("m1", unrelated), LENET_STUB, LENET_SOLUTION, LENET_CHECK),
                      4) == []


def test_a_solution_line_in_markdown_above_the_exercise_leaks():
    stub = ("e1", "def per_class(cm):\n    raise NotImplementedError", ["exercise"], "")
    solution = ("s1", "def per_class(cm):\n    return np.diag(cm) / cm.sum(axis=1)",
                ["solution"], "")
    check = ("c1", "ex.check_per_class_accuracy(per_class)", [], "")
    told = ("m1", "Recall per class is `np.diag(cm) / cm.sum(axis=1)`.")
    leaks = find_leaks(_notebook(told, stub, solution, check), 4)
    assert [(row["cell"], row["leak"]) for row in leaks] == [
        ("m1", "solution line `return np.diag(cm) / cm.sum(axis=1)` (markdown)")]
    assert find_leaks(_notebook(stub, solution, check, told), 4) == []


def test_a_source_listing_of_the_answer_above_the_exercise_leaks():
    stub = ("e1", "def occlude(image, top, left, patch_size):\n    raise NotImplementedError",
            ["exercise"], "")
    solution = ("s1", "def occlude(image, top, left, patch_size):\n    out = image.copy()\n"
                      "    out[top:top + patch_size, left:left + patch_size] = 127\n"
                      "    return out", ["solution"], "")
    check = ("c1", "ex.check_occlude(occlude)", [], "")
    listing = ("x1", "show.show_source(saliency.occlude)", ["hide-input"],
               "course_utils.saliency.occlude — course_utils/saliency.py, lines 286–293\n"
               "def occlude(image, top, left, patch_size, fill=127.0):\n    ...\n")
    other = ("x2", "show.show_source(saliency.grad_cam)", [],
             "course_utils.saliency.grad_cam — course_utils/saliency.py, lines 473–494\n")
    leaks = find_leaks(_notebook(listing, other, stub, solution, check), 10)
    assert [(row["cell"], row["leak"]) for row in leaks] == [
        ("x1", "source listing of course_utils.saliency.occlude, the exercise's answer")]
    assert find_leaks(_notebook(stub, solution, check, listing), 10) == []
    assert listed_sources(listing[3]) == ({"course_utils.saliency.occlude"},
                                          "def occlude(image, top, left, patch_size, "
                                          "fill=127.0):\n    ...\n")


# --- every course notebook ---------------------------------------------------------------------

@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_no_answer_outside_its_solution_cell(source):
    leaks = find_leaks(nbformat.read(source, as_version=4), int(source.name[:2]))
    assert not leaks, "\n".join(
        f"{source.name} cell {row['cell']} (exercise {row['exercise']}): {row['leak']}"
        for row in leaks)


def main(argv: list[str]) -> int:
    """Print (or write to argv[0]) a Markdown table of the leaks of every notebook."""
    lines = ["| notebook | cell | exercise | leak |", "|---|---|---|---|"]
    for source in NOTEBOOKS:
        for row in find_leaks(nbformat.read(source, as_version=4), int(source.name[:2])):
            lines.append(f"| {source.name} | {row['cell']} | {row['exercise']} | {row['leak']} |")
    text = "\n".join(lines) + "\n"
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
