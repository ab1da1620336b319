"""Method tests over the notebook sources: no test-set leakage into training decisions.

A validation set chooses things — the epoch EarlyStopping keeps, when ReduceLROnPlateau cuts
the learning rate, which checkpoint ModelCheckpoint saves, which recipe wins. When those choices
look at the test images, the test accuracy reported afterwards is no longer a test accuracy.

The checker reads every code cell of every notebook as Python (``ast``), follows assignments
(``x_check = x_test[:300]`` makes ``x_check`` test data too, as does anything computed from
it) in cell order, and fails when test data reaches

- the ``validation_data=`` or ``validation_split=`` argument of any call,
- the ``callbacks=`` argument of any call, or
- the training data of a ``fit`` call (with or without ``validation_split``): here only
  ``x_test``/``y_test`` themselves count, since a loop over several data sets cannot be
  told apart statically, or
- the arguments of a callback's constructor (``keras.callbacks.*``, ``*Callback(...)``,
  ``training.callbacks(...)``).

Test data are the names ``x_test``/``y_test`` and attributes ``.x_test``/``.y_test``.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
TEST_NAMES = frozenset({"x_test", "y_test"})
GUARDED_KEYWORDS = ("validation_data", "validation_split", "callbacks")


def _code(cell: dict) -> str:
    """A code cell's source without IPython magics and shell lines (``%``, ``!``)."""
    lines = "".join(cell["source"]).splitlines()
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def _reads_test_data(node: ast.AST, tainted: set[str]) -> bool:
    """Whether expression ``node`` reads x_test/y_test or a name computed from them."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and (sub.id in TEST_NAMES or sub.id in tainted):
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in TEST_NAMES:
            return True
    return False


def _target_names(target: ast.AST) -> list[str]:
    """Names an assignment to ``target`` changes: ``a`` in ``a``, ``a[i]``, ``a.b``, ``(a, *b)``
    (not ``i``: an index is read, not written)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Subscript, ast.Attribute)):
        return _target_names(target.value)
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in _target_names(e)]
    return []


