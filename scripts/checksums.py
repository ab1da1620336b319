"""Keep data/SHA256SUMS up to date from the data scripts (standard library only).

The file format and its one reader/writer live in ``course_utils/checksums.py`` (also standard
library only); this module puts the repository root on ``sys.path`` so that every script can
use it with any Python, without the course package installed.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course_utils.checksums import read_sums, sha256, write_sums  # noqa: E402


def update_checksums(folder: Path, prefixes: tuple[str, ...] = ()) -> None:
    """Refresh the data/SHA256SUMS lines of the files whose paths start with ``prefixes``.

    Lines of other files (written by other scripts) are kept as they are.
    """
    sums = read_sums(folder) if (folder / "SHA256SUMS").exists() else {}
    for path in folder.rglob("*"):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name.startswith(prefixes) and name not in ("SHA256SUMS",):
            sums[name] = sha256(path)
    write_sums(folder, sums)


def record_checksum(path: Path) -> str:
    """Record ``path``'s SHA-256 in data/SHA256SUMS when it lies in data/; say what was done."""
    digest = sha256(path)
    data = ROOT / "data"
    if path.resolve().parent != data:
        return f"SHA-256: {digest}  {path.name} (outside data/: SHA256SUMS unchanged)"
    update_checksums(data, (path.name,))
    return f"data/SHA256SUMS updated: {digest}  {path.name}"
