"""Which pixels of one image matter to a prediction (notebooks 10 and 10b): occlusion maps,
Grad-CAM, the deletion test that scores a map, and the figures that draw them over the image
(:class:`HeatMap`, :func:`saliency_grid`).

Seed 003 "What do CNN see?": saliency maps by occlusion (the African elephant). Grad-CAM
(Selvaraju et al., ICCV 2017) weights the channels of a convolutional layer by the mean gradient
of the class score; the deletion test (Petsiuk et al., BMVC 2018) hides the pixels a map ranks
first and watches the class probability fall. What a unit responds to (filters, feature maps,
maximally activating patches) is :mod:`course_utils.feature_visualisation`.

The measurements take a Keras model whose input is (batch, H, W, C) images.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .feature_visualisation import receptive_field_of
from .probe import cached_probe
from .validation import one_image, positive_int

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "HeatMap",
    "grad_cam",
    "grad_cam_from",
    "grid_extent",
    "layer_extent",
    "occlude",
    "occlusion_extent",
    "occlusion_map",
    "occlusion_positions",
    "saliency_grid",
    "deletion_auc",
    "deletion_curve",
    "deletion_summary",
    "deletion_verdict",
    "random_regions",
    "to_pixels",
]

def occlude(image: Any, top: int, left: int, patch_size: int, fill: float = 127.0) -> np.ndarray:
    """A copy of image (H, W, C) with the square [top, top+patch_size) × [left, left+patch_size)
    set to ``fill`` (grey: the normalised input is then about 0). The square may stick out."""
    image = one_image(image)
    patch_size = positive_int("patch_size", patch_size)
    out = image.astype("float32", copy=True)
    out[max(top, 0) : max(top + patch_size, 0), max(left, 0) : max(left + patch_size, 0)] = fill
    return out


def occlusion_positions(length: int, patch_size: int, stride: int) -> np.ndarray:
    """First pixel (one axis) of every occluding square: ``offset + i·stride``, i = 0 … n − 1.

    n = ⌊(length − patch_size)/stride⌋ + 1 squares fit inside the image; the grid is centred,
    ``offset = ⌊(length − patch_size − (n − 1)·stride)/2⌋``, so the pixels no square covers
    (fewer than ``stride``) are split between the two borders. Square i covers pixels
    ``[top_i, top_i + patch_size)`` and is centred on ``top_i + (patch_size − 1)/2``.
    """
    length = positive_int("length", length)
    stride = positive_int("stride", stride)
    if not 1 <= patch_size <= length:
        raise ValueError(f"patch_size must be between 1 and {length}, got {patch_size}")
    n = (length - patch_size) // stride + 1
    offset = (length - patch_size - (n - 1) * stride) // 2
    return offset + stride * np.arange(n)


def grid_extent(first_centre: tuple[float, float], step: tuple[float, float],
                shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """``imshow`` extent (left, right, bottom, top) that puts cell (i, j) of a (h, w) map at
    pixel (row, col) = ``first_centre + (i, j)·step`` of the image it is drawn on.

    A cell is ``step`` pixels wide, so the map starts half a step before the first centre:
    ``left = c0 − step/2``, ``right = left + w·step`` (the same for rows, top above bottom as
    ``imshow`` with ``origin="upper"`` expects). Image pixel k is drawn on [k − ½, k + ½].
    """
    (r0, c0), (sr, sc), (h, w) = first_centre, step, shape
    if sr <= 0 or sc <= 0 or h < 1 or w < 1:
        raise ValueError(f"expected positive steps and a non-empty shape, got step {step}, "
                         f"shape {shape}")
    left, top = c0 - sc / 2, r0 - sr / 2
    return (float(left), float(left + w * sc), float(top + h * sr), float(top))


def occlusion_extent(image_shape: tuple[int, ...], patch_size: int, stride: int
                     ) -> tuple[float, float, float, float]:
    """Where an :func:`occlusion_map` belongs on its image: each value at the centre of the
    square that was hidden for it (:func:`occlusion_positions`, :func:`grid_extent`).

    Stretching the map over the whole image instead misplaces it by up to
    ``(patch_size − stride)/2`` pixels at the borders (11.5 px for a 32-pixel square moved by 8
    on a 128-pixel image).
    """
    rows = occlusion_positions(int(image_shape[0]), patch_size, stride)
    cols = occlusion_positions(int(image_shape[1]), patch_size, stride)
    half = (patch_size - 1) / 2
    return grid_extent((rows[0] + half, cols[0] + half), (stride, stride), (len(rows), len(cols)))


def layer_extent(model: Any, layer_name: str, image_shape: tuple[int, ...]
                 ) -> tuple[float, float, float, float]:
    """Where a map of ``layer_name`` (e.g. a Grad-CAM) belongs on an image of ``image_shape``:
    unit i at the centre of its receptive field, ``start + i·jump`` (:func:`receptive_field_of`).

    With 'same' padding and stride 2 TensorFlow pads at the end, so unit 0 of EfficientNet's
    last layer is centred on pixel 31, not 15.5 as stretching a 4×4 map over 128 pixels draws it.
    """
    rows = receptive_field_of(model, layer_name, input_size=int(image_shape[0]))
    cols = receptive_field_of(model, layer_name, input_size=int(image_shape[1]))
    return grid_extent((rows.start, cols.start), (rows.jump, cols.jump),
                       (rows.out_size, cols.out_size))


def occlusion_map(
    model: Any,
    image: Any,
    class_index: int,
    patch_size: int,
    stride: int,
    fill: Any = 127.0,
    batch_size: int = 64,
    softmax: bool = False,
) -> np.ndarray:
    """Occlusion saliency (Zeiler & Fergus 2014): the class score with each region hidden.

    A ``patch_size`` square slides over image (H, W, C) with ``stride``, at the positions of
    :func:`occlusion_positions` (all inside the image); entry (i, j) of the returned
    (n_rows, n_cols) map is ``model(occluded image)[class_index]`` (after a softmax over the
    outputs when ``softmax``: pass a logits model and get probabilities). ``fill``: the value of
    the hidden pixels — a number or colour (127: grey), or an image (H, W, C) whose pixels
    replace the hidden ones (e.g. a blurred copy). All occluded copies go through the model in
    batches of ``batch_size``. Draw the map with :func:`occlusion_extent`.
    """
    image = one_image(image).astype("float32")
    if not 1 <= patch_size <= min(image.shape[:2]):
        raise ValueError(f"patch_size must be between 1 and {min(image.shape[:2])}, got "
                         f"{patch_size}")
    stride = positive_int("stride", stride)
    fill = np.asarray(fill, dtype="float32")
    if fill.ndim == 3 and fill.shape != image.shape:
        raise ValueError(f"a fill image must have the image's shape {image.shape}, got "
                         f"{fill.shape}")
    rows = occlusion_positions(image.shape[0], patch_size, stride)
    cols = occlusion_positions(image.shape[1], patch_size, stride)
    batch = np.repeat(image[None], len(rows) * len(cols), axis=0)
    for k, (top, left) in enumerate((t, c) for t in rows for c in cols):
        window = (slice(top, top + patch_size), slice(left, left + patch_size))
        batch[(k, *window)] = fill[window] if fill.ndim == 3 else fill
    scores = np.asarray(model.predict(batch, batch_size=batch_size, verbose=0), dtype="float64")
    n_classes = scores.shape[-1]
    if not 0 <= class_index < n_classes:
        raise ValueError(f"class_index must be between 0 and {n_classes - 1}, got {class_index}")
    if softmax:
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
    return scores[:, class_index].reshape(len(rows), len(cols))


def to_pixels(values: Any, extent: tuple[float, float, float, float],
              image_shape: tuple[int, ...]) -> np.ndarray:
    """A coarse map (h, w) as one value per image pixel (H, W): pixel (r, c) takes the value of
    the cell it lies in when the map is drawn at ``extent`` (:func:`grid_extent`); pixels
    beyond the first or last cell take the nearest cell's value. What the eye reads off the
    figure, as an array (e.g. to rank pixels by importance)."""
    values = np.asarray(values, dtype="float64")
    if values.ndim != 2:
        raise ValueError(f"expected a map (h, w), got shape {values.shape}")
    left, right, bottom, top = extent
    h, w = values.shape
    rows = np.floor((np.arange(int(image_shape[0])) - top) / ((bottom - top) / h)).astype(int)
    cols = np.floor((np.arange(int(image_shape[1])) - left) / ((right - left) / w)).astype(int)
    return values[np.ix_(np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1))]


def _probabilities(model: Any, batch: np.ndarray, class_index: int, softmax: bool) -> np.ndarray:
    """``model.predict(batch)`` → (N,) scores of ``class_index`` (probabilities when
    ``softmax``: the model returns logits)."""
    scores = np.asarray(model.predict(batch, batch_size=32, verbose=0), dtype="float64")
    if not 0 <= class_index < scores.shape[-1]:
        raise ValueError(f"class_index must be between 0 and {scores.shape[-1] - 1}, got "
                         f"{class_index}")
    if softmax:
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
    return scores[:, class_index]


def deletion_curve(model: Any, image: Any, class_index: int, pixel_maps: Any,
                   fractions: Sequence[float], fill: Any, softmax: bool = True) -> np.ndarray:
    """The deletion curve (Petsiuk et al., "RISE", BMVC 2018): the class probability left after
    hiding the pixels a saliency map ranks highest, for a growing share of the image.

    ``pixel_maps``: (M, H, W) or (H, W) pixel importances (:func:`to_pixels`); for fraction f,
    the k = round(f·H·W) pixels with the largest values (ties broken by position) are replaced
    by ``fill`` (a number, a colour or an image (H, W, C), e.g. a blurred copy). One batch of
    M·F images through ``model`` (logits, turned into probabilities when ``softmax``).
    Returns (M, F): the lower and the sooner it falls, the better the map found the evidence.
    Score a curve with :func:`deletion_auc`, and compare with :func:`random_regions`.
    """
    image = one_image(image).astype("float32")
    maps = np.asarray(pixel_maps, dtype="float64")
    maps = maps[None] if maps.ndim == 2 else maps
    if maps.ndim != 3 or maps.shape[1:] != image.shape[:2]:
        raise ValueError(f"expected pixel maps (M, {image.shape[0]}, {image.shape[1]}), got "
                         f"shape {np.shape(pixel_maps)}")
    fractions = np.asarray(fractions, dtype="float64")
    if fractions.ndim != 1 or fractions.size == 0 or fractions.min() < 0 or fractions.max() > 1:
        raise ValueError(f"expected fractions in [0, 1], got {fractions.tolist()}")
    fill = np.broadcast_to(np.asarray(fill, dtype="float32"), image.shape)
    n_pixels = image.shape[0] * image.shape[1]
    counts = np.rint(fractions * n_pixels).astype(int)
    batch = np.repeat(image[None], len(maps) * len(counts), axis=0)
    for m, values in enumerate(maps):
        order = np.argsort(-values.ravel(), kind="stable")
        for f, k in enumerate(counts):
            rows, cols = np.unravel_index(order[:k], image.shape[:2])
            batch[m * len(counts) + f, rows, cols] = fill[rows, cols]
    return _probabilities(model, batch, class_index, softmax).reshape(len(maps), len(counts))


def deletion_auc(fractions: Sequence[float], curves: Any) -> np.ndarray:
    """Area under deletion curves (M, F) or (F,), divided by the span of ``fractions``: the mean
    probability over the deleted share, (1/(f_F − f_1)) ∫ p(f) df by the trapezoid rule.

    In [0, 1] for probabilities; lower = the map's top pixels carry more of the evidence.
    Returns (M,) (a float array of one value for one curve).
    """
    fractions = np.asarray(fractions, dtype="float64")
    curves = np.atleast_2d(np.asarray(curves, dtype="float64"))
    if fractions.ndim != 1 or fractions.size < 2 or not (np.diff(fractions) > 0).all():
        raise ValueError(f"expected at least two increasing fractions, got {fractions.tolist()}")
    if curves.shape[-1] != fractions.size:
        raise ValueError(f"expected curves (M, {fractions.size}), got shape {curves.shape}")
    return np.trapezoid(curves, fractions, axis=-1) / (fractions[-1] - fractions[0])


def random_regions(image_shape: tuple[int, ...], n: int, seed: int = 0) -> np.ndarray:
    """``n`` random contiguous regions as pixel maps (n, H, W), the baseline of the deletion test.

    Map i is minus the distance to a centre drawn uniformly over the image (real coordinates):
    its top k pixels are the k pixels nearest that centre — a disc of exactly k pixels, clipped
    by the image border (a half or quarter disc there), one connected piece for every k. Given
    to :func:`deletion_curve` next to a saliency map, each region hides as many pixels as the
    map does at every fraction, but in one random blob rather than where the map points.
    """
    n = positive_int("n", n)
    h, w = int(image_shape[0]), int(image_shape[1])
    rng = np.random.default_rng(seed)
    centres = rng.uniform((-0.5, -0.5), (h - 0.5, w - 0.5), size=(n, 2))
    rows, cols = np.mgrid[:h, :w]
    return -np.hypot(rows[None] - centres[:, 0, None, None], cols[None] - centres[:, 1, None, None])


def deletion_verdict(auc: float, random_aucs: Any) -> str:
    """The rule of the deletion test: how a map's area under the curve compares with random
    regions' (:func:`random_regions`).

    ``"faithful"`` when the AUC is below every one of the n ≥ 19 random regions' AUCs — a map no
    better than a random region would do that with probability 1/(n + 1) ≤ 5 %; ``"no better
    than random"`` when it is at or above their median; ``"inconclusive"`` in between.
    """
    random_aucs = np.asarray(random_aucs, dtype="float64").ravel()
    if random_aucs.size < 19:
        raise ValueError(f"expected at least 19 random regions (a 5 % rank test), got "
                         f"{random_aucs.size}")
    if auc < random_aucs.min():
        return "faithful"
    return "no better than random" if auc >= np.median(random_aucs) else "inconclusive"


def deletion_summary(auc: float, random_aucs: Any) -> dict[str, Any]:
    """One row of the deletion-test table: the map's AUC, the random regions' median, min and
    max, and :func:`deletion_verdict`."""
    random_aucs = np.asarray(random_aucs, dtype="float64").ravel()
    return {"AUC": float(auc), "random median": float(np.median(random_aucs)),
            "random min": float(random_aucs.min()), "random max": float(random_aucs.max()),
            "verdict": deletion_verdict(auc, random_aucs)}


def grad_cam_from(feature_maps: Any, gradients: Any, normalise: bool = True) -> np.ndarray:
    """Grad-CAM map from a layer's maps A (h, w, C) and the score's gradients ∂y/∂A (h, w, C).

    α_c = mean over (h, w) of ∂y/∂A_c (how much channel c matters for the class);
    map = ReLU(Σ_c α_c A_c), divided by its maximum when ``normalise`` (all zeros stay zeros;
    every map then peaks at 1, however weak) — else in the score's units. Returns (h, w).
    """
    a, g = np.asarray(feature_maps, dtype="float64"), np.asarray(gradients, dtype="float64")
    if a.ndim != 3 or a.shape != g.shape:
        raise ValueError(f"expected feature maps and gradients of the same shape (h, w, C), got "
                         f"{a.shape} and {g.shape}")
    weights = g.mean(axis=(0, 1))
    cam = np.maximum((a * weights).sum(axis=-1), 0.0)
    peak = cam.max()
    return cam / peak if normalise and peak > 0 else cam


def grad_cam(model: Any, image: Any, class_index: int, layer_name: str,
             normalise: bool = True) -> np.ndarray:
    """Grad-CAM of ``class_index`` at the convolutional layer ``layer_name``: (h, w), in [0, 1]
    when ``normalise`` (each map divided by its own maximum), else in logit units (maps of
    several images or classes then share one scale).

    The score y is the model's output for the class; use logits (EfficientNet-Lite0 with
    ``classifier_activation=None``) as Selvaraju et al. do — after a softmax, the gradients of a
    confident class vanish.
    """
    import tensorflow as tf

    image = one_image(image)
    probe = cached_probe(model, (layer_name,), with_output=True)
    x = tf.convert_to_tensor(image[None].astype("float32"))
    with tf.GradientTape() as tape:
        maps, scores = probe(x, training=False)
        if not 0 <= class_index < scores.shape[-1]:
            raise ValueError(f"class_index must be between 0 and {scores.shape[-1] - 1}, got "
                             f"{class_index}")
        score = scores[:, class_index]
    gradients = tape.gradient(score, maps)
    return grad_cam_from(maps[0].numpy(), gradients[0].numpy(), normalise)


# ----------------------------------------------------------------------------- figures (10)
# matplotlib is imported inside each figure: the maps above are computed without it.
class HeatMap:
    """A saliency map to draw over an image: ``values`` (h, w) placed by ``extent``.

    ``extent``: ``imshow`` (left, right, bottom, top) in image pixels (e.g.
    :func:`occlusion_extent` / :func:`layer_extent`; None: stretched over the
    whole image). ``vmin``/``vmax`` fix the colour scale (the same for every image, so two maps
    can be compared); ``cmap``; ``label`` names the colour bar.
    """

    def __init__(self, values: np.ndarray, extent: tuple[float, float, float, float] | None = None,
                 vmin: float = 0.0, vmax: float = 1.0, cmap: str = "inferno", label: str = "",
                 alpha: float = 0.6) -> None:
        values = np.asarray(values, dtype=float)
        if values.ndim != 2:
            raise ValueError(f"a heat map is (h, w), got shape {values.shape}")
        if not vmin < vmax:
            raise ValueError(f"expected vmin < vmax, got {vmin} and {vmax}")
        self.values, self.extent, self.vmin, self.vmax = values, extent, vmin, vmax
        self.cmap, self.label, self.alpha = cmap, label, alpha

    @classmethod
    def drop(cls, values: np.ndarray, extent: tuple[float, float, float, float] | None = None,
             label: str = "drop of p", limit: float = 1.0) -> HeatMap:
        """An occlusion drop p(image) − p(occluded): diverging colours centred on 0, scale
        [−limit, limit] (red: hiding the square lowers p, blue: raises it); pass the same
        ``limit`` to every map of a column, e.g. their largest |drop|."""
        if not limit > 0:
            raise ValueError(f"expected a positive limit, got {limit}")
        return cls(values, extent, -float(limit), float(limit), "RdBu_r", label)

    @classmethod
    def cam(cls, values: np.ndarray, extent: tuple[float, float, float, float] | None = None,
            label: str = "Grad-CAM", vmax: float = 1.0) -> HeatMap:
        """A Grad-CAM map on [0, vmax]. A normalised map (:func:`grad_cam`) peaks at 1 whatever
        its strength, so a shared scale means something only for unnormalised maps
        (``normalise=False``) drawn with the same ``vmax``, e.g. the largest of a column."""
        return cls(values, extent, 0.0, float(vmax), "inferno", label)


def saliency_grid(images: Sequence[np.ndarray], rows: Sequence[dict[str, HeatMap]],
                  titles: Sequence[str] | None = None, size: float = 2.0) -> Figure:
    """One row per image: the image, then each :class:`HeatMap` drawn over it at its extent
    (nearest-neighbour cells: each value shows where it was measured), one colour bar per
    column (the scales are fixed per column, the same for every row).

    ``images``: R images (H, W[, 3]) 0-255; ``rows``: R dicts {panel title: HeatMap}, the
    same titles in every row; ``titles``: R titles for the image panels.

    Used in notebook 10.
    """
    import matplotlib.pyplot as plt

    from .plotting import fit_width, show_image

    if len(images) == 0 or len(images) != len(rows):
        raise ValueError(f"expected one dict of heat maps per image, got {len(images)} images "
                         f"and {len(rows)} dicts")
    names = list(rows[0])
    if any(list(r) != names for r in rows):
        raise ValueError(f"every row must have the panels {names}")
    n_cols = len(names) + 1
    width, height = fit_width(n_cols, len(images), size=size, aspect=1.12, extra=0.25 * n_cols)
    fig, axes = plt.subplots(len(images), n_cols, figsize=(width, height), squeeze=False,
                             layout="constrained")
    for r, (image, maps) in enumerate(zip(images, rows, strict=True)):
        image = np.asarray(image)
        h, w = image.shape[:2]
        show_image(axes[r][0], image, titles[r] if titles else "input")
        for c, (name, heat) in enumerate(maps.items(), start=1):
            ax = axes[r][c]
            show_image(ax, image, name if r == 0 else "")
            extent = heat.extent or (-0.5, w - 0.5, h - 0.5, -0.5)
            shown = ax.imshow(heat.values, cmap=heat.cmap, vmin=heat.vmin, vmax=heat.vmax,
                              alpha=heat.alpha, extent=extent, interpolation="nearest")
            ax.set_xlim(-0.5, w - 0.5)
            ax.set_ylim(h - 0.5, -0.5)
            if r == len(images) - 1:
                bar = fig.colorbar(shown, ax=axes[:, c], location="bottom", shrink=0.8,
                                   aspect=15)
                bar.set_label(heat.label, fontsize=8)
                bar.ax.tick_params(labelsize=7)
    return fig
