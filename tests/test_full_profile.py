"""course_utils.tools.full_profile on tiny inputs: splitting, IDX reading, serving, one notebook
run."""

import gzip
import io
import os
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course_utils import data
from course_utils.tools import full_profile as fp
from tests.conftest import kernel_registered


def cifar_zip(path: Path, per_class: dict[str, int]) -> Path:
    """A CIFAR-layout zip: ``per_class[split]`` JPEGs per class, grey level = 20 * label."""
    from PIL import Image

    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for split, n in per_class.items():
            for label, name in enumerate(data.CIFAR10_CLASSES):
                for i in range(n):
                    buffer = io.BytesIO()
                    Image.new("RGB", (32, 32), (20 * label,) * 3).save(buffer, "JPEG")
                    archive.writestr(f"{split}/{name}/{i:04d}.jpg", buffer.getvalue())
    return path


def write_idx(path: Path, array: np.ndarray) -> Path:
    magic = {1: 2049, 3: 2051}[array.ndim]
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))
    return path


def mnist_folder(folder: Path, n_train: int, n_test: int = 0) -> Path:
    folder.mkdir()
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        if n:
            y = np.arange(n) % 10
            x = np.broadcast_to((y * 25)[:, None, None], (n, 28, 28))
            write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", x)
            write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", y)
    return folder


def test_stratified_holdout_is_balanced_and_fixed():
    y = np.repeat(np.arange(10), [50, 50, 50, 50, 50, 50, 50, 50, 50, 60])
    held = fp.stratified_holdout(y, 51)
    assert held.sum() == 51
    assert np.bincount(y[held]).tolist() == [5] * 9 + [6]
    np.testing.assert_array_equal(held, fp.stratified_holdout(y, 51))
    assert not np.array_equal(held, fp.stratified_holdout(y, 51, seed=1))


@pytest.mark.parametrize("n", [0, 510, 2.5, True])
def test_stratified_holdout_bad_size(n):
    with pytest.raises(ValueError, match=r"n_test must be an integer in \[1, 509\], got"):
        fp.stratified_holdout(np.arange(510) % 10, n)


def test_read_idx_checks_magic_and_size(tmp_path):
    x = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    np.testing.assert_array_equal(fp.read_idx(write_idx(tmp_path / "x.gz", x), 3), x)
    with pytest.raises(ValueError, match="IDX magic number 2051, expected 2049"):
        fp.read_idx(tmp_path / "x.gz", 1)
    raw = gzip.decompress((tmp_path / "x.gz").read_bytes())
    (tmp_path / "short.gz").write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(ValueError, match=r"header says \(2, 28, 28\), the file holds 1558 values"):
        fp.read_idx(tmp_path / "short.gz", 3)


def test_mnist_without_t10k_holds_out_a_stratified_test_set(tmp_path):
    (x, y), (xt, yt), origin = fp.prepare_mnist(mnist_folder(tmp_path / "m", 200), n_test=40)
    assert x.shape == (160, 28, 28) and xt.shape == (40, 28, 28)
    assert np.bincount(yt).tolist() == [4] * 10
    assert (x[:, 0, 0] == y * 25).all()  # images stay with their labels
    assert "40 test digits held out of train (stratified, seed 0)" in origin


