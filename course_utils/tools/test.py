"""Run the course's tests: unit tests and nbval of every notebook, in the quick profile.

    cnn-course test              # in a clone: tests/ and notebooks/ (what `make test` runs)
    cnn-course test --fast       # in a clone: unit tests without the slow ones, no notebooks
    cnn-course test 00 03        # nbval of these notebooks only

Outside a clone (an installed wheel: Colab, a JupyterHub image) there are no unit tests to run:
the notebooks shipped in the package are copied to a temporary folder and validated there with
nbval, with the same plugin (:mod:`course_utils.tools.nbval_plugin`) as the clone's test run, in
the ``cnn-course`` kernel where it is registered, else the running Python's own ``python3``.
Extra options after ``--`` go to pytest.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..cli import notebook_selection, tool_parser
from . import clone_root, nbval_plugin

KERNEL = "cnn-course"


def _kernel_name() -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL if KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


def _pytest(args: list[str]) -> int:
    import pytest

    return int(pytest.main(args))


def main(argv: list[str] | None = None) -> int:
    """``cnn-course test [--fast] [NOTEBOOK ...] [-- PYTEST OPTIONS]``: pytest's exit status."""
    parser = tool_parser("test", __doc__)
    parser.add_argument("notebooks", nargs="*", help="numbers (03, 05b) or paths; default: all")
    parser.add_argument("--fast", action="store_true",
                        help="unit tests without the slow ones and no notebooks (a clone only)")
    argv = list(argv or [])
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    os.environ["COURSE_PROFILE"] = "quick"
    root = clone_root()
    if args.fast:
        if root is None:
            parser.error("--fast runs the unit tests, which only a clone of the course has")
        os.chdir(root)
        return _pytest(["tests", "-m", "not slow", "-q", *extra])
    if root is not None and not args.notebooks:
        os.chdir(root)
        return _pytest(["--nbval-lax", "tests", "notebooks", *extra])
    paths = notebook_selection(parser, args.notebooks)
    if root is not None:
        os.chdir(root)
        return _pytest(["--nbval-lax", *map(str, paths), *extra])
    with tempfile.TemporaryDirectory(prefix="cnn-course-test-") as folder:
        copies = [shutil.copy(p, Path(folder) / p.name) for p in paths]
        return _pytest(["-p", nbval_plugin.__name__, "--nbval-lax",
                        "--nbval-sanitize-with", str(nbval_plugin.SANITIZE),
                        "--nbval-kernel-name", _kernel_name(), "--rootdir", folder,
                        "-p", "no:cacheprovider", *map(str, copies), *extra])
