"""The pytest plugin for validating the course notebooks with nbval (``-p`` this module).

Loaded by the clone's test run (``tests/conftest.py`` imports it) and by ``cnn-course test``
outside a clone:

- notebooks are validated in the ``quick`` profile unless ``COURSE_PROFILE`` says otherwise, and
  offline: ``COURSE_OFFLINE=1`` (set before anything is imported, so nbval's kernels inherit it)
  makes ``config.setup`` and ``data`` use bundled data and never try the network;
- nbval does not compare stderr: TensorFlow and Keras write warnings there that change with the
  library version and the machine, never teaching content. What nbval compares is further
  sanitised by :data:`SANITIZE` (timings, memory addresses, temporary paths).
"""

from __future__ import annotations

import os
from pathlib import Path

SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")

os.environ.setdefault("COURSE_PROFILE", "quick")
os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


def without_stderr(outputs: list) -> list:
    """The outputs of a cell minus its stderr stream."""
    return [
        o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
    ]


def _skip_stderr_in_nbval() -> None:
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval comes with the [dev] extra
        return
    if getattr(IPyNbCell.compare_outputs, "skips_stderr", False):
        return
    compare = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        return compare(self, without_stderr(test), without_stderr(ref), skip_compare)

    compare_outputs.skips_stderr = True
    IPyNbCell.compare_outputs = compare_outputs


_skip_stderr_in_nbval()
