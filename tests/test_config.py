"""config.cache_dir(): one rule for where optbench keeps what it computes once."""

from pathlib import Path

import pytest

from optbench import config


@pytest.mark.parametrize(
    "environment, expected",
    [
        ({"OPTBENCH_CACHE_DIR": "/data/ob"}, Path("/data/ob")),
        ({"OPTBENCH_CACHE_DIR": ""}, None),
        ({"OPTBENCH_CACHE_DIR": "", "XDG_CACHE_HOME": "/xdg"}, None),
        ({"XDG_CACHE_HOME": "/xdg"}, Path("/xdg/optbench")),
        ({"XDG_CACHE_HOME": ""}, Path("/home/someone/.cache/optbench")),
        ({}, Path("/home/someone/.cache/optbench")),
    ],
)
def test_cache_dir(monkeypatch, environment, expected):
    for name in ("OPTBENCH_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", "/home/someone")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert config.cache_dir() == expected
