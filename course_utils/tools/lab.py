"""JupyterLab on the course notebooks, and a copy of them for a class's own folder.

    cnn-course lab                    # a clone: JupyterLab on notebooks/
                                      # installed: on ./cnn-course-notebooks (copied there first)
    cnn-course notebooks DEST         # copy the lecture notebooks into DEST

``lab`` adds ``--allow-root`` when run as root (as in a Docker container). The profile is
``COURSE_PROFILE`` (``full`` when unset: what a lecture uses). A copy never overwrites a notebook
that is already in the destination folder (a student's work); ``--force`` replaces them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..cli import tool_parser
from . import clone_root, course_notebooks

WORK_FOLDER = "cnn-course-notebooks"


def copy_notebooks(dest: Path, force: bool = False) -> dict[str, str]:
    """Copy every lecture notebook into ``dest``: ``{name: "copied" | "kept (exists)"}``."""
    dest.mkdir(parents=True, exist_ok=True)
    done = {}
    for path in course_notebooks():
        target = dest / path.name
        if target.exists() and not force:
            done[path.name] = "kept (exists)"
            continue
        shutil.copyfile(path, target)
        done[path.name] = "copied"
    return done


def copy_main(argv: list[str] | None = None) -> int:
    """``cnn-course notebooks DEST [--force]``."""
    parser = tool_parser("notebooks", __doc__)
    parser.add_argument("dest", type=Path, help="folder to copy the notebooks into")
    parser.add_argument("--force", action="store_true", help="replace notebooks already there")
    args = parser.parse_args(argv)
    if args.dest.exists() and not args.dest.is_dir():
        parser.error(f"expected a folder, got the file {args.dest}")
    for name, status in copy_notebooks(args.dest, args.force).items():
        print(f"{args.dest / name}: {status}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``cnn-course lab [JUPYTER LAB OPTIONS]``: JupyterLab's exit status."""
    parser = tool_parser("lab", __doc__)
    _, extra = parser.parse_known_args(argv)
    root = clone_root()
    folder = root / "notebooks" if root else Path.cwd() / WORK_FOLDER
    if root is None:
        copied = copy_notebooks(folder)
        print(f"{folder}: {sum(s == 'copied' for s in copied.values())} notebook(s) copied")
    command = [sys.executable, "-m", "jupyterlab", str(folder), *extra]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    return subprocess.call(command)
