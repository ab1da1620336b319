"""SHA-256 sums of the bundled data (``data/SHA256SUMS``): the one reader and writer.

Standard library only. :mod:`course_utils.data` verifies every bundled file with
:func:`read_sums` and :func:`sha256` before reading it; the tools that rebuild a bundled file
(``course_utils/tools/bundle_*.py``, ``convert_efficientnet_lite0.py``) record its sum with
:func:`update_checksums` / :func:`record_checksum`.

File format: ``sha256sum``'s, one ``<64 hex digits>  <path relative to data/>`` per line;
blank lines and ``#`` comments are ignored, a leading ``*`` (binary mode) on the name is dropped.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

SUMS_NAME = "SHA256SUMS"


def sha256(path: str | Path) -> str:
    """Hex SHA-256 of the file at ``path`` (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_sums(text: str) -> dict[str, str]:
    """``{relative path: sha256}`` from the text of a ``SHA256SUMS`` file.

    Raises ValueError naming the line when a line does not have a digest and a name.
    """
    sums = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2:
            raise ValueError(
                f"{SUMS_NAME} line {number} must be '<sha256 hex digest>  <file name>', "
                f"got {line!r}"
            )
        sums[parts[1].strip().lstrip("*")] = parts[0].lower()
    return sums


def read_sums(folder: str | Path) -> dict[str, str]:
    """:func:`parse_sums` of ``folder/SHA256SUMS`` (FileNotFoundError if it is missing)."""
    return parse_sums((Path(folder) / SUMS_NAME).read_text(encoding="utf-8"))


def write_sums(folder: str | Path, sums: dict[str, str]) -> None:
    """Write ``folder/SHA256SUMS`` with one line per file, sorted by name."""
    lines = [f"{sums[name]}  {name}" for name in sorted(sums)]
    (Path(folder) / SUMS_NAME).write_text("\n".join(lines) + "\n", encoding="utf-8")


def update_checksums(folder: str | Path, prefixes: tuple[str, ...] = ()) -> None:
    """Refresh the ``folder/SHA256SUMS`` lines of the files whose paths start with ``prefixes``.

    Lines of other files (written by other tools) are kept as they are.
    """
    folder = Path(folder)
    sums = read_sums(folder) if (folder / SUMS_NAME).exists() else {}
    for path in folder.rglob("*"):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name.startswith(prefixes) and name != SUMS_NAME:
            sums[name] = sha256(path)
    write_sums(folder, sums)


def record_checksum(path: str | Path, data_dir: str | Path) -> str:
    """Record ``path``'s SHA-256 in ``data_dir/SHA256SUMS`` when it lies in ``data_dir``;
    return a line saying what was done."""
    path, data_dir = Path(path), Path(data_dir)
    digest = sha256(path)
    if path.resolve().parent != data_dir.resolve():
        return f"SHA-256: {digest}  {path.name} (outside {data_dir}: {SUMS_NAME} unchanged)"
    update_checksums(data_dir, (path.name,))
    return f"{data_dir / SUMS_NAME} updated: {digest}  {path.name}"
