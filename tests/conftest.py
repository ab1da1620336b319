"""Test configuration, loaded for every pytest run (``-p tests.conftest`` in pyproject.toml).

- Notebooks are validated in the ``quick`` profile unless ``COURSE_PROFILE`` says otherwise.
- nbval does not compare stderr: TensorFlow and Keras write warnings there that change with the
  library version and the machine, never teaching content.
"""

from __future__ import annotations

import os

os.environ.setdefault("COURSE_PROFILE", "quick")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

try:
    from nbval.plugin import IPyNbCell
except ImportError:  # nbval comes with the [dev] extra
    IPyNbCell = None


def without_stderr(outputs: list) -> list:
    """The outputs of a cell minus its stderr stream."""
    return [
        o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
    ]


if IPyNbCell is not None and not getattr(IPyNbCell.compare_outputs, "skips_stderr", False):
    _compare_outputs = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        return _compare_outputs(self, without_stderr(test), without_stderr(ref), skip_compare)

    compare_outputs.skips_stderr = True
    IPyNbCell.compare_outputs = compare_outputs
