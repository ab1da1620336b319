"""Training speed of the course's small ResNet (``models.cifar_resnet`` at its default widths,
twice those of notebook 05's deeper model) with TensorFlow's oneDNN kernels on and off.

    cnn-course bench-training [--images 5120] [--repeats 2]

Each setting runs in a fresh process (``TF_ENABLE_ONEDNN_OPTS`` is read when TensorFlow is
imported) with the course's seeding and op determinism (``config.seed_everything``), builds
``models.cifar_resnet``, compiles it with notebook 05's recipe (``training.compile_recipe``,
the full profile's batch size), trains one warm-up epoch on 1,024
images and times one epoch on ``--images`` images (uniform noise: the speed of a convolution does
not depend on the pixel values). It prints images per second, the seconds a 36,000-image epoch
(the full profile) would take, and a checksum of the trained weights: equal checksums across the
repeats of a setting mean two runs trained the same weights (they should be: ``config``'s
``seed_everything`` runs one op at a time; ``tests/test_determinism.py`` is the check).

On a shared 2-core virtual machine the speed of a run can halve when the host is busy; the
table shows every repeat, so a slow repeat is visible instead of averaged away.
"""

from __future__ import annotations

import os
import subprocess
import sys

from ..cli import positive_number, tool_parser

CHILD = """
import time
import numpy as np
from course_utils import config
config.seed_everything(0)
import keras
from course_utils import training
from course_utils.models import lecture
n = {images}
rng = np.random.default_rng(0)
x = rng.random((n, 32, 32, 3), dtype=np.float32)
y = keras.utils.to_categorical(rng.integers(0, 10, n), 10)
model = lecture.cifar_resnet(mean=[0.5] * 3, std=[0.29] * 3, seed=0)
batch, _, _ = training.compile_recipe(model, 36_000, epochs=1)  # the full profile's batch size
model.fit(x[:1024], y[:1024], batch_size=batch, epochs=1, verbose=0)
start = time.perf_counter()
model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
seconds = time.perf_counter() - start
checksum = sum(float(np.abs(w).sum()) for w in model.get_weights())
print(f"RESULT {{n / seconds:.1f}} {{checksum:.6f}}")
"""


def run_setting(onednn: str, images: int) -> tuple[float, str]:
    """Train in a fresh process with ``TF_ENABLE_ONEDNN_OPTS=onednn``: (images/s, checksum)."""
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-c", CHILD.format(images=images)],
                         env=env, capture_output=True, text=True, check=True).stdout
    line = next(row for row in out.splitlines() if row.startswith("RESULT"))
    _, speed, checksum = line.split()
    return float(speed), checksum


def main(argv: list[str] | None = None) -> int:
    """``cnn-course bench-training [--images N] [--repeats N]``: print the table."""
    parser = tool_parser("bench-training", __doc__)
    parser.add_argument("--images", type=positive_number, default=5120,
                        help="images in the timed epoch")
    parser.add_argument("--repeats", type=positive_number, default=2,
                        help="fresh processes per setting")
    args = parser.parse_args(argv)
    args.images, args.repeats = int(args.images), int(args.repeats)
    print(f"{'oneDNN':<8}{'repeat':>7}{'images/s':>10}{'36k epoch (s)':>15}  weights checksum")
    for onednn, label in (("1", "on"), ("0", "off")):
        for repeat in range(1, args.repeats + 1):
            speed, checksum = run_setting(onednn, args.images)
            print(f"{label:<8}{repeat:>7}{speed:>10.0f}{36000 / speed:>15.0f}  {checksum}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
