"""EfficientNet-Lite0 (course_utils.models.efficientnet), its bundled weights and class names,
and the conversion scripts' PyTorch-free parts."""

import hashlib
import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import data
from course_utils.models import efficientnet as eff

ROOT = Path(__file__).resolve().parent.parent


def load_script(name: str):
    return importlib.import_module(f"course_utils.tools.{name}")


@pytest.fixture(scope="module")
def random_model():
    return eff.efficientnet_lite0(weights=None, input_shape=(64, 64, 3))


@pytest.fixture(scope="module")
def imagenet_model():
    return eff.efficientnet_lite0(weights="imagenet")


# --- the builder -------------------------------------------------------------------------------


def test_parameter_count_and_shapes(random_model):
    # 4,652,008 trainable (as published for Lite0) + 42,016 BatchNorm moving statistics
    assert random_model.count_params() == 4_694_024
    assert sum(int(np.prod(w.shape)) for w in random_model.trainable_weights) == 4_652_008
    assert random_model.output_shape == (None, 1000)
    assert eff.block_names(random_model) == [
        "block1a", "block2a", "block2b", "block3a", "block3b", "block4a", "block4b", "block4c",
        "block5a", "block5b", "block5c", "block6a", "block6b", "block6c", "block6d", "block7a"]
    assert sum(s.n_repeats for s in eff.STAGES) == 16


def test_lite_architecture_has_relu6_and_no_squeeze_excite(random_model):
    names = [layer.name for layer in random_model.layers]
    assert not any("se_" in n for n in names)
    assert random_model.get_layer("stem_activation").max_value == 6.0
    assert random_model.get_layer("stem_conv").filters == 32
    assert random_model.get_layer("top_conv").filters == 1280
    # a skip connection exactly where a block keeps its shape
    adds = [n for n in names if n.endswith("_add")]
    assert adds == ["block2b_add", "block3b_add", "block4b_add", "block4c_add", "block5b_add",
                    "block5c_add", "block6b_add", "block6c_add", "block6d_add"]


def test_normalisation_layer_maps_0_255_to_about_minus_1_1(random_model):
    layer = random_model.get_layer("normalization")
    out = np.asarray(layer(np.array([[0.0, 127.0, 255.0]], dtype="float32")))
    np.testing.assert_allclose(out, [[-127 / 128, 0.0, 1.0]], atol=1e-6)


@pytest.mark.parametrize("pooling, shape", [(None, (None, 4, 4, 1280)), ("avg", (None, 1280)),
                                            ("max", (None, 1280))])
def test_feature_extractor_shapes(pooling, shape):
    model = eff.efficientnet_lite0(include_top=False, weights=None, input_shape=(128, 128, 3),
                                   pooling=pooling)
    assert model.output_shape == shape


def test_variable_input_size():
    model = eff.efficientnet_lite0(include_top=False, weights=None, input_shape=(None, None, 3))
    assert model.predict(np.zeros((1, 96, 160, 3)), verbose=0).shape == (1, 3, 5, 1280)


