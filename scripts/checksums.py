"""Keep data/SHA256SUMS up to date (standard library only, so every data script can use it)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def update_checksums(folder: Path, prefixes: tuple[str, ...] = ()) -> None:
    """Refresh the data/SHA256SUMS lines of the files whose paths start with ``prefixes``.

    Lines of other files (written by other scripts) are kept as they are.
    """
    sums_file = folder / "SHA256SUMS"
    sums = {}
    if sums_file.exists():
        for line in sums_file.read_text(encoding="utf-8").splitlines():
            digest, name = line.split(maxsplit=1)
            sums[name] = digest
    for path in folder.rglob("*"):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name.startswith(prefixes):
            sums[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    lines = [f"{sums[name]}  {name}" for name in sorted(sums)]
    sums_file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def record_checksum(path: Path) -> str:
    """Record ``path``'s SHA-256 in data/SHA256SUMS when it lies in data/; say what was done."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    data = Path(__file__).resolve().parent.parent / "data"
    if path.resolve().parent != data:
        return f"SHA-256: {digest}  {path.name} (outside data/: SHA256SUMS unchanged)"
    update_checksums(data, (path.name,))
    return f"data/SHA256SUMS updated: {digest}  {path.name}"
