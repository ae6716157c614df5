# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files the modules share across processes on the controller: the rate limit and the order locks.

They live in a directory of the user running Ansible that nobody else can enter, and are opened without
following symlinks, so that another local user can neither read nor plant them.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import time
from urllib.parse import urlsplit

from ._errors import TaskFailure

STATE_DIRECTORY_NAME = "autodns-ssl"
LOCK_POLL_SECONDS = 0.5


class LocalStateError(TaskFailure):
    """The shared files cannot be used safely; the sentence says why and what to do."""


def state_directory():
    """This user's directory for the shared files (mode 0700), created where missing."""
    base = os.environ.get("XDG_RUNTIME_DIR") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, STATE_DIRECTORY_NAME)
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError as exc:
        raise LocalStateError(f"The directory {path} for the modules' shared files cannot be created: {exc.strerror}.") from exc
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise LocalStateError(
            f"{path} must be a directory of this user that only this user can enter (mode 0700, not a symlink); fix or remove it.")
    return path


def state_file_name(prefix, *parts):
    """A file name in the state directory for ``parts`` (an API URL's host, a certificate name...)."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]
    return os.path.join(state_directory(), f"{prefix}-{digest}")


def api_host(api_url):
    return urlsplit(api_url).netloc.lower()


def open_private_file(path):
    """The file at ``path`` for reading and writing, created with mode 0600; never through a symlink."""
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise LocalStateError(f"{path} cannot be opened safely ({exc.strerror}); remove it if it is a symlink or belongs to another user.") from exc
    if os.fstat(descriptor).st_uid != os.getuid():
        os.close(descriptor)
        raise LocalStateError(f"{path} belongs to another user; remove it.")
    return os.fdopen(descriptor, "r+", encoding="utf-8")


@contextlib.contextmanager
def exclusive_lock(path, timeout, what, sleep=time.sleep, clock=time.monotonic):
    """Hold an exclusive lock on ``path`` for the ``with`` block, waiting up to ``timeout`` seconds for it."""
    with open_private_file(path) as handle:
        deadline = clock() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if clock() >= deadline:
                    raise LocalStateError(f"Another process has held the lock of {what} for more than {timeout} seconds; nothing was done.") from None
                sleep(LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
