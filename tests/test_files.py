"""Atomic writes and the writability probe."""

import os

import pytest

from optbench.files import atomic_write, writable


def test_a_write_replaces_the_file_whole(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write(target, "first")
    atomic_write(target, b"second")
    assert target.read_text() == "second"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "report.md"
    target.write_text("the previous report")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        atomic_write(target, b"half a report")
    assert target.read_text() == "the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_writable_creates_the_folder_and_leaves_nothing(tmp_path):
    assert writable(tmp_path / "new" / "deeper") is None
    assert list((tmp_path / "new" / "deeper").iterdir()) == []


def test_writable_says_why_not(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert writable(blocker / "sub") == "Not a directory"