def test_mnist_t10k_is_the_test_set(tmp_path):
    (x, _), (xt, _), origin = fp.prepare_mnist(mnist_folder(tmp_path / "m", 30, 20))
    assert len(x) == 30 and len(xt) == 20 and "t10k-* test split" in origin
    (tmp_path / "m" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz and t10k-labels"):
        fp.prepare_mnist(tmp_path / "m")
    with pytest.raises(ValueError, match="no train-images-idx3-ubyte.gz"):
        fp.prepare_mnist(tmp_path)


def test_cifar_without_test_split(tmp_path):
    (x, y), (xt, yt), origin = fp.prepare_cifar(cifar_zip(tmp_path / "c.zip", {"train": 5}),
                                                n_test=10)
    assert x.shape == (40, 32, 32, 3) and xt.shape == (10, 32, 32, 3)
    assert y.shape == (40, 1) and y.dtype == np.uint8  # as keras.datasets.cifar10 returns them
    assert np.bincount(yt.ravel()).tolist() == [1] * 10
    assert not (np.diff(y.ravel().astype(int)) >= 0).all()  # no longer sorted by class
    assert np.allclose(x.mean(axis=(1, 2, 3)), 20 * y.ravel(), atol=2)  # pixels follow labels
    assert origin == "c.zip, 10 test images held out of train (stratified, seed 0)"


def test_cifar_test_split_is_used(tmp_path):
    (x, _), (xt, yt), origin = fp.prepare_cifar(
        cifar_zip(tmp_path / "c.zip", {"train": 2, "test": 1}))
    assert len(x) == 20 and len(xt) == 10 and origin == "c.zip, test/ split"


def test_dry_run_serves_both_where_keras_would(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(data.SERVED_ENV, raising=False)
    archive = cifar_zip(tmp_path / "c.zip", {"train": 3})
    folder = mnist_folder(tmp_path / "m", 100)
    code = fp.main(["--cifar", str(archive), "--mnist", str(folder), "--dry-run",
                    "--test-size", "10"])
    out = capsys.readouterr().out
    assert code == 0
    assert "CIFAR-10: train (20, 32, 32, 3), test (10, 32, 32, 3)" in out
    assert "Keras-layout archive cifar10.npz (20 train + 10 test real images, from c.zip" in out
    assert "MNIST: train (90, 28, 28), test (10, 28, 28)" in out
    assert "Keras-layout archive mnist.npz" in out
    assert data.SERVED_ENV not in os.environ  # restored afterwards
    assert os.environ.get("COURSE_PROFILE") == "quick"


def test_arguments_are_required(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        fp.main([])
    assert stop.value.code == 2
    assert "give --cifar ARCHIVE and/or --mnist FOLDER" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        fp.main(["--mnist", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert "--mnist: expected an existing folder, got" in err and "nowhere" in err


def test_results_table_and_markdown():
    table = fp.results_table([("05_cifar", {"model": "deeper", "parameters": 412_000,
                                            "epochs": 12, "test_accuracy": 0.8512,
                                            "training_seconds": 540.0})])
    assert table[1] == ["05_cifar", "deeper", "412,000", "12", "0.8512", "9.0"]
    assert fp.markdown(table).splitlines()[1] == "|---|---|---|---|---|---|"


@pytest.mark.slow
@pytest.mark.skipif(not kernel_registered(), reason='Jupyter kernel "cnn-course" not registered')
def test_one_notebook_runs_on_served_data_and_records_its_result(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "cnn-course", "display_name": "cnn", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "import os\n"
        "from course_utils import data, results\n"
        "cifar = data.load_cifar10()\n"
        "print(os.environ['COURSE_PROFILE'], cifar.source)\n"
        "results.record_result('mean pixel', 0, 1, float(cifar.y_test.mean() / 9), 0.0)\n"
    )]
    nbformat.write(nb, tmp_path / "99_tiny.ipynb")
    out = tmp_path / "out"
    code = fp.main(["--cifar", str(cifar_zip(tmp_path / "c.zip", {"train": 2, "test": 1})),
                    "--notebooks", str(tmp_path / "99_tiny.ipynb"), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "| 99_tiny | mean pixel | 0 | 1 | 0.5000 | 0.0 |" in printed
    executed = nbformat.read(out / "99_tiny.ipynb", as_version=4)
    text = executed.cells[0].outputs[0]["text"]
    assert text.startswith("full Keras-layout archive cifar10.npz (20 train + 10 test")
    assert (out / "results.md").read_text().startswith("Machine: ")
    assert (out / "html" / "99_tiny.html").exists()
    # --inplace (the lecture edition): the notebook itself keeps the outputs, no copy is made
    code = fp.main(["--cifar", str(cifar_zip(tmp_path / "c.zip", {"train": 2, "test": 1})),
                    "--notebooks", str(tmp_path / "99_tiny.ipynb"), "--out",
                    str(tmp_path / "out2"), "--inplace"])
    assert code == 0
    assert not (tmp_path / "out2" / "99_tiny.ipynb").exists()
    stored = nbformat.read(tmp_path / "99_tiny.ipynb", as_version=4)
    assert stored.cells[0].outputs[0]["text"].startswith("full Keras-layout archive cifar10.npz")


def test_execute_serves_data_through_the_full_profile(monkeypatch, tmp_path, capsys):
    from course_utils.tools import run_notebooks

    seen = {}
    monkeypatch.setattr(fp, "main", lambda argv: seen.setdefault("argv", argv) and 0)
    folder = tmp_path / "mnist"
    folder.mkdir()
    assert run_notebooks.execute(["04", "--mnist", str(folder)]) == 0
    assert seen["argv"][0] == f"--mnist={folder}" and "--inplace" in seen["argv"]
    assert seen["argv"][-1].endswith("04_lenet_mnist.ipynb")
    with pytest.raises(SystemExit) as stop:
        run_notebooks.execute(["04", "--mnist", str(folder), "--profile", "quick"])
    assert stop.value.code == 2
    assert "use them with --profile full" in capsys.readouterr().err
