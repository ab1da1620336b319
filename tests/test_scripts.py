"""course_utils.tools: the student edition, the headless notebook runner, the checksum writer."""

from pathlib import Path

import nbformat
import pytest

from course_utils import checksums
from course_utils.tools import run_notebooks
from course_utils.tools import student as make_student
from tests.conftest import kernel_registered

ROOT = Path(__file__).resolve().parent.parent


def tiny_notebook(path: Path, cells) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "cnn-course", "display_name": "cnn", "language": "python"}
    for source, tags in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = tags
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="old output\n")]
        cell.execution_count = 1
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def test_student_edition_removes_solutions_and_outputs(tmp_path):
    src = tiny_notebook(
        tmp_path / "01_x.ipynb",
        [("answer = None", ["exercise"]), ("answer = 152", ["solution"]), ("check(answer)", [])],
    )
    make_student.write_student_editions([src], tmp_path / "student")
    nb = nbformat.read(tmp_path / "student" / "01_x.ipynb", as_version=4)
    assert [c.source for c in nb.cells] == ["answer = None", "check(answer)"]
    assert all(c.outputs == [] and c.execution_count is None for c in nb.cells)


def test_student_changes_are_never_overwritten(tmp_path):
    src = tiny_notebook(tmp_path / "02_y.ipynb", [("x = 1", [])])
    out = tmp_path / "student"
    assert make_student.write_student_editions([src], out) == {"02_y.ipynb": "written"}
    mine = out / "02_y.ipynb"
    mine.write_text(mine.read_text().replace("x = 1", "x = 2  # my work"))
    assert make_student.write_student_editions([src], out) == {
        "02_y.ipynb": "kept (changed by you)"
    }
    assert "my work" in mine.read_text()
    mine.unlink()  # deleting it gives a fresh copy
    assert make_student.write_student_editions([src], out) == {"02_y.ipynb": "written"}
    assert make_student.write_student_editions([src], out) == {"02_y.ipynb": "written"}


def test_student_edition_of_an_untracked_existing_file_is_kept(tmp_path):
    src = tiny_notebook(tmp_path / "03_z.ipynb", [("x = 1", [])])
    (tmp_path / "student").mkdir()
    (tmp_path / "student" / "03_z.ipynb").write_text("{}")  # not written by the script
    assert make_student.write_student_editions([src], tmp_path / "student")[
        "03_z.ipynb"
    ].startswith("kept")


@pytest.mark.slow
@pytest.mark.skipif(not kernel_registered(),
                    reason='the Jupyter kernel "cnn-course" is not registered (run make setup)')
def test_runner_reports_the_failing_cell(tmp_path):
    ok = tiny_notebook(tmp_path / "01_ok.ipynb", [("print('hi')", [])])
    bad = tiny_notebook(tmp_path / "02_bad.ipynb", [("x = 1", []), ("1 / 0", [])])
    html = tmp_path / "build" / "html"
    assert run_notebooks.main([str(ok), str(bad), "--html-dir", str(html)]) == 1
    rows = (tmp_path / "build" / "timings.csv").read_text().splitlines()
    assert rows[1].startswith("01_ok.ipynb,") and ",ok," in rows[1]
    assert "FAILED cell 1 ('1 / 0'): ZeroDivisionError" in rows[2]
    assert (html / "01_ok.html").exists() and (html / "02_bad.html").exists()


def test_short_sources(tmp_path):
    log = tmp_path / "log"
    log.write_text(
        "MNIST: bundled data/mnist_5k.npz: 5,000\n"
        "Fashion-MNIST: Keras fashion_mnist.load_data() (Debian dataset-fashion-mnist files), "
        "70,000\n"
        "photo astronaut: skimage\n"
    )
    assert run_notebooks.short_sources(log) == (
        "MNIST: bundled, Fashion-MNIST: Keras (Debian), photo astronaut: skimage"
    )
    assert run_notebooks.short_sources(tmp_path / "none") == "-"


def test_update_checksums_refreshes_only_the_named_files(tmp_path):
    from hashlib import sha256

    (tmp_path / "a.npz").write_bytes(b"new a")
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "x.png").write_bytes(b"x")
    (tmp_path / "SHA256SUMS").write_text("0000  a.npz\n1111  other.h5\n")
    checksums.update_checksums(tmp_path, ("a.npz", "imgs/"))
    assert (tmp_path / "SHA256SUMS").read_text().splitlines() == [
        f"{sha256(b'new a').hexdigest()}  a.npz",
        f"{sha256(b'x').hexdigest()}  imgs/x.png",
        "1111  other.h5",  # another script's line is kept
    ]


def test_record_checksum_leaves_sha256sums_alone_outside_data(tmp_path):
    from hashlib import sha256

    before = (ROOT / "data" / "SHA256SUMS").read_text()
    out = tmp_path / "weights.h5"
    out.write_bytes(b"w")
    data_dir = ROOT / "data"
    assert checksums.record_checksum(out, data_dir) == (
        f"SHA-256: {sha256(b'w').hexdigest()}  weights.h5 "
        f"(outside {data_dir}: SHA256SUMS unchanged)"
    )
    assert (ROOT / "data" / "SHA256SUMS").read_text() == before
