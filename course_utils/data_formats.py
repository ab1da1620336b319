"""The files the data loaders read, and the two errors of the data layer.

- a **CIFAR-10 archive**: a zip of 32×32 images laid out as ``<train|test>/<class>/<name>.jpg``
  (the bundled ``data/cifar10_jpeg_12k.zip``, or a full-size one): :func:`read_cifar10_archive`;
- a **Keras-layout archive**: an ``.npz`` with the keys of Keras' ``mnist.npz`` (``x_train``,
  ``y_train``, ``x_test``, ``y_test``) and ``origin``: :func:`read_keras_layout`;
- an **image file** (PNG, JPEG): :func:`load_png`.

Readers only: where a file comes from, and its hash check, are :mod:`course_utils.data`'s.
No TensorFlow import here; ``.npz`` files are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np

__all__ = [
    "CIFAR10_CLASSES",
    "DataIntegrityError",
    "DataUnavailableError",
    "load_png",
    "read_cifar10_archive",
    "read_keras_layout",
]

# the class folders of a CIFAR-10 archive, in Keras' label order (label = index)
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)


class DataUnavailableError(FileNotFoundError):
    """No source of a data set can be reached here (says which data set and how to get it)."""


class DataIntegrityError(ValueError):
    """A bundled or cached file does not have the SHA-256 it should have."""


def load_png(path: str | Path) -> np.ndarray:
    """An image file as a uint8 array: (H, W) grey or (H, W, 3) RGB."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB") if im.mode not in ("L", "RGB") else im)


def read_keras_layout(path: str | Path) -> tuple[tuple[tuple[np.ndarray, np.ndarray], ...], str]:
    """``((x_train, y_train), (x_test, y_test)), origin`` of a Keras-layout ``.npz``.

    ``x_*``: (N, H, W[, 3]) uint8, ``y_*``: (N,) labels, as ``keras.datasets.*.load_data()``
    returns them; ``origin``: the string the file stores under ``origin`` (the archive it was
    made from), else "unknown origin".
    """
    with np.load(path, allow_pickle=False) as f:
        train, test = (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    return (train, test), keras_layout_origin(path)


def keras_layout_origin(path: str | Path) -> str:
    """What a Keras-layout ``.npz`` says it was made from (its ``origin`` entry: the archive and
    how its test split was made), else "unknown origin"; reads only that entry."""
    with np.load(path, allow_pickle=False) as f:
        return str(f["origin"]) if "origin" in f.files else "unknown origin"


_ARCHIVE_ENTRY = re.compile(r"^(?:[^/]+/)*?(train|test)/([a-z]+)/[^/]+\.(?:jpe?g|png)$", re.I)


def read_cifar10_archive(path: str | Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Decode a zip of CIFAR-10 images laid out as ``<split>/<class>/<name>.jpg``.

    ``split`` is ``train`` or ``test``; ``class`` one of :data:`CIFAR10_CLASSES` (its index is
    the label, Keras' order). Returns ``{split: (x (N, 32, 32, 3) uint8, y (N,) int64)}`` with
    the images in file-name order (sorted). Raises ValueError naming the entry when a file is
    not in that layout or not a 32x32 image, and :class:`DataIntegrityError` when the zip
    itself is damaged.
    """
    from PIL import Image

    images: dict[str, list[np.ndarray]] = {}
    labels: dict[str, list[int]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if info.is_dir():
                    continue
                match = _ARCHIVE_ENTRY.match(info.filename)
                if match is None or match.group(2).lower() not in CIFAR10_CLASSES:
                    raise ValueError(
                        f"{path}: entry {info.filename!r} is not <train|test>/<class>/<name>.jpg "
                        f"with a class in {CIFAR10_CLASSES}"
                    )
                with Image.open(io.BytesIO(archive.read(info))) as im:
                    pixels = np.asarray(im.convert("RGB"))
                if pixels.shape != (32, 32, 3):
                    raise ValueError(f"{path}: {info.filename} is {pixels.shape}, not (32, 32, 3)")
                split = match.group(1).lower()
                images.setdefault(split, []).append(pixels)
                labels.setdefault(split, []).append(CIFAR10_CLASSES.index(match.group(2).lower()))
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise DataIntegrityError(f"{path} is not a readable zip archive: {exc}") from exc
    if not images:
        raise ValueError(f"{path}: no <train|test>/<class>/<name>.jpg images in it")
    return {split: (np.stack(images[split]), np.array(labels[split], dtype=np.int64))
            for split in sorted(images, key=("train", "test").index)}
