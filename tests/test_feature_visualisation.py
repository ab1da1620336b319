"""course_utils.feature_visualisation: filters, feature maps, receptive fields (dilation kept),
maximally activating patches, patterns made by gradient ascent."""

import keras
import matplotlib
import numpy as np
import pytest

from course_utils import feature_visualisation as fv
from course_utils.receptive_field import measure_receptive_field, receptive_field
from tests.conftest import box_model

matplotlib.use("Agg")


def test_first_layer_filters_are_rescaled_kernels(lite0_64):
    filters = fv.first_layer_filters(lite0_64)
    assert filters.shape == (32, 3, 3, 3)
    assert filters.min() == 0.0 and np.allclose(filters.max(axis=(1, 2, 3)), 1.0)
    no_conv = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no Conv2D layer"):
        fv.first_layer_filters(no_conv)


def test_feature_maps_shapes(lite0_64):
    layers = ["stem_activation", "block3b_add"]
    maps = fv.feature_maps(lite0_64, np.zeros((64, 64, 3)), layers)
    assert maps["stem_activation"].shape == (32, 32, 32)
    assert maps["block3b_add"].shape == (8, 8, 40)
    with pytest.raises(ValueError, match="one image"):
        fv.feature_maps(lite0_64, np.zeros((1, 64, 64, 3)), ["stem_activation"])
    with pytest.raises(ValueError, match="no layer 'nope'"):
        fv.feature_maps(lite0_64, np.zeros((64, 64, 3)), ["nope"])


@pytest.mark.parametrize("layer, size, jump", [("stem_activation", 3, 2), ("block2b_add", 19, 4),
                                               ("block3b_add", 67, 8)])
def test_receptive_field_of_efficientnet(lite0_64, layer, size, jump):
    field = fv.receptive_field_of(lite0_64, layer)
    assert (field.size, field.jump) == (size, jump)


def test_receptive_field_of_keeps_dilation_and_uses_the_shared_reader():
    model = keras.Sequential([keras.Input((16, 16, 1)),
                              keras.layers.Conv2D(1, 3, dilation_rate=2, name="dilated"),
                              keras.layers.Conv2D(1, 3, name="plain")])
    field = fv.receptive_field_of(model, "dilated")
    assert (field.size, field.dilation, field.out_size) == (5, 2, 12)
    assert fv.receptive_field_of(model, "plain").size == 7
    assert field == receptive_field(model)[0]
    with pytest.raises(ValueError, match="has no layer 'nope'"):
        fv.receptive_field_of(model, "nope")


@pytest.mark.slow
def test_receptive_field_agrees_with_gradients(lite0_64):
    """The computed field of a unit contains every pixel whose gradient is non-zero."""
    field = fv.receptive_field_of(lite0_64, "block2b_add")
    measured = measure_receptive_field(lite0_64, "block2b_add", position=(5, 7), n_samples=4)
    assert measured.rows == field.bounds(5, 64)
    assert measured.cols == field.bounds(7, 64)


def test_max_activating_patches_find_the_bright_spot():
    model = box_model()
    images = np.zeros((4, 8, 8, 1), dtype="float32")
    images[2, 5, 1] = 9.0  # the brightest spot, in image 2
    images[0, 0, 0] = 4.0  # a dimmer one at a corner, in image 0
    patches = fv.max_activating_patches(model, "conv", images, channel=0, n_patches=2,
                                              exclude_border=False)
    assert [p.image_index for p in patches] == [2, 0]
    assert (patches[0].row, patches[0].col, patches[0].activation) == (5, 1, pytest.approx(18.0))
    assert patches[0].pixels.shape == (3, 3, 1)
    # the 3×3 field of the best unit is centred on the spot; at the corner the outside is grey
    assert patches[0].pixels[1, 1, 0] == 9.0 and patches[0].pixels.sum() == 9.0
    assert (patches[1].pixels[0, :, 0] == 127.0).all() and patches[1].pixels[1, 1, 0] == 4.0
    with pytest.raises(ValueError, match="channel must be"):
        fv.max_activating_patches(model, "conv", images, channel=1)
    with pytest.raises(ValueError, match="n_patches"):
        fv.max_activating_patches(model, "conv", images, channel=0, n_patches=5)


