"""Files written whole or not at all: filled under a hidden name in the same folder, then renamed into place."""
from __future__ import annotations

import os
from pathlib import Path


def atomic_write(path, write) -> None:
    """``write(tmp)`` fills a hidden temporary file next to ``path``, which then replaces ``path`` in one
    rename (``os.replace``): a reader sees the old file or the new one, never part of one.

    The temporary file gets the permissions a plain ``open`` gives (not mkstemp's 0600), is flushed
    to disk before the rename, and is removed if ``write`` fails or is interrupted.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