def _pairs(target: ast.AST, value: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """``a, b = c, d`` → [(a, c), (b, d)] (so ``x_train, x_test = f(x), f(t)`` taints only
    ``x_test``); anything else → [(target, value)]."""
    if (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
            and not any(isinstance(e, ast.Starred) for e in target.elts + value.elts)):
        return [p for t, v in zip(target.elts, value.elts, strict=True) for p in _pairs(t, v)]
    return [(target, value)]


def _is_callback_constructor(call: ast.Call) -> bool:
    """``keras.callbacks.X(...)``, ``callbacks.X(...)``, ``XCallback(...)``,
    ``training.callbacks(...)``."""
    func = call.func
    dotted = []
    while isinstance(func, ast.Attribute):
        dotted.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        dotted.append(func.id)
    dotted.reverse()
    if not dotted:
        return False
    return "callbacks" in dotted or dotted[-1].endswith("Callback")


def leaks(sources: list[str]) -> list[str]:
    """Where test data reach validation or callbacks in these cell sources (in order).

    Returns one message per leak: ``"cell K, line L: <what>"`` (cells counted from 0).
    """
    tainted: set[str] = set()
    problems = []
    trees = []
    for k, source in enumerate(sources):
        try:
            trees.append((k, ast.parse(source)))
        except SyntaxError:
            continue
    # Propagate taint through assignments until nothing changes (later cells can taint names
    # used by functions defined earlier, so iterate over the whole notebook).
    changed = True
    while changed:
        changed = False
        for _, tree in trees:
            for node in ast.walk(tree):
                pairs: list[tuple[ast.AST, ast.AST]] = []
                if isinstance(node, ast.Assign):
                    pairs = [(t, node.value) for t in node.targets]
                elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None:
                    pairs = [(node.target, node.value)]
                elif isinstance(node, ast.NamedExpr):
                    pairs = [(node.target, node.value)]
                elif isinstance(node, (ast.For, ast.comprehension)):
                    pairs = [(node.target, node.iter)]
                for target, value in [p for t, v in pairs for p in _pairs(t, v)]:
                    if _reads_test_data(value, tainted):
                        new = set(_target_names(target)) - tainted
                        if new:
                            tainted |= new
                            changed = True
    for k, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg in GUARDED_KEYWORDS and _reads_test_data(keyword.value, tainted):
                    problems.append(f"cell {k}, line {node.lineno}: test data in "
                                    f"{keyword.arg}= ({ast.unparse(keyword.value)[:60]})")
            is_fit = isinstance(node.func, ast.Attribute) and node.func.attr == "fit" or \
                isinstance(node.func, ast.Name) and node.func.id == "fit"
            training_data = node.args[:2] + [kw.value for kw in node.keywords
                                             if kw.arg in ("x", "y")]
            if is_fit and any(_reads_test_data(a, set()) for a in training_data):
                problems.append(f"cell {k}, line {node.lineno}: fit on test data "
                                f"({ast.unparse(node)[:60]})")
            if _is_callback_constructor(node):
                arguments = list(node.args) + [kw.value for kw in node.keywords]
                if any(_reads_test_data(a, tainted) for a in arguments):
                    problems.append(f"cell {k}, line {node.lineno}: test data given to the "
                                    f"callback {ast.unparse(node.func)}")
    return problems


def _notebook_sources(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [_code(c) for c in cells if c["cell_type"] == "code"]


def test_there_are_notebooks_to_check():
    assert len(NOTEBOOKS) >= 10


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_test_data_in_validation_or_callbacks(path):
    problems = leaks(_notebook_sources(path))
    assert not problems, f"{path.name}: the test set steers training:\n" + "\n".join(problems)


# --- the checker itself: it must catch each kind of leak and pass honest code ---------------

@pytest.mark.parametrize("source", [
    "model.fit(x, y, validation_data=(x_test, y_test))",
    "model.fit(x, y, validation_data=(data.x_test, data.y_test))",
    "x_check, y_check = x_test[:300], y_test[:300]\n"
    "model.fit(x, y, validation_data=(x_check, y_check))",
    "val = (x_test, y_test)\nmodel.fit(x, y, validation_data=val)",
    "model.fit(x_test, y_test, validation_split=0.2)",
    "training.fit(model, x_test, y_test, profile)",
    "model.fit(x, y, callbacks=[Probe(x_test)])",
    "cb = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, l: m.evaluate(x_test, y_test))",
    "class Probe(keras.callbacks.Callback):\n    pass\np = MyCallback(data=(x_test, y_test))",
    "xs = [x_test]\nfor v in xs:\n    model.fit(x, y, validation_data=(v, y))",
])
def test_checker_finds_leaks(source):
    assert leaks([source])


def test_checker_does_not_taint_indices():
    cells = ["for c in cuts:\n    results[c] = model.evaluate(f[c], y_test)\n"
             "    heads[c].fit(f[c], y, validation_data=(v[c], w))"]
    assert not leaks(cells)


def test_checker_follows_names_across_cells():
    cells = ["def run():\n    return model.fit(x, y, validation_data=(x_v, y_v))",
             "x_v, y_v = x_test[:100], y_test[:100]"]
    assert leaks(cells)


@pytest.mark.parametrize("source", [
    "model.fit(x_train, y_train, validation_data=(x_val, y_val), callbacks=cbs)",
    "model.fit(x_train, y_train, validation_split=0.1)",
    "cbs = training.callbacks(run, ['early_stopping'])\nmodel.fit(x, y, callbacks=cbs)",
    "model.evaluate(x_test, y_test)",
    "acc = model.evaluate(x_test, y_test)[1]\nprint(acc)",
    "%timeit f()\nmodel.fit(x, y, validation_data=(x_val, y_val))",
    "x_train, x_test = f(c.x_train), f(c.x_test)\nmodel.fit(x_train, y, validation_split=0.1)",
])
def test_checker_passes_honest_code(source):
    assert not leaks([source])