def test_interior_units_exclude_fields_that_reach_past_the_image(lite0_64):
    field = fv.receptive_field_of(lite0_64, "block2b_add")  # 19 px, jump 4, start 3
    inner = fv.interior_units(field, 64)
    centres = field.start + inner * field.jump
    assert centres.min() - 9 >= 0 and centres.max() + 9 <= 63
    assert inner.min() == 2 and inner.max() == 12  # 3 + 4·1 − 9 < 0; 3 + 4·13 + 9 > 63
    row = fv.receptive_field_of(lite0_64, "block4c_add")  # 147 px > 64: none inside
    assert fv.interior_units(row, 64).size == 0


def test_max_activating_patches_skip_border_units():
    model = box_model()
    images = np.zeros((2, 8, 8, 1), dtype="float32")
    images[0, 0, 0] = 9.0  # brightest, but at the corner: the unit there sees padding
    images[1, 4, 4] = 5.0  # inside: its unit gets 2·5 = 10 > 9 (unit (1, 1) sees the corner once)
    inside = fv.max_activating_patches(model, "conv", images, 0, n_patches=2)
    assert (inside[0].image_index, inside[0].row, inside[0].col) == (1, 4, 4)
    assert (inside[0].pixels != 127.0).all()  # no grey: the field is inside the image
    everywhere = fv.max_activating_patches(model, "conv", images, 0, n_patches=2,
                                                 exclude_border=False)
    assert (everywhere[0].image_index, everywhere[0].row, everywhere[0].col) == (0, 0, 0)
    acts = fv.feature_maps(model, images[0], ["conv"])["conv"][None]
    with pytest.raises(ValueError, match="activations"):
        fv.max_activating_patches(model, "conv", images, 0, 1, activations=acts)


@pytest.mark.slow
def test_filter_patterns_raise_their_channel(lite0_64):
    before = fv.feature_maps(lite0_64, np.full((64, 64, 3), 127.0), ["block2b_add"])
    patterns = fv.filter_patterns(lite0_64, "block2b_add", [0, 5], size=64, steps=5)
    assert patterns.shape == (2, 64, 64, 3) and patterns.min() >= 0 and patterns.max() <= 255
    after = [fv.feature_maps(lite0_64, p, ["block2b_add"])["block2b_add"] for p in patterns]
    for k, c in enumerate([0, 5]):
        assert after[k][2:-2, 2:-2, c].mean() > before["block2b_add"][2:-2, 2:-2, c].mean()
    with pytest.raises(ValueError, match="channels"):
        fv.filter_patterns(lite0_64, "block2b_add", [24])


def test_activations_is_the_layer_output_for_a_batch():
    model = box_model()
    images = np.random.default_rng(1).uniform(0, 1, (3, 8, 8, 1)).astype("float32")
    acts = fv.activations(model, "conv", images)
    assert acts.shape == (3, 8, 8, 1)
    np.testing.assert_allclose(acts[1], fv.feature_maps(model, images[1], ["conv"])["conv"],
                               rtol=1e-6)
    with pytest.raises(ValueError, match="images"):
        fv.activations(model, "conv", images[0])


def test_patches_grid_ranks_each_channel_left_to_right():
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    patch = fv.Patch(0, 0, 0, 1.0, rng.uniform(0, 255, (5, 5, 3)))
    fig = fv.patches_grid({"ch 0": [patch, patch], "ch 1": [patch]})
    assert len(fig.axes) == 4 and fig.axes[0].get_title() == "1.0"
    assert not fig.axes[3].axison  # ch 1 has one patch: its second panel stays empty
    with pytest.raises(ValueError, match="at least one channel's patches, got none"):
        fv.patches_grid({})
    plt.close("all")
