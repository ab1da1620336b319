"""course_utils.saliency: occlusion maps and their extents, Grad-CAM, the deletion test, the heat
maps drawn over an image."""

import matplotlib
import numpy as np
import pytest

from course_utils import feature_visualisation as fv
from course_utils import saliency
from tests.conftest import box_model

matplotlib.use("Agg")


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
    raw = saliency.grad_cam_from(maps, gradients, normalise=False)
    np.testing.assert_allclose(raw, [[2.0, 0.0], [0.0, 0.0]])  # α·A = 2·1 at (0, 0), unscaled
    with pytest.raises(ValueError, match="same shape"):
        saliency.grad_cam_from(maps, gradients[0])


def test_grad_cam_of_a_linear_head():
    """GAP + Dense: ∂y_k/∂A_c = w_ck / (h·w) everywhere, so Grad-CAM ∝ ReLU(w_k · A)."""
    model = box_model()
    image = np.random.default_rng(0).uniform(0, 1, (8, 8, 1)).astype("float32")
    conv_maps = fv.feature_maps(model, image, ["conv"])["conv"]
    cam = saliency.grad_cam(model, image, 0, "conv")
    np.testing.assert_allclose(cam, conv_maps[..., 0] / conv_maps.max(), rtol=1e-5)
    raw = saliency.grad_cam(model, image, 0, "conv", normalise=False)  # α = 2 / 64 (GAP of 8×8)
    np.testing.assert_allclose(raw, conv_maps[..., 0] * 2 / 64, rtol=1e-5)
    assert saliency.grad_cam(model, image, 1, "conv").max() == 0.0  # negative weight → ReLU → 0
    with pytest.raises(ValueError, match="class_index"):
        saliency.grad_cam(model, image, 2, "conv")


@pytest.mark.parametrize("length, patch, stride", [(128, 32, 8), (128, 16, 8), (224, 56, 14),
                                                   (10, 4, 3), (9, 9, 1), (7, 1, 1)])
def test_occlusion_positions_stay_inside_and_are_centred(length, patch, stride):
    tops = saliency.occlusion_positions(length, patch, stride)
    assert tops[0] >= 0 and tops[-1] + patch <= length  # every square inside the image
    assert np.all(np.diff(tops) == stride)
    uncovered_before, uncovered_after = tops[0], length - (tops[-1] + patch)
    assert uncovered_after < stride and abs(uncovered_before - uncovered_after) <= 1
    with pytest.raises(ValueError, match="patch_size"):
        saliency.occlusion_positions(length, length + 1, stride)
    with pytest.raises(ValueError, match="stride"):
        saliency.occlusion_positions(length, patch, 0)


@pytest.mark.parametrize("shape, patch, stride", [((128, 128, 3), 32, 8), ((128, 96, 3), 16, 8),
                                                  ((10, 10, 1), 4, 3)])
def test_occlusion_extent_puts_each_value_at_the_centre_of_its_square(shape, patch, stride):
    """imshow draws cell (i, j) of an (h, w) map on [left + j·dx, left + (j+1)·dx]: its centre
    must be the centre of the square hidden for that value, top + (patch − 1)/2."""
    rows = saliency.occlusion_positions(shape[0], patch, stride)
    cols = saliency.occlusion_positions(shape[1], patch, stride)
    left, right, bottom, top = saliency.occlusion_extent(shape, patch, stride)
    dx, dy = (right - left) / len(cols), (bottom - top) / len(rows)
    assert dx == dy == stride
    np.testing.assert_allclose(left + (np.arange(len(cols)) + 0.5) * dx, cols + (patch - 1) / 2)
    np.testing.assert_allclose(top + (np.arange(len(rows)) + 0.5) * dy, rows + (patch - 1) / 2)


def test_stretching_a_quarter_square_map_was_11_px_off():
    """The old drawing stretched the 13×13 map over [−0.5, 127.5]: first centre 4.4 px instead
    of 15.5."""
    stretched_first = -0.5 + 0.5 * 128 / 13
    left, right, _, _ = saliency.occlusion_extent((128, 128, 3), 32, 8)
    assert left + 4 == pytest.approx(15.5) and 15.5 - stretched_first == pytest.approx(11.08, 0.01)


def test_occlusion_map_value_sits_where_its_square_was():
    """One bright pixel: the only squares that lower the score are those covering it, and the
    centre of the lowest cell (drawn with occlusion_extent) is within patch/2 of the pixel."""
    image = np.zeros((12, 12, 1), dtype="float32")
    image[9, 2] = 100.0

    class Bright:
        def predict(self, batch, batch_size=None, verbose=0):
            score = batch.max(axis=(1, 2, 3))
            return np.stack([score, -score], axis=1)

    scores = saliency.occlusion_map(Bright(), image, 0, patch_size=3, stride=3, fill=0.0)
    left, right, bottom, top = saliency.occlusion_extent(image.shape, 3, 3)
    i, j = np.unravel_index(np.argmin(scores), scores.shape)
    assert (scores == 0).sum() == 1
    centre = (top + (i + 0.5) * 3, left + (j + 0.5) * 3)
    assert abs(centre[0] - 9) <= 1 and abs(centre[1] - 2) <= 1


