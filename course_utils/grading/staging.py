"""Read a class's submissions once, without following links, into a private staging folder.

``SUBMISSIONS/<student>/<NN_topic>.ipynb``: every file is opened with ``O_NOFOLLOW`` relative to
its folder's descriptor and kept only if it is a regular file no larger than
:data:`MAX_NOTEBOOK`; a symbolic link (a student folder or a notebook), a FIFO or a device is
recorded as rejected with the reason, never followed or opened. Nothing in ``SUBMISSIONS`` is
changed: its files are read once and copied (by content) into the private staging folder; the
grader keeps each notebook without its outputs (:func:`compact`) and grades from that. Two
notebooks with the same number in one folder are a duplicate: the newest is graded (then the
first by name), the other is named in the graded rows' note.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_NOTEBOOK = 20 * 2**20  # bytes: a submitted notebook (outputs included) larger is rejected
NUMBER = re.compile(r"^(\d\d[a-z]?)(?![0-9a-z])")  # "03", "05b" (05b continues 05)


class Rejected(Exception):
    """A file that is not read: the message says why (``symbolic link (not followed)``)."""


@dataclass
class Submission:
    """One submitted file: its bytes (``data``), or why it was ``rejected``."""

    student: str
    name: str  # the file's name in the student's folder ("" for a rejected student folder)
    data: bytes = b""
    rejected: str = ""  # reason the file was not read; empty when ``data`` holds it
    note: str = ""  # e.g. the duplicate it was chosen over
    mtime: float = 0.0

    @property
    def number(self) -> str:
        """The notebook's number in the name: ``"03"``, or ``"05b"`` for a continuation of 05;
        ``""`` when the name has none."""
        match = NUMBER.match(self.name)
        return match.group(1) if match else ""


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link (not followed)"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    return "not a regular file (a FIFO, socket or device)"


def read_regular(name: str, dir_fd: int | None = None, limit: int = MAX_NOTEBOOK) -> bytes:
    """The bytes of the regular file ``name`` (relative to ``dir_fd``), never following a link.

    Raises :class:`Rejected` for a link, anything but a regular file, or more than ``limit``
    bytes. Opened with ``O_NONBLOCK`` so that a FIFO cannot make the grader wait.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            raise
        link = exc.errno == errno.ELOOP
        raise Rejected(_kind(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
                       if link else f"cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Rejected(_kind(info.st_mode))
        if info.st_size > limit:
            raise Rejected(f"larger than {limit / 2**20:g} MB ({info.st_size:,} bytes)")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise Rejected(f"larger than {limit / 2**20:g} MB")
    return data


def _open_dir(name: str, dir_fd: int | None = None) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                   dir_fd=dir_fd)


def compact(data: bytes) -> bytes:
    """A notebook's bytes without its outputs and attachments — all the grader reads of it are
    cell sources, ids and tags — so that a class of large notebooks fits in memory; ``data``
    itself when it is not a notebook's JSON (the grader reports why)."""
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return data
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return data
    for cell in nb["cells"]:
        if isinstance(cell, dict):
            cell.pop("outputs", None)
            cell.pop("attachments", None)
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
    return json.dumps(nb).encode("utf-8")


def copy_to(staging: Path, k: int, name: str, data: bytes) -> Path:
    """Write ``data`` to ``staging/<k>/<name>``: a new numbered folder per file, so that no name
    can collide or escape, the file created with ``O_EXCL``."""
    folder = staging / f"{k:05d}"
    folder.mkdir(mode=0o700)
    path = folder / (name.replace("/", "_") or "submission.ipynb")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def _student_files(student: str, folder_fd: int, staging: Path | None,
                   counter: Iterator[int]) -> list[Submission]:
    """Every ``*.ipynb`` entry of one student's folder, read (copied into ``staging``, kept
    compacted) or rejected, sorted by name."""
    found = []
    for entry in sorted(os.scandir(folder_fd), key=lambda e: e.name):
        if not entry.name.lower().endswith(".ipynb") or entry.name.startswith("."):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                raise Rejected(_kind(info.st_mode))
            data = read_regular(entry.name, folder_fd)
        except Rejected as why:
            found.append(Submission(student, entry.name, rejected=str(why)))
            continue
        if staging is not None:
            copy_to(staging, next(counter), entry.name, data)
        found.append(Submission(student, entry.name, compact(data), mtime=info.st_mtime))
    return found


def _keep_newest(files: list[Submission]) -> list[Submission]:
    """One readable file per notebook number (the newest, then the first by name); the graded
    one's note names the files it was chosen over."""
    kept, by_number = [], {}
    for sub in files:
        if sub.rejected or not sub.number:
            kept.append(sub)
        else:
            by_number.setdefault(sub.number, []).append(sub)
    for number, subs in by_number.items():
        chosen = sorted(subs, key=lambda s: (-s.mtime, s.name))[0]
        ignored = [s.name for s in subs if s is not chosen]
        if ignored:
            chosen.note = (f"duplicate notebook {number}: graded {chosen.name!r} (the newest), "
                           f"ignored {', '.join(map(repr, ignored))}")
        kept.append(chosen)
    return sorted(kept, key=lambda s: s.name)


def scan(submissions: Path, staging: Path | None = None) -> list[Submission]:
    """Every submission under ``submissions``, by student then file name (see module doc);
    each readable file is copied into ``staging`` (a new folder, ``0o700``) as it is read."""
    if staging is not None:
        staging.mkdir(mode=0o700, parents=False, exist_ok=False)
    counter = itertools.count()
    top = _open_dir(str(submissions))
    try:
        found = []
        for entry in sorted(os.scandir(top), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                found.append(Submission(entry.name, "", rejected="the student folder is "
                                        "a symbolic link (not followed)"))
            elif entry.is_dir(follow_symlinks=False):
                folder = _open_dir(entry.name, top)
                try:
                    found.extend(_keep_newest(_student_files(entry.name, folder, staging,
                                                             counter)))
                finally:
                    os.close(folder)
        return found
    finally:
        os.close(top)
