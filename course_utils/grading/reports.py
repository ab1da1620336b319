"""Write the grade reports: ``grades.csv`` and ``grades.html``, never through a link.

The output folder is created if needed and opened with ``O_NOFOLLOW``; each report is written to
a fresh file created with ``O_EXCL`` in that folder and then renamed over the report's name — a
symbolic link planted where a report goes is replaced, never followed. CSV fields that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) are prefixed with ``'``; the HTML page escapes everything and has no scripts and no
network assets.
"""

from __future__ import annotations

import csv
import html
import io
import os
import secrets
from pathlib import Path

from .records import FIELDS, PASS, Row

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(text: str) -> str:
    """``text`` made inert for a spreadsheet: ``'=1+1`` for ``=1+1`` (OWASP CSV injection)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: list[Row]) -> str:
    """The CSV of ``rows`` (columns :data:`FIELDS`), every field defused."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: defuse(str(r[k])) for k in FIELDS} for r in rows)
    return buffer.getvalue()


def html_text(rows: list[Row]) -> str:
    """A plain HTML page: one table per student, the number of exercises passed."""
    esc = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grades</title>",
             "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin-bottom:2em}"
             "td,th{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}"
             ".pass{color:#060}.fail{color:#a00}</style></head><body><h1>Grades</h1>"]
    students = list(dict.fromkeys(r["student"] for r in rows))
    for student in students:
        mine = [r for r in rows if r["student"] == student]
        passed = sum(r["result"] == PASS for r in mine)
        parts.append(f"<h2>{esc(student)}: {passed} of {len(mine)} exercises passed</h2>")
        parts.append("<table><tr>" + "".join(f"<th>{f}</th>" for f in FIELDS[1:]) + "</tr>")
        for r in mine:
            cls = "pass" if r["result"] == PASS else "fail"
            cells = "".join(f"<td class='{cls}'>{esc(r[f])}</td>" if f == "result"
                            else f"<td>{esc(r[f])}</td>" for f in FIELDS[1:])
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    if not students:
        parts.append("<p>No submissions found.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(folder_fd: int, name: str, text: str) -> None:
    """Write ``text`` to ``name`` in the folder ``folder_fd``: a new file, then renamed over
    ``name`` (a link at ``name`` is replaced, not followed)."""
    temporary = f".{name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644,
                 dir_fd=folder_fd)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(temporary, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)


def write_reports(rows: list[Row], out: Path) -> tuple[Path, Path]:
    """``out/grades.csv`` and ``out/grades.html``; ValueError when ``out`` is a link or a file."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        raise ValueError(f"--out must be a folder (not a link), got {out}: {exc.strerror}") \
            from None
    try:
        write_report(folder, "grades.csv", csv_text(rows))
        write_report(folder, "grades.html", html_text(rows))
    finally:
        os.close(folder)
    return out / "grades.csv", out / "grades.html"