def test_occlusion_map_fills_and_softmax():
    image = np.full((8, 8, 1), 50.0, dtype="float32")
    blurred = np.full_like(image, 20.0)
    scores = saliency.occlusion_map(TopLeftBrightness(), image, 0, 4, 4, fill=blurred)
    np.testing.assert_allclose(scores, [[20.0, 50.0], [50.0, 50.0]])
    probs = saliency.occlusion_map(TopLeftBrightness(), image, 0, 4, 4, fill=0.0, softmax=True)
    np.testing.assert_allclose(probs[0, 0], 0.5)  # logits (0, 0) → p = 1/2
    np.testing.assert_allclose(probs[1, 1], 1 / (1 + np.exp(-50.0)))
    with pytest.raises(ValueError, match="fill image"):
        saliency.occlusion_map(TopLeftBrightness(), image, 0, 4, 4, fill=np.zeros((4, 4, 1)))


def test_grid_and_layer_extent_follow_the_receptive_field(lite0_64):
    field = fv.receptive_field_of(lite0_64, "block3b_add")
    left, right, bottom, top = saliency.layer_extent(lite0_64, "block3b_add", (64, 64, 3))
    assert (right - left) / field.out_size == field.jump
    assert left + field.jump / 2 == field.start  # unit 0 drawn on its field's centre
    with pytest.raises(ValueError, match="positive steps"):
        saliency.grid_extent((0, 0), (0, 1), (2, 2))


def test_to_pixels_reads_the_map_as_drawn():
    extent = saliency.occlusion_extent((8, 8, 1), 4, 2)  # 3×3 map, cells of 2 px from 0.5
    values = np.arange(9.0).reshape(3, 3)
    pixels = saliency.to_pixels(values, extent, (8, 8))
    assert pixels.shape == (8, 8)
    assert pixels[0, 0] == 0 and pixels[7, 7] == 8  # beyond the last cell: the nearest one
    assert pixels[3, 3] == values[1, 1] and pixels[2, 5] == values[0, 2]  # centres 1.5, 3.5, 5.5
    with pytest.raises(ValueError, match="map"):
        saliency.to_pixels(np.zeros(3), extent, (8, 8))


def test_deletion_curve_hides_the_top_pixels_in_order():
    image = np.zeros((8, 8, 1), dtype="float32")
    image[:4, :4] = 200.0
    right = np.zeros((8, 8))
    right[:4, :4] = 1.0  # the map that points at the evidence
    wrong = 1.0 - right
    curves = saliency.deletion_curve(TopLeftBrightness(), image, 0, np.stack([right, wrong]),
                                     [0.0, 0.25, 1.0], fill=0.0, softmax=False)
    np.testing.assert_allclose(curves, [[200.0, 0.0, 0.0], [200.0, 200.0, 0.0]])
    half = saliency.deletion_curve(TopLeftBrightness(), image, 0, right, [0.125], 0.0, False)
    assert half.shape == (1, 1) and half[0, 0] == 100.0  # 8 of the 16 bright pixels hidden
    with pytest.raises(ValueError, match="fractions"):
        saliency.deletion_curve(TopLeftBrightness(), image, 0, right, [1.5], 0.0)
    with pytest.raises(ValueError, match="pixel maps"):
        saliency.deletion_curve(TopLeftBrightness(), image, 0, right[:4], [0.5], 0.0)
    with pytest.raises(ValueError, match="class_index"):
        saliency.deletion_curve(TopLeftBrightness(), image, 7, right, [0.5], 0.0)


def test_deletion_auc_is_the_mean_over_the_deleted_share():
    fractions = [0.0, 0.1, 0.3]
    curves = np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    # trapezoids: 0.3·1 / 0.3 = 1; (0.1·0.5 + 0) / 0.3 = 1/6
    np.testing.assert_allclose(saliency.deletion_auc(fractions, curves), [1.0, 1 / 6])
    assert saliency.deletion_auc(fractions, curves[1]).shape == (1,)
    with pytest.raises(ValueError, match="increasing"):
        saliency.deletion_auc([0.2, 0.1], [1.0, 1.0])
    with pytest.raises(ValueError, match=r"curves \(M, 3\)"):
        saliency.deletion_auc(fractions, np.ones((2, 4)))