@settings(max_examples=6, deadline=None)
@given(side=st.integers(8, 40), stride=st.sampled_from([1, 2]), kernel_size=st.sampled_from([3, 5]))
def test_mbconv_output_size_is_ceil_of_side_over_stride(side, stride, kernel_size):
    import keras

    inputs = keras.Input((side, side, 8))
    out = eff.mbconv_block(inputs, 8, kernel_size, stride, expand_ratio=2, name="t_")
    assert tuple(out.shape) == (None, -(-side // stride), -(-side // stride), 8)


@pytest.mark.parametrize("kwargs, message", [
    ({"weights": "cifar"}, "weights must be"),
    ({"pooling": "sum"}, "pooling must be"),
    ({"classes": 10}, "1000 classes"),
    ({"weights": None, "classes": 0}, "classes must be an integer >= 1, got 0"),
    ({"input_shape": (224, 224, 1)}, r"\(height, width, 3\)"),
    ({"input_shape": (16, 16, 3)}, "at least 32"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        eff.efficientnet_lite0(**kwargs)


def test_unfreeze_top_keeps_batchnorm_frozen(random_model):
    n = eff.unfreeze_top(random_model, "block6a_expand_conv")
    trainable = [layer.name for layer in random_model.layers if layer.trainable and layer.weights]
    assert trainable[0] == "block6a_expand_conv" and "block5c_project_conv" not in trainable
    assert not any(name.endswith("bn") for name in trainable)
    assert n == len(random_model.trainable_weights) > 0
    with pytest.raises(ValueError, match="no layer 'block9a'"):
        eff.unfreeze_top(random_model, "block9a")


def test_resize_images_and_center_crop():
    rgb = np.full((2, 50, 70, 3), 200, dtype=np.uint8)
    out = eff.resize_images(rgb, 32)
    assert out.shape == (2, 32, 32, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, 200.0, atol=1e-3)
    assert eff.resize_images(np.zeros((40, 40)), 32).shape == (1, 32, 32, 3)
    assert eff.resize_images(np.zeros((5, 28, 28)), 32).shape == (5, 32, 32, 3)
    assert eff.center_crop(np.arange(12).reshape(3, 4)).tolist() == [[0, 1, 2], [4, 5, 6],
                                                                      [8, 9, 10]]
    with pytest.raises(ValueError, match="image_size must be"):
        eff.resize_images(rgb, 8)
    with pytest.raises(ValueError, match=r"\(N, H, W, 3\)"):
        eff.resize_images(np.zeros((2, 3, 8, 8, 3)), 32)
    with pytest.raises(ValueError, match="one image"):
        eff.center_crop(np.zeros(5))


# --- the bundled weights and class names --------------------------------------------------------


def test_bundled_weights_hash_matches():
    path = data.verified_path(eff.IMAGENET_WEIGHTS)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert data.bundled_checksums()[eff.IMAGENET_WEIGHTS] == digest


def test_corrupted_weights_are_refused(tmp_path, monkeypatch):
    shutil.copy(data.DATA_DIR / "SHA256SUMS", tmp_path / "SHA256SUMS")
    (tmp_path / eff.IMAGENET_WEIGHTS).write_bytes(b"not the weights")
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    with pytest.raises(data.DataIntegrityError, match="corrupted"):
        eff.efficientnet_lite0()


@pytest.mark.slow
def test_imagenet_top5_on_the_20_photos(imagenet_model):
    photos = data.load_imagenet_samples()
    probs = imagenet_model.predict(photos.images.astype("float32"), verbose=0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    top5 = np.argsort(-probs, axis=1)[:, :5]
    hits = sum(label in row for label, row in zip(photos.labels, top5, strict=True))
    assert hits >= 18, f"true class in the top 5 for only {hits}/20 photos"
    assert (top5[:, 0] == photos.labels).sum() >= 15


@pytest.mark.slow
def test_feature_extractor_shares_the_imagenet_weights(imagenet_model):
    base = eff.efficientnet_lite0(include_top=False, pooling="avg", input_shape=(96, 96, 3))
    np.testing.assert_array_equal(base.get_layer("block7a_dwconv").get_weights()[0],
                                  imagenet_model.get_layer("block7a_dwconv").get_weights()[0])
    coffee, _ = data.load_photo("coffee")
    features = base.predict(eff.resize_images(eff.center_crop(coffee), 96), verbose=0)
    assert features.shape == (1, 1280) and (features >= 0).all() and (features <= 6).all()


@pytest.mark.slow
def test_coffee_photo_is_espresso(imagenet_model):
    coffee, _ = data.load_photo("coffee")
    probs = imagenet_model.predict(eff.resize_images(eff.center_crop(coffee), 224), verbose=0)
    assert data.decode_predictions(probs, top=1)[0][0][1] == "espresso"


def test_imagenet_class_names_and_index():
    names = data.imagenet_class_names()
    index = data.imagenet_class_index()
    assert len(names) == len(index) == 1000
    assert index[0] == ("n01440764", "tench") and names[1] == "goldfish"
    wnids = [wnid for wnid, _ in index]
    assert wnids == sorted(wnids) and len(set(wnids)) == 1000


def test_decode_predictions():
    preds = np.zeros((2, 1000))
    preds[0, [1, 2, 3]] = [0.2, 0.7, 0.1]
    preds[1, 999] = 1.0
    decoded = data.decode_predictions(preds, top=2)
    assert [name for _, name, _ in decoded[0]] == ["great_white_shark", "goldfish"]
    assert decoded[0][0][2] == pytest.approx(0.7)
    assert decoded[1][0][:2] == ("n15075141", "toilet_tissue")  # Keras' names
    with pytest.raises(ValueError, match=r"\(N, 1000\)"):
        data.decode_predictions(np.zeros(1000))
    with pytest.raises(ValueError, match="top must be"):
        data.decode_predictions(preds, top=0)


# --- the scripts (their parts that need no PyTorch and no network) -------------------------------


# the class-index script: tests/test_imagenet_classes.py


class FakeTensor:
    """Stands in for a torch tensor: .detach().cpu().numpy()."""

    def __init__(self, array):
        self.array = np.asarray(array, dtype="float32")

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.array


def test_conversion_mapping_covers_every_layer_once(random_model):
    script = load_script("convert_efficientnet_lite0")
    mapping = script.keras_to_torch_names(random_model)
    assert set(mapping) == {layer.name for layer in random_model.layers if layer.weights}
    assert len(set(mapping.values())) == len(mapping) == 2 + 2 + 1 + 6 * 15 + 4
    assert {p.split(".")[1] for p in mapping.values() if p.startswith("_blocks")} == {
        str(i) for i in range(16)}


def test_conversion_transposes_pytorch_layouts(random_model):
    script = load_script("convert_efficientnet_lite0")
    conv = np.arange(32 * 3 * 3 * 3).reshape(32, 3, 3, 3)  # PyTorch (out, in, kh, kw)
    depthwise = np.arange(96 * 9).reshape(96, 1, 3, 3)  # PyTorch (channels, 1, kh, kw)
    state = {"_conv_stem.weight": FakeTensor(conv),
             "_blocks.1._depthwise_conv.weight": FakeTensor(depthwise),
             "_fc.weight": FakeTensor(np.ones((1000, 1280))),
             "_fc.bias": FakeTensor(np.zeros(1000))}
    (kernel,) = script.torch_tensors_for(random_model.get_layer("stem_conv"), "_conv_stem", state)
    assert kernel.shape == (3, 3, 3, 32) and kernel[1, 2, 0, 5] == conv[5, 0, 1, 2]
    (dw,) = script.torch_tensors_for(random_model.get_layer("block2a_dwconv"),
                                     "_blocks.1._depthwise_conv", state)
    assert dw.shape == (3, 3, 96, 1) and dw[2, 0, 7, 0] == depthwise[7, 0, 2, 0]
    weight, bias = script.torch_tensors_for(random_model.get_layer("predictions"), "_fc", state)
    assert weight.shape == (1280, 1000) and bias.shape == (1000,)
    top_k = script.top_k_hits(np.eye(3), np.array([0, 1, 0]), 1)
    assert top_k == 2
