"""course_utils.conv.equivariance_error / invariance_error: what a move does to a map f."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import conv

SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])


def sobel(image: np.ndarray) -> np.ndarray:
    return conv.correlate2d(image, SOBEL_X, padding="same")


def centred_square() -> np.ndarray:
    image = np.zeros((16, 16))
    image[5:10, 5:10] = 1.0                    # far from the borders
    return image


def test_a_convolution_is_equivariant_away_from_the_borders():
    image = centred_square()
    assert conv.equivariance_error(sobel, image, 2, 3) == 0.0
    assert conv.equivariance_error(sobel, image, -1, -4) == 0.0
    assert conv.invariance_error(sobel, image, 0, 1) > 0.5          # but not invariant


def test_ink_pushed_out_of_the_frame_breaks_equivariance():
    image = centred_square()
    assert conv.equivariance_error(sobel, image, 0, 8) > 0          # the square hits the border


def test_a_dense_map_is_not_equivariant():
    weights = np.random.default_rng(0).normal(size=(256, 256)) / 16

    def dense(image: np.ndarray) -> np.ndarray:
        return (image.reshape(-1) @ weights).reshape(16, 16)

    assert conv.equivariance_error(dense, centred_square(), 0, 1) > 0.5


def test_global_max_is_invariant_and_the_values_match_the_formula():
    image = centred_square()
    assert conv.invariance_error(lambda x: x.max(keepdims=True), image, 3, 3) == 0.0
    # a map that does not overlap its moved copy: ‖Sx − x‖ / ‖x‖ = √2
    assert conv.invariance_error(lambda x: x, image, 0, 5) == pytest.approx(np.sqrt(2))
    moved = conv.translate(image, 1, 0)
    want = np.linalg.norm(moved - image) / np.linalg.norm(image)
    assert conv.invariance_error(lambda x: x, image, 1, 0) == pytest.approx(want)
    # the identity commutes with every move that keeps the content in the frame
    assert conv.equivariance_error(lambda x: x, image, 1, 0) == 0.0


def test_channels_move_together():
    volume = np.stack([centred_square(), 2 * centred_square()], axis=-1)      # (16, 16, 2)
    assert conv.equivariance_error(lambda x: np.maximum(x, 0), volume, 1, 1) == 0.0


def test_bad_input():
    with pytest.raises(ValueError, match="zero everywhere"):
        conv.equivariance_error(sobel, np.zeros((8, 8)), 0, 1)
    with pytest.raises(ValueError, match="must be a map"):
        conv.equivariance_error(lambda x: x.sum(keepdims=True).ravel(), centred_square(), 0, 1)
    with pytest.raises(ValueError, match="has shape"):
        conv.invariance_error(_shape_changes, centred_square(), 0, 1)
    with pytest.raises(ValueError, match="whole numbers"):
        conv.invariance_error(lambda x: x, centred_square(), 0.5, 0)


def _shape_changes(image: np.ndarray) -> np.ndarray:
    """A response whose size depends on the input: column 5 holds ink before the move only."""
    return image if image[:, 5].any() else image[:4]
