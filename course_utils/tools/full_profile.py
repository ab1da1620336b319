"""Measure the full profile as a user with a network runs it: every notebook on full-size data.

    cnn-course full-profile --cifar PATH/cifar10_jpeg_train50k.zip --mnist PATH/mnist/
    make full-profile CIFAR=PATH/cifar10_jpeg_train50k.zip MNIST=PATH/mnist/
    cnn-course full-profile --cifar ... --mnist ... --dry-run   # only prepare and serve

Inputs (arguments only; the project never reads them from a fixed place):

- ``--cifar``: a zip of CIFAR-10 images laid out ``<split>/<class>/NNNN.jpg`` (as
  ``data/cifar10_jpeg_12k.zip``; decoded by :func:`course_utils.data.read_cifar10_archive`).
  Its ``test/`` images are the test set; without a ``test/`` split, ``--test-size`` (10,000)
  images are held out of the training images, stratified by class, with ``numpy``'s
  ``default_rng(SPLIT_SEED)`` (seed 0). The training images are then put in a fixed random order
  (same seed): Keras' own copy is not sorted by class, and ``validation_split`` takes the last
  images.
- ``--mnist``: a folder with MNIST in the official IDX layout, ``train-images-idx3-ubyte.gz`` and
  ``train-labels-idx1-ubyte.gz``, and ``t10k-*`` if present; without ``t10k-*``, ``--test-size``
  digits are held out the same way (the training digits keep their original order).

Serving: the arrays are written as ``cifar10.npz`` / ``mnist.npz`` in Keras' ``mnist.npz`` layout
(``x_train``, ``y_train``, ``x_test``, ``y_test``; CIFAR labels (N, 1) uint8 as Keras returns them)
to a temporary folder named by ``COURSE_KERAS_DATASETS``. ``course_utils.data``'s Keras path loads
them exactly where it would call ``keras.datasets.*.load_data()`` (same sizes, same code after
it), so the notebooks run unmodified and their source line says "Keras-layout archive". (A
genuine Keras cache cannot be faked: ``keras.utils.get_file`` re-checks the SHA-256 of cached
archives, and rebuilt files never match it.)

Running: each notebook is executed in the ``full`` profile (``COURSE_PROFILE=full``) by
:func:`course_utils.tools.run_notebooks.run_one` (a fresh ``cnn-course`` kernel, cell timeout
``--cell-timeout``), on a copy in ``build/full_profile/`` that keeps the executed outputs (the
HTML goes to ``build/full_profile/html/``). Each notebook records its models with
``course_utils.results.record_result`` into ``build/full_profile/<notebook>.results.jsonl``
(``COURSE_RESULTS_LOG``); the table of all rows is printed and written to
``build/full_profile/results.md`` and ``results.csv``. Exit status 1 if a notebook fails.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import config, data, results
from ..cli import existing_dir, existing_path, notebook_selection, positive_number, tool_parser
from ..validation import is_int
from . import build_dir, run_notebooks

SPLIT_SEED = 0
TEST_SIZE = 10_000
OUT = build_dir() / "full_profile"
IDX_MAGIC = {1: 2049, 3: 2051}  # labels, images


# ----------------------------------------------------------------------------- splitting
def stratified_holdout(y: np.ndarray, n_test: int, seed: int = SPLIT_SEED) -> np.ndarray:
    """Boolean mask (N,) of ``n_test`` examples held out, stratified by the labels ``y`` (N,).

    Class c gets ``n_test * count_c / N`` of them, rounded down, and the remainder goes to the
    classes with the largest fractional parts (ties: lower class first); within a class the
    examples are drawn by ``default_rng(seed)``, class by class in label order.
    """
    y = np.asarray(y).ravel()
    if not is_int(n_test) or not 0 < n_test < len(y):
        raise ValueError(f"n_test must be an integer in [1, {len(y) - 1}], got {n_test!r}")
    classes, counts = np.unique(y, return_counts=True)
    exact = n_test * counts / len(y)
    share = np.floor(exact).astype(int)
    remainder = n_test - share.sum()
    share[np.argsort(-(exact - share), kind="stable")[:remainder]] += 1
    rng = np.random.default_rng(seed)
    held = np.zeros(len(y), dtype=bool)
    for label, k in zip(classes, share, strict=True):
        held[rng.choice(np.flatnonzero(y == label), size=k, replace=False)] = True
    return held


def _split(x: np.ndarray, y: np.ndarray, n_test: int) -> tuple[tuple, tuple]:
    held = stratified_holdout(y, n_test)
    return (x[~held], y[~held]), (x[held], y[held])


# ----------------------------------------------------------------------------- reading
def read_idx(path: Path, ndim: int) -> np.ndarray:
    """A gzipped IDX file (big-endian header: magic, then ``ndim`` sizes) as a uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[:4], "big")
    if magic != IDX_MAGIC[ndim]:
        raise ValueError(f"{path}: IDX magic number {magic}, expected {IDX_MAGIC[ndim]}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    values = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if values.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape}, the file holds {values.size} values")
    return values.reshape(shape)


