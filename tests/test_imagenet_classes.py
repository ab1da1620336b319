"""The bundled ImageNet class index is Keras' standard one (data/imagenet_class_index.json).

Keras downloads ``imagenet_class_index.json`` at run time and checks its MD5; the course ships the
same file (from keras-hub 0.32.0, see course_utils/tools/bundle_imagenet_classes.py), so its names
are the ones every Keras tutorial prints: 281 "tabby", 657 "missile", 744 "projectile".
"""

from __future__ import annotations

import collections
import hashlib
import importlib.util
import json

import numpy as np
import pytest

from course_utils import data

KERAS_MD5 = "c2c37ea517e94d9795004a39431a14cb"


def load_script():
    return importlib.import_module("course_utils.tools.bundle_imagenet_classes")


def bundled_json() -> dict:
    return json.loads((data.DATA_DIR / data.IMAGENET_CLASS_INDEX).read_text("utf-8"))


def test_anchor_classes_have_keras_names():
    index = data.imagenet_class_index()
    assert index[0] == ("n01440764", "tench")
    assert index[281] == ("n02123045", "tabby")
    assert index[657] == ("n03773504", "missile")
    assert index[744] == ("n04008634", "projectile")
    assert index[999] == ("n15075141", "toilet_tissue")
    assert data.imagenet_class_names()[836:838] == ("sunglass", "sunglasses")


def test_1000_unique_sorted_wnids():
    wnids = [wnid for wnid, _ in data.imagenet_class_index()]
    assert len(wnids) == 1000 and len(set(wnids)) == 1000
    assert wnids == sorted(wnids)  # ImageNet-1k ids are the WordNet ids in sorted order


def test_names_are_in_keras_format():
    names = data.imagenet_class_names()
    # Keras writes the first WordNet lemma with underscores: no spaces, no commas
    assert all(name and " " not in name and "," not in name for name in names)
    assert names[2] == "great_white_shark"
    # the only repeated names are ImageNet's two real double classes, as in Keras' file
    repeated = {name: [i for i, n in enumerate(names) if n == name]
                for name, count in collections.Counter(names).items() if count > 1}
    assert repeated == {"crane": [134, 517], "maillot": [638, 639]}


def test_file_is_keras_file_byte_for_byte():
    raw = (data.DATA_DIR / data.IMAGENET_CLASS_INDEX).read_bytes()
    assert hashlib.md5(raw).hexdigest() == KERAS_MD5
    keras_utils = pytest.importorskip("keras.src.utils.file_utils")
    # the very check keras.utils.get_file makes before Keras reads the file
    assert keras_utils.validate_file(str(data.DATA_DIR / data.IMAGENET_CLASS_INDEX), KERAS_MD5)
    index = bundled_json()
    assert list(index) == [str(i) for i in range(1000)]
    assert all(isinstance(v, list) and len(v) == 2 for v in index.values())


def test_decode_predictions_equals_keras(monkeypatch):
    imagenet_utils = pytest.importorskip("keras.src.applications.imagenet_utils")
    # Keras would download the index; give it ours instead (and forget any cached copy)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    monkeypatch.setattr(imagenet_utils.file_utils, "get_file",
                        lambda *args, **kwargs: str(data.DATA_DIR / data.IMAGENET_CLASS_INDEX))
    rng = np.random.default_rng(0)
    preds = rng.dirichlet(np.full(1000, 0.1), size=6).astype("float32")
    preds[0, [281, 657, 744]] = [0.9, 0.8, 0.7]  # the anchors on top of the first row
    ours = data.decode_predictions(preds, top=7)
    theirs = imagenet_utils.decode_predictions(preds, top=7)
    assert [[(w, n) for w, n, _ in row] for row in ours] == \
        [[(w, n) for w, n, _ in row] for row in theirs]
    for row_ours, row_theirs in zip(ours, theirs, strict=True):
        np.testing.assert_allclose([p for *_, p in row_ours], [p for *_, p in row_theirs])
    assert [n for _, n, _ in ours[0][:3]] == ["tabby", "missile", "projectile"]


def test_decode_predictions_rejects_bad_input():
    preds = np.zeros((2, 1000))
    with pytest.raises(ValueError, match=r"shape \(N, 1000\), got \(1000,\)"):
        data.decode_predictions(np.zeros(1000))
    with pytest.raises(ValueError, match="top must be an integer >= 1, got 0"):
        data.decode_predictions(preds, top=0)
    with pytest.raises(ValueError, match="top must be an integer >= 1, got True"):
        data.decode_predictions(preds, top=True)
    with pytest.raises(ValueError, match="top must be between 1 and 1000, got 1001"):
        data.decode_predictions(preds, top=1001)


def test_script_rebuilds_the_bundled_file(tmp_path):
    script = load_script()
    index = bundled_json()
    # the source's form: a literal dict {id: (wnid, name)} in keras-hub's imagenet_utils.py
    source = "X = 1\nIMAGENET_NAMES = " + repr({int(k): tuple(v) for k, v in index.items()})
    names = script.parse_names(source)
    out = tmp_path / "index.json"
    digest = script.write_index(script.class_index(names), out)
    assert out.read_bytes() == (data.DATA_DIR / data.IMAGENET_CLASS_INDEX).read_bytes()
    assert digest == data.bundled_checksums()[data.IMAGENET_CLASS_INDEX]


def test_script_refuses_wrong_sources(tmp_path):
    script = load_script()
    names = {int(k): tuple(v) for k, v in bundled_json().items()}
    with pytest.raises(ValueError, match="no literal IMAGENET_NAMES"):
        script.parse_names("NAMES = {}")
    with pytest.raises(ValueError, match="expected class ids 0..999, got 10 ids"):
        script.class_index({i: names[i] for i in range(10)})
    with pytest.raises(ValueError, match="sorted"):
        script.class_index({**names, 0: names[1], 1: names[0]})
    # the names the course used to ship ("tabby cat") are not Keras'
    with pytest.raises(ValueError, match=r"class 281 is .*expected \('n02123045', 'tabby'\)"):
        script.class_index({**names, 281: ("n02123045", "tabby cat")})
    renamed = {**names, 5: ("n01496331", "electric ray")}
    with pytest.raises(ValueError, match="not Keras' file: MD5"):
        script.write_index(script.class_index(renamed), tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
