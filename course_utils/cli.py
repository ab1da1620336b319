"""``cnn-course``: the course's one command-line tool (installed with the package).

    cnn-course --help                 # every tool, one line each
    cnn-course TOOL --help            # one tool's options
    cnn-course run                    # execute every notebook headlessly, HTML in build/html/

Each tool is a function ``f(argv) -> int`` of a module of :mod:`course_utils.tools` (or
:mod:`course_utils.grading`); this module only dispatches to it, so a tool's module (with its
Jupyter or TensorFlow dependencies) is imported only when that tool runs. Bad arguments — an
unknown tool or notebook, a missing folder, a non-numeric timeout — print one line,
``cnn-course TOOL: error: …``, and exit with status 2 (:class:`ToolParser`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

# name: ("module:function" taking argv and returning the exit status, one line of help)
TOOLS: dict[str, tuple[str, str]] = {
    "run": ("course_utils.tools.run_notebooks:main",
            "execute notebooks headlessly (profile: COURSE_PROFILE), HTML and a timing table"),
    "execute": ("course_utils.tools.run_notebooks:execute",
                "execute notebooks and store their outputs in place"),
    "test": ("course_utils.tools.test:main",
             "unit tests and nbval of every notebook (quick profile)"),
    "student": ("course_utils.tools.student:main",
                "write the student edition: solutions removed, outputs cleared"),
    "grade": ("course_utils.grading:main",
              "grade a class's submissions into a CSV and an HTML table"),
    "slides": ("course_utils.tools.slides:main", "reveal.js decks of the notebooks, offline"),
    "lab": ("course_utils.tools.lab:main", "JupyterLab on the course notebooks"),
    "notebooks": ("course_utils.tools.lab:copy_main", "copy the lecture notebooks into a folder"),
    "full-profile": ("course_utils.tools.full_profile:main",
                     "run notebooks in the full profile on full-size data given as arguments"),
    "bench": ("course_utils.tools.bench_conv:main",
              "time the hand-written convolution against SciPy and TensorFlow"),
    "bench-training": ("course_utils.tools.bench_training:main",
                       "training speed and weight checksums of notebook 05's deeper model"),
    "bundle-data": ("course_utils.tools.bundle_data:main",
                    "rebuild the bundled data files from their registry packages (maintainers)"),
    "bundle-imagenet-classes": ("course_utils.tools.bundle_imagenet_classes:main",
                                "rebuild data/imagenet_class_index.json (maintainers)"),
}


class ToolParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def tool_parser(tool: str, doc: str | None) -> ToolParser:
    """The parser of ``cnn-course <tool>``, described by the first line of the module's ``doc``."""
    first = (doc or "").strip().splitlines()[0] if doc else None
    return ToolParser(prog=f"cnn-course {tool}", description=first)


def existing_dir(text: str) -> Path:
    """argparse type: a folder that exists."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"expected an existing folder, got {text!r}")
    return path


def existing_path(text: str) -> Path:
    """argparse type: a file or folder that exists."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"expected an existing file or folder, got {text!r}")
    return path


def positive_number(text: str) -> float:
    """argparse type: a number of seconds (or a count) greater than zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number greater than 0, got {text!r}")
    return value


def notebook_selection(parser: argparse.ArgumentParser, names: list[str]) -> list[Path]:
    """:func:`course_utils.tools.course_notebooks` of ``names``; an unknown name is a usage
    error (one line, exit 2)."""
    from .tools import course_notebooks

    try:
        paths = course_notebooks(names)
    except ValueError as exc:
        parser.error(str(exc))
    if not paths:
        parser.error("no course notebooks found")
    return paths


def _overview() -> str:
    width = max(map(len, TOOLS))
    rows = "\n".join(f"  {name:<{width}}  {text}" for name, (_, text) in TOOLS.items())
    return f"usage: cnn-course TOOL [options]\n\ntools:\n{rows}\n\n" \
           "cnn-course TOOL --help shows a tool's options.\n"


def tool_main(name: str) -> Callable[[list[str]], int]:
    """The function behind the tool ``name`` (KeyError for an unknown name)."""
    module, function = TOOLS[name][0].split(":")
    return getattr(importlib.import_module(module), function)


def main(argv: list[str] | None = None) -> int:
    """``cnn-course TOOL [options]``: run one tool; exit status is the tool's."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_overview(), end="")
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in TOOLS:
        print(f"cnn-course: error: unknown tool {name!r}; expected one of {', '.join(TOOLS)}",
              file=sys.stderr)
        return 2
    return int(tool_main(name)(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
