"""Show the source of course code in a notebook, so the lesson and the library cannot drift.

Used in notebooks 02 (the naive correlation), 06 (the receptive-field recursion) and 10
(occlusion and Grad-CAM)::

    from course_utils import conv, show
    show.show_source(conv.correlate2d_naive)

Each listing starts with a one-line header
``course_utils.conv.correlate2d_naive — course_utils/conv.py, lines 124–143`` followed by the
code, syntax-highlighted in Jupyter and plain text elsewhere. The highlighting is Pygments' (as
in IPython's ``Code`` display) with inline styles: ``Code`` scopes its CSS to the classic
Notebook's ``.output_html`` class, which JupyterLab's outputs lack (ipython/ipython#11747).
"""

from __future__ import annotations

import inspect
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_WITH_SOURCE = (types.ModuleType, type, types.FunctionType, types.MethodType)


@dataclass(frozen=True)
class SourceListing:
    """The source of one object: ``name`` (dotted), ``path`` (relative to its package's parent
    folder, e.g. ``course_utils/conv.py``), ``first``/``last`` (1-based line numbers, inclusive)
    and ``source`` (the text of those lines)."""

    name: str
    path: str
    first: int
    last: int
    source: str

    @property
    def header(self) -> str:
        """``<name> — <path>, lines <first>–<last>``."""
        return f"{self.name} — {self.path}, lines {self.first}–{self.last}"

    def __str__(self) -> str:
        return f"{self.header}\n{self.source.rstrip()}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        """Header in bold, then the code highlighted by Pygments (inline styles: they render in
        JupyterLab, the classic Notebook, VS Code and nbconvert's HTML alike)."""
        from html import escape

        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer

        code = highlight(self.source.rstrip(), PythonLexer(), HtmlFormatter(noclasses=True))
        return f"<p><b>{escape(self.header)}</b></p>{code}"


def _dotted_name(obj: Any) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    function = getattr(obj, "__func__", obj)  # a bound method reads as its function
    return f"{function.__module__}.{function.__qualname__}"


def _relative_path(filename: str, module_name: str) -> str:
    """``filename`` relative to the folder that holds the top-level package of ``module_name``."""
    top = sys.modules.get(module_name.split(".")[0])
    top_file = getattr(top, "__file__", None)
    if top_file is None:
        return Path(filename).name
    root = Path(top_file).resolve().parent
    if Path(top_file).name == "__init__.py":
        root = root.parent
    try:
        return Path(filename).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(filename).as_posix()


def source_listing(obj: Any) -> SourceListing:
    """The :class:`SourceListing` of a module, class, function or method.

    Raises ``TypeError`` for anything else (a builtin such as ``len``, a NumPy ufunc, an
    instance) and ``ValueError`` when Python keeps no source for it (defined in a notebook
    cell or an interactive session, or compiled).
    """
    target = inspect.unwrap(obj) if callable(obj) else obj
    if not isinstance(target, _WITH_SOURCE):
        raise TypeError(f"show_source expected a module, class, function or method, got "
                        f"{type(obj).__name__} {obj!r:.60}")
    try:
        lines, start = inspect.getsourcelines(target)
        filename = inspect.getsourcefile(target)
    except (OSError, TypeError) as exc:
        raise ValueError(f"no source file for {obj!r:.60} (defined interactively or built in?): "
                         f"{exc}") from None
    if filename is None:
        raise ValueError(f"no source file for {obj!r:.60}")
    module = getattr(target, "__name__" if isinstance(target, types.ModuleType) else
                     "__module__", "")
    first = max(start, 1)  # a whole module starts at line 0 for inspect
    return SourceListing(_dotted_name(target), _relative_path(filename, module), first,
                         first + len(lines) - 1, "".join(lines))


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def show_source(*objects: Any) -> None:
    """Show the source of each object (module, class, function, method), one listing each.

    In IPython/Jupyter each listing is a rich display (header + highlighted code); elsewhere it
    is printed as plain text. All listings are built before anything is shown, so a bad
    argument shows nothing: ``ValueError`` when called without objects or for an object without
    a source file, ``TypeError`` for something that has no source (a builtin, an instance).
    """
    if not objects:
        raise ValueError("show_source expected at least one module, class or function, got none")
    listings = [source_listing(obj) for obj in objects]
    if _in_ipython():
        from IPython.display import display

        display(*listings)
    else:
        print("\n\n".join(str(listing) for listing in listings))