def prepare_mnist(folder: Path, n_test: int = TEST_SIZE) -> tuple[tuple, tuple, str]:
    """``(x_train, y_train), (x_test, y_test), origin`` from an IDX folder (see module doc)."""
    folder = Path(folder)

    def pair(prefix: str) -> tuple[np.ndarray, np.ndarray] | None:
        images = folder / f"{prefix}-images-idx3-ubyte.gz"
        labels = folder / f"{prefix}-labels-idx1-ubyte.gz"
        if not images.exists() and not labels.exists():
            return None
        if not (images.exists() and labels.exists()):
            raise ValueError(f"{folder}: {images.name} and {labels.name} must both be present")
        x, y = read_idx(images, 3), read_idx(labels, 1)
        if len(x) != len(y):
            raise ValueError(f"{folder}: {len(x)} {prefix} images but {len(y)} labels")
        return x, y

    train = pair("train")
    if train is None:
        raise ValueError(f"{folder}: no train-images-idx3-ubyte.gz / train-labels-idx1-ubyte.gz")
    test = pair("t10k")
    if test is not None:
        return train, test, f"{folder.name}/ (t10k-* test split)"
    train, test = _split(*train, n_test)
    return train, test, (f"{folder.name}/, {n_test:,} test digits held out of train "
                         f"(stratified, seed {SPLIT_SEED})")


def prepare_cifar(archive: Path, n_test: int = TEST_SIZE) -> tuple[tuple, tuple, str]:
    """``(x_train, y_train), (x_test, y_test), origin`` from a CIFAR-layout zip (module doc)."""
    archive = Path(archive)
    splits = data.read_cifar10_archive(archive)
    if "train" not in splits:
        raise ValueError(f"{archive}: no train/<class>/ images")
    x, y = splits["train"]
    if "test" in splits:
        train, test = (x, y), splits["test"]
        how = "test/ split"
    else:
        train, test = _split(x, y, n_test)
        how = f"{n_test:,} test images held out of train (stratified, seed {SPLIT_SEED})"
    order = np.random.default_rng(SPLIT_SEED).permutation(len(train[1]))
    train = (train[0][order], train[1][order])
    as_keras = [(xs, ys.astype(np.uint8).reshape(-1, 1)) for xs, ys in (train, test)]
    return as_keras[0], as_keras[1], f"{archive.name}, {how}"


def write_served(folder: Path, name: str, train: tuple, test: tuple, origin: str) -> Path:
    """``folder/<name>.npz`` in Keras' layout, plus ``origin`` (read by data.load_served)."""
    path = Path(folder) / f"{name}.npz"
    np.savez(path, x_train=train[0], y_train=train[1], x_test=test[0], y_test=test[1],
             origin=np.array(origin))
    return path


