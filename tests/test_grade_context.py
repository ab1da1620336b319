"""Checks that a notebook calls with its own values (0.1, 0.2, 1.1, 1.2, 1.3, 2.4, 4.4, 7.4, 9.1),
graded in the sandbox: the judge uses the context ``Spec.grading_context`` rebuilds on the
trusted side, never values from the student's kernel.

Each course notebook is cut down to its first code cell (imports, ``config.setup()``), the set-up
its exercises' answers need and those exercises (stub, solution, check): a *mini* notebook that
the real grader (``cnn-course grade``, bubblewrap) runs in seconds. One student submits the
instructor's solutions, one a typical wrong answer per exercise.
"""

from __future__ import annotations

import nbformat
import pytest
from grading_helpers import ROOT, answered, edition, read_rows, save, solutions, tree_digest

from course_utils.grading import main, sandbox
from course_utils.grading.assembly import tags

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    bool(sandbox.unavailable()), reason=f"no sandbox here: {sandbox.unavailable()}")]

# exercise -> (its check, the set-up cells its answers need: a source fragment of a cell of its
# notebook, or "new: <source>" for a cell of its own)
CHECKS = {"0.1": ("check_keras_layout", ["mnist = data.load_mnist("]),
          "0.2": ("check_class_counts", ["mnist = data.load_mnist("]),
          "1.1": ("check_bounding_box_height", ["INK = 127"]),
          "1.2": ("check_new_feature", ["INK = 127"]),
          "1.3": ("check_linear_classifier", ["new: from keras import layers"]),
          "2.4": ("check_learned_kernel", []),
          "4.4": ("check_lenet_build", []),
          "7.4": ("check_residual_net", ["new: from keras import layers"]),
          "9.1": ("check_transfer_head", [])}


def notebook_of(check: str) -> str:
    """The course notebook whose check cell calls ``check``."""
    found = [p.name for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]*_*.ipynb"))
             if f"ex.{check}(" in p.read_text(encoding="utf-8")]
    assert len(found) == 1, (check, found)
    return found[0]


# notebook -> its exercises that depend on notebook values, in the notebook's order
MINI: dict[str, list[str]] = {}
for _label, (_check, _) in CHECKS.items():
    MINI.setdefault(notebook_of(_check), []).append(_label)

WRONG = {  # a typical mistake per exercise
    "0.1": "x = mnist.x_train[..., None].astype(np.float32)  # not scaled to [0, 1]",
    "0.2": "counts = np.bincount(mnist.y_train, minlength=10) / len(mnist.y_train)",
    "1.1": "def bounding_box_height(images):  # the width\n"
           "    cols = (images > INK).any(axis=1)\n"
           "    width = cols.shape[1] - cols.argmax(axis=1) - cols[:, ::-1].argmax(axis=1)\n"
           "    return np.where(cols.any(axis=1), width, 0)",
    "1.2": "def my_feature(images):\n    return np.zeros((len(images), 1))",
    "1.3": "def train_linear(x, y):  # built and compiled, never trained\n"
           "    model = keras.Sequential([keras.Input(shape=(x.shape[1],)),\n"
           "                              layers.Dense(10, activation='softmax')])\n"
           "    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
           "    return model",
    "2.4": "def learn_kernel(images, targets, init):\n    return init",
    "4.4": None,  # the solution with max pooling (below)
    "7.4": None,  # the solution without shortcuts (below)
    "9.1": "def make_transfer_model(base, n_classes):  # the base not frozen\n"
           "    return keras.Sequential([base, keras.layers.Dense(n_classes, "
           "activation='softmax')])",
}


def exercise_triples(nb: nbformat.NotebookNode, checks: set[str]) -> list:
    """The (exercise, solution, check) cells of the exercises whose check is in ``checks``."""
    cells, found = nb.cells, []
    for i, cell in enumerate(cells):
        if "exercise" in tags(cell) and any(f"ex.{c}(" in cells[i + 2].source for c in checks):
            assert "solution" in tags(cells[i + 1]), cells[i + 1].source
            found += cells[i:i + 3]
    return found


