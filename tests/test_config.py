"""course_utils.config: profiles, seeding, device report, setup."""

import random
from pathlib import Path

import numpy as np
import pytest

from course_utils import config


def test_profile_defaults_to_full(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert config.profile_name() == "full"
    assert config.get_profile().n_train is None  # full uses all the data


def test_profile_from_environment(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", " Quick ")
    assert config.get_profile().name == "quick"


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "fast")
    with pytest.raises(
        ValueError, match=r"COURSE_PROFILE must be one of \['full', 'quick'\], got 'fast'"
    ):
        config.profile_name()
    with pytest.raises(ValueError, match="profile must be one of"):
        config.get_profile("medium")


def test_quick_is_smaller_than_full():
    quick, full = config.get_profile("quick"), config.get_profile("full")
    assert quick.epochs < full.epochs and quick.n_embed < full.n_embed
    assert quick.n_train is not None and quick.image_size < full.image_size


def test_seed_everything_repeats_random_numbers():
    config.seed_everything(7)
    first = (random.random(), np.random.rand())
    config.seed_everything(7)
    assert (random.random(), np.random.rand()) == first


def test_seed_everything_repeats_tensorflow_numbers():
    import tensorflow as tf

    config.seed_everything(3)
    a = tf.random.uniform((3,)).numpy()
    config.seed_everything(3)
    np.testing.assert_array_equal(a, tf.random.uniform((3,)).numpy())


def test_seed_everything_reports_one_op_at_a_time():
    import tensorflow as tf

    one_op = config.seed_everything(5)
    assert one_op == (tf.config.threading.get_inter_op_parallelism_threads() == 1)
    assert config.one_op_at_a_time() is one_op  # a second call changes nothing


@pytest.mark.parametrize("seed", [-1, 1.5, "42"])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        config.seed_everything(seed)


def test_device_report_names_versions_and_device():
    info = config.device_report()
    assert set(info) == {"python", "numpy", "tensorflow", "keras", "device"}
    assert info["keras"].startswith("3.")
    assert info["device"].startswith(("CPU", "GPU"))


def test_setup_prints_profile_device_and_sources(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    prof = config.setup(seed=1)
    out = capsys.readouterr().out
    assert prof.name == "quick"
    assert "profile: quick" in out and "tensorflow:" in out and "MNIST →" in out


@pytest.mark.slow
def test_tensorflow_is_imported_quietly():
    """No C++ log lines on stderr when TensorFlow is imported through the course."""
    import subprocess
    import sys

    code = "from course_utils import config; config.quiet_tensorflow(); import tensorflow"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr == ""


def test_cpu_model_names_the_processor():
    from course_utils import config

    name = config.cpu_model()
    assert isinstance(name, str) and name.strip()
    info = Path("/proc/cpuinfo")
    if info.exists() and "model name" in info.read_text():
        assert name in info.read_text()