@pytest.mark.parametrize("k", [1, 7, 40, 300, 1000])
def test_random_regions_delete_one_contiguous_blob_of_k_pixels(k):
    from scipy import ndimage

    regions = saliency.random_regions((30, 40), 25, seed=3)
    assert regions.shape == (25, 30, 40)
    for values in regions:
        top = np.zeros(30 * 40, bool)
        top[np.argsort(-values.ravel(), kind="stable")[:k]] = True
        assert ndimage.label(top.reshape(30, 40))[1] == 1  # one 4-connected piece
    centres = [np.unravel_index(r.argmax(), r.shape) for r in regions]
    assert len(set(centres)) > 15  # the blobs are spread over the image
    np.testing.assert_array_equal(regions, saliency.random_regions((30, 40), 25, seed=3))
    with pytest.raises(ValueError, match="n"):
        saliency.random_regions((30, 40), 0)


def test_deletion_verdict_is_a_rank_test_against_the_random_regions():
    random_aucs = np.linspace(0.3, 0.7, 20)
    assert saliency.deletion_verdict(0.29, random_aucs) == "faithful"
    assert saliency.deletion_verdict(0.3, random_aucs) == "inconclusive"  # ties are not below
    assert saliency.deletion_verdict(0.5, random_aucs) == "no better than random"  # the median
    assert saliency.deletion_verdict(0.9, random_aucs) == "no better than random"
    row = saliency.deletion_summary(0.1, random_aucs)
    assert row == {"AUC": 0.1, "random median": pytest.approx(0.5), "random min": 0.3,
                   "random max": 0.7, "verdict": "faithful"}
    with pytest.raises(ValueError, match="at least 19 random regions"):
        saliency.deletion_verdict(0.1, random_aucs[:10])


def test_a_faithful_map_beats_random_regions_and_a_wrong_one_does_not():
    """End to end on the stand-in: the evidence is the top-left 4×4 corner of a 64×64 image."""
    image = np.zeros((64, 64, 1), dtype="float32")
    image[:4, :4] = 200.0
    right = np.zeros((64, 64))
    right[:4, :4] = 1.0
    fractions = np.linspace(0, 0.5, 101)  # steps of 20 pixels: the 16 evidence pixels at once
    curves = saliency.deletion_curve(TopLeftBrightness(), image, 0,
                                     np.concatenate([np.stack([right, -right]),
                                                     saliency.random_regions((64, 64), 20)]),
                                     fractions, fill=0.0, softmax=False)
    auc = saliency.deletion_auc(fractions, curves / 200.0)
    assert saliency.deletion_verdict(auc[0], auc[2:]) == "faithful"
    assert saliency.deletion_verdict(auc[1], auc[2:]) == "no better than random"


def test_heat_map_scales_are_fixed_and_validated():
    drop = saliency.HeatMap.drop(np.array([[0.2, -0.1]]))
    assert (drop.vmin, drop.vmax, drop.cmap) == (-1.0, 1.0, "RdBu_r")  # centred on zero
    assert (saliency.HeatMap.drop(np.zeros((1, 2)), limit=0.3).vmin,) == (-0.3,)
    with pytest.raises(ValueError, match="positive limit"):
        saliency.HeatMap.drop(np.zeros((1, 2)), limit=0.0)
    cam = saliency.HeatMap.cam(np.zeros((2, 2)))
    assert (cam.vmin, cam.vmax) == (0.0, 1.0)
    assert saliency.HeatMap.cam(np.zeros((2, 2)), vmax=4.0).vmax == 4.0
    with pytest.raises(ValueError, match=r"\(h, w\)"):
        saliency.HeatMap(np.zeros(3))
    with pytest.raises(ValueError, match="vmin < vmax"):
        saliency.HeatMap(np.zeros((2, 2)), vmin=1.0, vmax=1.0)


def test_saliency_grid_draws_each_map_at_its_extent():
    import matplotlib.pyplot as plt

    image = np.zeros((16, 16, 3), dtype=np.uint8)
    extent = (3.5, 11.5, 11.5, 3.5)
    rows = [{"drop": saliency.HeatMap.drop(np.ones((2, 2)), extent),
             "cam": saliency.HeatMap.cam(np.ones((4, 4)))}] * 2
    fig = saliency.saliency_grid([image, image], rows, ["a", "b"])
    axes = fig.axes
    drawn = axes[1].images[-1]
    assert tuple(drawn.get_extent()) == extent and drawn.get_clim() == (-1.0, 1.0)
    assert axes[1].get_xlim() == (-0.5, 15.5)  # the image's frame, not the map's
    assert tuple(axes[2].images[-1].get_extent()) == (-0.5, 15.5, 15.5, -0.5)
    assert fig.get_figwidth() <= 9.6
    plt.close(fig)
    with pytest.raises(ValueError, match="one dict of heat maps per image"):
        saliency.saliency_grid([image], rows)
    with pytest.raises(ValueError, match="the panels"):
        saliency.saliency_grid([image, image], [rows[0], {"other": rows[0]["cam"]}])
