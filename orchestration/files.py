"""Writing output files that readers may open at any moment (finance, BI, customer success)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[str], Any]) -> None:
    """`write(tmp_path)` fills a temporary file beside `path`, which then replaces `path` in
    one rename: a reader sees the previous file or the new one, never half of one. The
    temporary file is removed when writing fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        # mkstemp makes it owner-only: give it what the umask gives any new file (who may
        # read these files is the umask's and the folder's business, not this code's)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str, newline: str | None = None) -> None:
    """`text` into `path`, UTF-8, atomically (see atomic_write)."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)

    atomic_write(path, write)
