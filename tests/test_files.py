"""Output files are replaced in one step: a reader never sees half a file."""

from __future__ import annotations

import os
import stat

import pytest

from orchestration.files import atomic_write, atomic_write_text


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out" / "report.html"
    atomic_write_text(path, "first")

    def half_then_fail(tmp: str) -> None:
        with open(tmp, "w") as fh:
            fh.write("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(path, half_then_fail)
    assert path.read_text() == "first"
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]


def test_the_file_gets_the_umasks_permissions_not_mkstemps_owner_only(tmp_path):
    old = os.umask(0o027)
    try:
        path = tmp_path / "call_list.csv"
        atomic_write_text(path, "a;b\r\n", newline="")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0o666 without group-write and other
    assert path.read_bytes() == b"a;b\r\n"