def serve(folder: Path, cifar: Path | None, mnist: Path | None,
          n_test: int = TEST_SIZE) -> dict[str, str]:
    """Write the served files for the given inputs into ``folder``; ``{file: description}``."""
    written = {}
    for name, source, prepare in (("cifar10", cifar, prepare_cifar),
                                  ("mnist", mnist, prepare_mnist)):
        if source is None:
            continue
        start = time.perf_counter()
        train, test, origin = prepare(source, n_test)
        path = write_served(folder, name, train, test, origin)
        written[path.name] = (f"{len(train[1]):,} train + {len(test[1]):,} test from {origin} "
                              f"({time.perf_counter() - start:.1f} s)")
    return written


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables (inherited by the notebook kernels), restore them afterwards."""
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# ----------------------------------------------------------------------------- running
def run_notebook(path: Path, out: Path, inplace: bool = False, cell_timeout: int = 3600
                 ) -> tuple[dict[str, str], list[dict]]:
    """Execute ``path`` — in place, or a copy in ``out`` — keeping its outputs (a failed run
    leaves the notebook unchanged: its HTML shows the run); its row and its recorded results."""
    out.mkdir(parents=True, exist_ok=True)
    target = path if inplace else out / path.name
    if not inplace:
        shutil.copyfile(path, target)
    log = out / f"{path.stem}.results.jsonl"
    log.unlink(missing_ok=True)
    with environment(COURSE_RESULTS_LOG=str(log)):
        row = run_notebooks.run_one(target, inplace=True, html_dir=out / "html",
                                    cell_timeout=cell_timeout)
    if row["status"] != "ok" and not inplace:
        target.unlink()  # it still holds the committed outputs
    return row, results.read_results(log)


def results_table(rows: list[tuple[str, dict]]) -> list[list[str]]:
    """Header + one row per recorded model: notebook, model, parameters, epochs, accuracy, min."""
    table = [["notebook", "model", "parameters", "epochs", "test accuracy", "training minutes"]]
    for notebook, r in rows:
        table.append([notebook, r["model"], f"{r['parameters']:,}", str(r["epochs"]),
                      f"{r['test_accuracy']:.4f}", f"{r['training_seconds'] / 60:.1f}"])
    return table


def markdown(table: list[list[str]]) -> str:
    lines = ["| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    lines += ["| " + " | ".join(row) + " |" for row in table[1:]]
    return "\n".join(lines) + "\n"


def machine() -> str:
    """CPU model, core count, Python and TensorFlow versions (for the README's table)."""
    cpu = config.cpu_model()
    try:
        from importlib.metadata import version

        tf = f", TensorFlow {version('tensorflow')}"
    except Exception:  # noqa: BLE001 - only informative
        tf = ""
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}{tf}"


def dry_run_check(cifar: bool, mnist: bool) -> list[str]:
    """Load what is served through course_utils.data, as a notebook would; one line each."""
    lines = []
    for wanted, load in ((cifar, data.load_cifar10), (mnist, data.load_mnist)):
        if wanted:
            start = time.perf_counter()
            ds = load()
            lines.append(f"{ds.name}: train {ds.x_train.shape}, test {ds.x_test.shape} in "
                         f"{time.perf_counter() - start:.2f} s — {ds.source}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("full-profile", __doc__)
    parser.add_argument("--cifar", type=existing_path,
                        help="zip laid out <split>/<class>/NNNN.jpg")
    parser.add_argument("--mnist", type=existing_dir, help="folder with train-*-idx*-ubyte.gz")
    parser.add_argument("--notebooks", nargs="+",
                        help="numbers, paths or 'all' (default: all, the lecture edition)")
    parser.add_argument("--inplace", action="store_true",
                        help="store the outputs in the notebooks (the lecture edition)")
    parser.add_argument("--dry-run", action="store_true",
                        help="prepare and serve the data, load it once, run no notebook")
    parser.add_argument("--test-size", type=int, default=TEST_SIZE,
                        help="examples held out when an input has no test split")
    parser.add_argument("--out", type=Path, default=OUT, help="executed copies, HTML, table")
    parser.add_argument("--cell-timeout", type=positive_number, default=3600,
                        help="seconds per cell")
    args = parser.parse_args(argv)
    if args.cifar is None and args.mnist is None:
        parser.error("give --cifar ARCHIVE and/or --mnist FOLDER")
    chosen = list(args.notebooks or ["all"])
    notebooks = notebook_selection(parser, [] if chosen == ["all"] else chosen)
    with tempfile.TemporaryDirectory(prefix="keras-datasets-") as served:
        print(f"serving in {served} (COURSE_KERAS_DATASETS):")
        for name, what in serve(Path(served), args.cifar, args.mnist, args.test_size).items():
            print(f"  {name}: {what}")
        with environment(COURSE_KERAS_DATASETS=served, COURSE_PROFILE="full"):
            if args.dry_run:
                for line in dry_run_check(args.cifar is not None, args.mnist is not None):
                    print("  " + line)
                return 0
            print(f"profile: full, {len(notebooks)} notebook(s); machine: {machine()}", flush=True)
            runs, recorded = [], []
            for path in notebooks:
                row, rows = run_notebook(path.resolve(), args.out, args.inplace,
                                         int(args.cell_timeout))
                runs.append(row)
                recorded += [(path.stem, r) for r in rows]
                print(f"  {row['notebook']}: {row['status']} in {row['seconds']} s, "
                      f"{len(rows)} result(s); sources: {row['sources']}", flush=True)
    table = results_table(recorded)
    text = markdown(table)
    print("\n" + text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(f"Machine: {machine()}\n\n{text}", encoding="utf-8")
    with open(args.out / "results.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(table)
    failed = [r for r in runs if r["status"] != "ok"]
    for r in failed:
        print(f"FAILED: {r['notebook']}: {r['status']}\n{r.get('report', '')}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
