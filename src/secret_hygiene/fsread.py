"""Reading files without surprises: never block on a FIFO, never stream a device, never follow a
symlink unless asked, never read more than a limit."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

KINDS = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK:
         "a block device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory",
         stat.S_IFLNK: "a symlink"}


class UnreadableFile(OSError):
    """The path is not a regular file, or is larger than the caller allows."""


def describe(mode: int) -> str:
    return KINDS.get(stat.S_IFMT(mode), "not a regular file")


def read_regular(path: Path, *, follow: bool = False, limit: int | None = None) -> bytes:
    """The bytes of a regular file. Raises OSError (UnreadableFile for the wrong kind)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP and not follow:
            raise UnreadableFile(errno.ELOOP, "a symlink (not followed)") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(errno.EINVAL, f"{describe(info.st_mode)}, not a regular file")
        if limit is not None and info.st_size > limit:
            raise UnreadableFile(errno.EFBIG, f"larger than {limit // (1024 * 1024) or 1} MiB")
        chunks = []
        remaining = limit + 1 if limit is not None else None
        while True:
            chunk = os.read(fd, 1 << 20 if remaining is None else min(1 << 20, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            if remaining is not None:
                remaining -= len(chunk)
                if remaining <= 0:
                    raise UnreadableFile(errno.EFBIG, "grew past the size limit while read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a regular file (never through a symlink)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnreadableFile(errno.EINVAL, "not a regular file")
        return os.read(fd, size)
    finally:
        os.close(fd)


def read_text(path: Path, *, follow: bool = True, limit: int | None = 16 * 1024 * 1024,
              what: str = "file") -> str:
    """A small text file (configuration, manifest, baseline), decoded as UTF-8.

    Raises OSError with a message naming what is wrong (not found, not a regular file, too
    large) and UnicodeDecodeError for text that is not UTF-8.
    """
    return read_regular(path, follow=follow, limit=limit).decode("utf-8")


def reason(error: OSError) -> str:
    return error.strerror or str(error)