def mini_notebook(name: str) -> nbformat.NotebookNode:
    """``name`` cut down to its first code cell, the set-up of its exercises (:data:`CHECKS`)
    and those exercises."""
    full = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    labels = MINI[name]
    code = [c for c in full.cells if c.cell_type == "code"]
    cells = [code[0]]
    for fragment in dict.fromkeys(f for label in labels for f in CHECKS[label][1]):
        if fragment.startswith("new: "):
            cells.append(nbformat.v4.new_code_cell(fragment.removeprefix("new: ")))
        else:
            cells.append(next(c for c in code if fragment in c.source))
    cells += exercise_triples(full, {CHECKS[label][0] for label in labels})
    assert sum("exercise" in tags(c) for c in cells) == len(labels), name
    return nbformat.v4.new_notebook(cells=cells, metadata=full.metadata)


def wrong_sources(name: str, nb: nbformat.NotebookNode) -> dict[str, str]:
    """{exercise cell id: a wrong answer} for the mini notebook ``nb``."""
    sols = solutions(nb)
    wrong = {}
    for cell, label in zip([c for c in nb.cells if "exercise" in tags(c)], MINI[name],
                           strict=True):
        source = WRONG[label]
        if label == "4.4":
            source = sols[cell.id].replace("AveragePooling2D", "MaxPooling2D")
        elif label == "7.4":
            source = sols[cell.id].replace("if residual:", "if False:  # no shortcuts")
        assert source and source != sols[cell.id]
        wrong[cell.id] = source
    return wrong


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Rows of the correct and the wrong student on every mini notebook."""
    instructor = tmp_path_factory.mktemp("context_instructor")
    subs = tmp_path_factory.mktemp("context_submissions")
    for name in MINI:
        nb = mini_notebook(name)
        nbformat.write(nb, instructor / name)
        save(subs, "correct", answered(edition(mini_notebook(name)), solutions(nb)), name)
        save(subs, "wrong", answered(edition(mini_notebook(name)), wrong_sources(name, nb)),
             name)
    before = tree_digest(subs), tree_digest(instructor)
    out = tmp_path_factory.mktemp("context_out")
    assert main([str(subs), "--out", str(out), "--instructor", str(instructor),
                 "--jobs", "2", "--timeout", "300"]) == 0
    assert (tree_digest(subs), tree_digest(instructor)) == before
    return read_rows(out / "grades.csv")


LABELS = list(CHECKS)


@pytest.mark.parametrize("label", LABELS)
def test_a_correct_answer_passes_on_the_rebuilt_context(graded, label):
    row = graded["correct", label]
    assert row["result"] == "✓", row
    assert "cannot be graded" not in row["hint"]


@pytest.mark.parametrize("label", LABELS)
def test_a_wrong_answer_fails_on_the_rebuilt_context(graded, label):
    row = graded["wrong", label]
    assert row["result"] == "✗", row
    assert row["hint"] and "cannot be graded" not in row["hint"]


def test_what_the_wrong_answers_are_told(graded):
    hint = {label: graded["wrong", label]["hint"] for label in LABELS}
    assert "divide by 255" in hint["0.1"]
    assert "counts, not fractions" in hint["0.2"]
    assert "that is the width" in hint["1.1"]
    assert "same value for every image" in hint["1.2"]
    assert "standardise inside the model" in hint["1.3"]
    assert "hardly moved from `init`" in hint["2.4"]
    assert "average pooling" in hint["4.4"]
    assert "no Add layer" in hint["7.4"]
    assert "freeze the base" in hint["9.1"]


def test_only_the_context_the_grader_cannot_rebuild_is_noted(graded):
    for (_student, label), row in graded.items():
        if label == "9.1":
            assert "not at the notebook's CUT" in row["note"], row
        else:
            assert row["note"] == "", row
