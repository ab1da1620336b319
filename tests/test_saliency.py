"""course_utils.saliency: filters, feature maps, receptive fields, maximally activating patches,
occlusion and Grad-CAM; dilation kept by receptive_field_of."""

import keras
import matplotlib
import numpy as np
import pytest

from course_utils import saliency
from course_utils.models import efficientnet as eff
from course_utils.receptive_field import measure_receptive_field, receptive_field

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def lite0_64():
    keras.utils.set_random_seed(0)
    return eff.efficientnet_lite0(include_top=False, weights=None, input_shape=(64, 64, 3))


def box_model():
    """(8, 8, 1) → 3×3 'same' conv ('conv', 1 channel: window sum + centre) → GAP → Dense(2)."""
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(1, 3, padding="same", use_bias=False, name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(2, name="out")(x)
    model = keras.Model(inputs, outputs)
    kernel = np.ones((3, 3, 1, 1))
    kernel[1, 1] = 2.0  # the unit centred on a bright pixel responds most
    model.get_layer("conv").set_weights([kernel])
    model.get_layer("out").set_weights([np.array([[2.0, -1.0]]), np.zeros(2)])
    return model


def test_first_layer_filters_are_rescaled_kernels(lite0_64):
    filters = saliency.first_layer_filters(lite0_64)
    assert filters.shape == (32, 3, 3, 3)
    assert filters.min() == 0.0 and np.allclose(filters.max(axis=(1, 2, 3)), 1.0)
    no_conv = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no Conv2D layer"):
        saliency.first_layer_filters(no_conv)


def test_feature_maps_shapes(lite0_64):
    layers = ["stem_activation", "block3b_add"]
    maps = saliency.feature_maps(lite0_64, np.zeros((64, 64, 3)), layers)
    assert maps["stem_activation"].shape == (32, 32, 32)
    assert maps["block3b_add"].shape == (8, 8, 40)
    with pytest.raises(ValueError, match="one image"):
        saliency.feature_maps(lite0_64, np.zeros((1, 64, 64, 3)), ["stem_activation"])
    with pytest.raises(ValueError, match="no layer 'nope'"):
        saliency.feature_maps(lite0_64, np.zeros((64, 64, 3)), ["nope"])


@pytest.mark.parametrize("layer, size, jump", [("stem_activation", 3, 2), ("block2b_add", 19, 4),
                                               ("block3b_add", 67, 8)])
def test_receptive_field_of_efficientnet(lite0_64, layer, size, jump):
    field = saliency.receptive_field_of(lite0_64, layer)
    assert (field.size, field.jump) == (size, jump)


def test_receptive_field_of_keeps_dilation_and_uses_the_shared_reader():
    model = keras.Sequential([keras.Input((16, 16, 1)),
                              keras.layers.Conv2D(1, 3, dilation_rate=2, name="dilated"),
                              keras.layers.Conv2D(1, 3, name="plain")])
    field = saliency.receptive_field_of(model, "dilated")
    assert (field.size, field.dilation, field.out_size) == (5, 2, 12)
    assert saliency.receptive_field_of(model, "plain").size == 7
    assert field == receptive_field(model)[0]
    with pytest.raises(ValueError, match="has no layer 'nope'"):
        saliency.receptive_field_of(model, "nope")


@pytest.mark.slow
def test_receptive_field_agrees_with_gradients(lite0_64):
    """The computed field of a unit contains every pixel whose gradient is non-zero."""
    field = saliency.receptive_field_of(lite0_64, "block2b_add")
    measured = measure_receptive_field(lite0_64, "block2b_add", position=(5, 7), n_samples=4)
    assert measured.rows == field.bounds(5, 64)
    assert measured.cols == field.bounds(7, 64)


def test_max_activating_patches_find_the_bright_spot():
    model = box_model()
    images = np.zeros((4, 8, 8, 1), dtype="float32")
    images[2, 5, 1] = 9.0  # the brightest spot, in image 2
    images[0, 0, 0] = 4.0  # a dimmer one at a corner, in image 0
    patches = saliency.max_activating_patches(model, "conv", images, channel=0, n_patches=2)
    assert [p.image_index for p in patches] == [2, 0]
    assert (patches[0].row, patches[0].col, patches[0].activation) == (5, 1, pytest.approx(18.0))
    assert patches[0].pixels.shape == (3, 3, 1)
    # the 3×3 field of the best unit is centred on the spot; at the corner the outside is grey
    assert patches[0].pixels[1, 1, 0] == 9.0 and patches[0].pixels.sum() == 9.0
    assert (patches[1].pixels[0, :, 0] == 127.0).all() and patches[1].pixels[1, 1, 0] == 4.0
    with pytest.raises(ValueError, match="channel must be"):
        saliency.max_activating_patches(model, "conv", images, channel=1)
    with pytest.raises(ValueError, match="n_patches"):
        saliency.max_activating_patches(model, "conv", images, channel=0, n_patches=5)


def test_occlude_copies_and_clips():
    image = np.zeros((6, 6, 3))
    out = saliency.occlude(image, 4, 4, 3, fill=1.0)
    assert out[4:, 4:].min() == 1.0 and out.sum() == 2 * 2 * 3 and image.sum() == 0
    with pytest.raises(ValueError, match="patch_size"):
        saliency.occlude(image, 0, 0, 0)
    with pytest.raises(ValueError, match="one image"):
        saliency.occlude(np.zeros((6, 6)), 0, 0, 2)


class TopLeftBrightness:
    """A stand-in model: score 0 = mean of the top-left 4×4 pixels, score 1 = 0."""

    def predict(self, batch, batch_size=None, verbose=0):
        score = batch[:, :4, :4].mean(axis=(1, 2, 3))
        return np.stack([score, np.zeros_like(score)], axis=1)


def test_occlusion_map_drops_where_the_evidence_is():
    image = np.zeros((8, 8, 1), dtype="float32")
    image[:4, :4] = 200.0
    scores = saliency.occlusion_map(TopLeftBrightness(), image, 0, patch_size=4, stride=2, fill=0)
    assert scores.shape == (3, 3)
    assert scores[0, 0] == 0.0  # the whole bright square hidden
    assert scores[2, 2] == 200.0  # bottom-right hidden: nothing changes
    assert scores[0, 1] == 100.0
    with pytest.raises(ValueError, match="class_index"):
        saliency.occlusion_map(TopLeftBrightness(), image, 5, patch_size=4, stride=2)
    with pytest.raises(ValueError, match="stride"):
        saliency.occlusion_map(TopLeftBrightness(), image, 0, patch_size=4, stride=0)
    with pytest.raises(ValueError, match="patch_size"):
        saliency.occlusion_map(TopLeftBrightness(), image, 0, patch_size=9, stride=1)


def test_grad_cam_from_by_hand():
    maps = np.zeros((2, 2, 2))
    maps[0, 0, 0], maps[1, 1, 1] = 1.0, 3.0
    gradients = np.zeros((2, 2, 2))
    gradients[..., 0], gradients[..., 1] = 2.0, -1.0  # α = (2, −1)
    cam = saliency.grad_cam_from(maps, gradients)
    np.testing.assert_allclose(cam, [[1.0, 0.0], [0.0, 0.0]])  # ReLU drops −3, max → 1
    assert saliency.grad_cam_from(maps, np.zeros_like(maps)).max() == 0.0
    with pytest.raises(ValueError, match="same shape"):
        saliency.grad_cam_from(maps, gradients[0])


def test_grad_cam_of_a_linear_head():
    """GAP + Dense: ∂y_k/∂A_c = w_ck / (h·w) everywhere, so Grad-CAM ∝ ReLU(w_k · A)."""
    model = box_model()
    image = np.random.default_rng(0).uniform(0, 1, (8, 8, 1)).astype("float32")
    conv_maps = saliency.feature_maps(model, image, ["conv"])["conv"]
    cam = saliency.grad_cam(model, image, 0, "conv")
    np.testing.assert_allclose(cam, conv_maps[..., 0] / conv_maps.max(), rtol=1e-5)
    assert saliency.grad_cam(model, image, 1, "conv").max() == 0.0  # negative weight → ReLU → 0
    with pytest.raises(ValueError, match="class_index"):
        saliency.grad_cam(model, image, 2, "conv")
