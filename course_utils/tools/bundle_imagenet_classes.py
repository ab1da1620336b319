"""Write data/imagenet_class_index.json: Keras' standard ImageNet class index, byte for byte.

``keras.applications.imagenet_utils.decode_predictions`` downloads ``imagenet_class_index.json``
at run time (from a host the course cannot reach) and checks its MD5,
``c2c37ea517e94d9795004a39431a14cb``. Its format: ``{"0": ["n01440764", "tench"],
"1": ["n01443537", "goldfish"], ...}`` — class id → [WordNet id, name], on one line
(``json.dumps`` with its default separators). Keras' names are the first WordNet lemma with
spaces written as underscores ("great_white_shark"); 281 is "tabby", 657 "missile", 744
"projectile", and two names occur twice because ImageNet has two classes each: "crane" (134 the
bird, 517 the machine) and "maillot" (638, 639).

Source: the PyPI package ``keras-hub`` 0.32.0 (the Keras team; Apache-2.0), file
``keras_hub/src/utils/imagenet/imagenet_utils.py``, whose dict ``IMAGENET_NAMES``
{class id: (WordNet id, name)} is that same index. The dict is read with ``ast`` (the file is
never imported, so neither keras-hub nor Keras needs to be installed), and the written file is
checked against Keras' MD5: the result is Keras' own file.

Setup and run (from the repository root; the wheel is only needed by this script):

    python3 -m pip download --no-deps keras-hub==0.32.0 -d /tmp/kh
    cnn-course bundle-imagenet-classes --source /tmp/kh/keras_hub-0.32.0-py3-none-any.whl
    # or, with keras-hub installed in the running Python: cnn-course bundle-imagenet-classes
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import sys
import zipfile
from pathlib import Path

from ..checksums import record_checksum
from ..cli import tool_parser
from ..data import DATA_DIR

SOURCE_FILE = "keras_hub/src/utils/imagenet/imagenet_utils.py"
SOURCE_DICT = "IMAGENET_NAMES"
N_CLASSES = 1000
KERAS_MD5 = "c2c37ea517e94d9795004a39431a14cb"  # file_hash in keras.applications.imagenet_utils
ANCHORS = {0: ("n01440764", "tench"), 281: ("n02123045", "tabby"),
           657: ("n03773504", "missile"), 744: ("n04008634", "projectile"),
           999: ("n15075141", "toilet_tissue")}


def read_source(source: str | None) -> str:
    """Text of keras-hub's ``imagenet_utils.py``: from a wheel (``source``) or the installed one."""
    if source is not None:
        with zipfile.ZipFile(source) as wheel:
            return wheel.read(SOURCE_FILE).decode("utf-8")
    spec = importlib.util.find_spec("keras_hub")
    if spec is None or spec.origin is None:
        raise SystemExit("keras-hub is not installed: pass --source "
                         "keras_hub-0.32.0-py3-none-any.whl")
    return (Path(spec.origin).parent.parent / SOURCE_FILE).read_text("utf-8")


def parse_names(text: str) -> dict[int, tuple[str, str]]:
    """The literal dict ``IMAGENET_NAMES = {0: ("n01440764", "tench"), ...}`` in ``text``."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == SOURCE_DICT for t in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f"no literal {SOURCE_DICT} = {{...}} found in {SOURCE_FILE}")


def class_index(names: dict[int, tuple[str, str]]) -> dict[str, list[str]]:
    """Keras-format index {"0": [wnid, name], ...}; checks count, order and the anchor classes."""
    if sorted(names) != list(range(N_CLASSES)):
        raise ValueError(f"expected class ids 0..{N_CLASSES - 1}, got {len(names)} ids")
    wnids = [names[i][0] for i in range(N_CLASSES)]
    # ImageNet-1k class ids are the WordNet ids in sorted order (the order every model uses)
    if wnids != sorted(wnids) or len(set(wnids)) != N_CLASSES:
        raise ValueError("WordNet ids are not unique and sorted")
    for i, expected in ANCHORS.items():
        if tuple(names[i]) != expected:
            raise ValueError(f"class {i} is {tuple(names[i])}, expected {expected}")
    return {str(i): list(names[i]) for i in range(N_CLASSES)}


def keras_json(index: dict[str, list[str]]) -> bytes:
    """The file's bytes, formatted as Keras' own file (one line, default separators)."""
    return json.dumps(index).encode("utf-8")


def write_index(index: dict[str, list[str]], out: Path) -> str:
    """Write the index as Keras' file; raise if its MD5 is not Keras'; return its SHA-256."""
    content = keras_json(index)
    md5 = hashlib.md5(content).hexdigest()
    if md5 != KERAS_MD5:
        raise ValueError(f"the index is not Keras' file: MD5 {md5}, expected {KERAS_MD5}")
    out.write_bytes(content)
    return hashlib.sha256(content).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = tool_parser("bundle-imagenet-classes", __doc__)
    parser.add_argument("--source", help="keras-hub wheel (default: the installed package)")
    parser.add_argument("--out", default=str(Path(DATA_DIR) / "imagenet_class_index.json"))
    args = parser.parse_args(argv)
    index = class_index(parse_names(read_source(args.source)))
    out = Path(args.out)
    write_index(index, out)
    assert json.loads(out.read_text("utf-8")) == index
    print(f"wrote {out}: {len(index)} classes, MD5 {KERAS_MD5} (Keras' file), e.g. "
          f"281 → {index['281']}, 744 → {index['744']}")
    print(record_checksum(out, DATA_DIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
