"""Files written whole or not at all: filled under a hidden name in the same folder, then renamed into place."""
from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path


@contextlib.contextmanager
def interrupts_held():
    """Ctrl-C (SIGINT) inside the block is held and handed to the previous handler when the block ends, also when
    it ends by an exception (the handler's ``KeyboardInterrupt`` then carries that exception as its context).

    On the main thread, with a Python-level handler installed (by default, the one that raises
    ``KeyboardInterrupt``); elsewhere the block runs as it is.  pyarrow's parquet writer closes its
    file in a finalizer, and an exception raised in a finalizer is printed and dropped: a Ctrl-C
    landing there was lost and the sweep ran on to the end.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield
        return
    held = []
    signal.signal(signal.SIGINT, lambda signum, frame: held.append(frame))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held:
            previous(signal.SIGINT, held[0])


def atomic_write(path, write) -> None:
    """``write(tmp)`` fills a hidden temporary file next to ``path``, which then replaces ``path`` in one
    rename (``os.replace``): a reader sees the old file or the new one, never part of one.

    The temporary file gets the permissions a plain ``open`` gives (not mkstemp's 0600), is flushed
    to disk before the rename, and is removed if ``write`` fails.  A Ctrl-C during the write is held
    until the file is in place (:func:`interrupts_held`).
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
    with interrupts_held():
        try:
            write(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
