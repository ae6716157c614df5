# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Installing a certificate's files on a host all together or not at all.

Every file of one certificate (key, certificate, chain, full chain) is written to a temporary file beside its
target first; only when all are written are they renamed over the targets, and if a rename fails the targets
renamed so far get their old content back. A host therefore never holds a new key with an old certificate.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import tempfile
import time
import uuid

from ._errors import TaskFailure

TEMPORARY_PREFIX = ".autodns-ssl-"


class InstallFailed(TaskFailure):
    """Files of a certificate could not be replaced; the host keeps the files it had."""


def _owner_id(owner):
    if owner is None:
        return -1
    try:
        return int(owner) if str(owner).isdigit() else pwd.getpwnam(owner).pw_uid
    except KeyError as exc:
        raise InstallFailed(f"The owner {owner} does not exist on this host.") from exc


def _group_id(group):
    if group is None:
        return -1
    try:
        return int(group) if str(group).isdigit() else grp.getgrnam(group).gr_gid
    except KeyError as exc:
        raise InstallFailed(f"The group {group} does not exist on this host.") from exc


class PlannedFile:
    """One target file with the content, mode, owner and group it must have."""

    def __init__(self, path, content, mode, owner=None, group=None, secret=False):
        self.path = path
        self.content = content.encode("utf-8") if isinstance(content, str) else content
        self.mode = int(mode, 8) if isinstance(mode, str) else mode
        self.uid = _owner_id(owner)
        self.gid = _group_id(group)
        self.secret = secret

    def current(self):
        """(content or None, stat or None) of the target as it is."""
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return None, None
        except OSError as exc:
            raise InstallFailed(f"{self.path} cannot be examined: {exc.strerror}.") from exc
        if stat.S_ISDIR(info.st_mode):
            raise InstallFailed(f"{self.path} is a directory; it cannot be replaced by a file.")
        try:
            with open(self.path, "rb") as handle:
                return handle.read(), info
        except OSError as exc:
            raise InstallFailed(f"{self.path} cannot be read: {exc.strerror}.") from exc

    def differs(self):
        content, info = self.current()
        if content is None:
            return True
        return (content != self.content or stat.S_IMODE(info.st_mode) != self.mode
                or self.uid not in (-1, info.st_uid) or self.gid not in (-1, info.st_gid))


def _write_temporary(planned):
    directory = os.path.dirname(os.path.abspath(planned.path))
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=directory)
    except OSError as exc:
        raise InstallFailed(f"No file can be written in {directory}: {exc.strerror}.") from exc
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(planned.content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, planned.mode)
        if planned.uid != -1 or planned.gid != -1:
            os.chown(temporary, planned.uid, planned.gid)
    except OSError as exc:
        os.unlink(temporary)
        raise InstallFailed(f"{planned.path} cannot be prepared in {directory}: {exc.strerror}.") from exc
    return temporary


def _keep_old(path):
    """A hard link to the target's old content beside it, to restore it or to keep as backup; None where there is none."""
    if not os.path.exists(path):
        return None
    kept = os.path.join(os.path.dirname(os.path.abspath(path)), f"{TEMPORARY_PREFIX}{uuid.uuid4().hex}.old")
    try:
        os.link(path, kept)
    except OSError:
        # Linux refuses hard links to files of other users (fs.protected_hardlinks); a copy keeps the content as well.
        shutil.copy2(path, kept)
    return kept


def install_together(planned_files, backup=False):
    """Replace every target of ``planned_files`` that differs, all or none; returns (changed paths, backup paths).

    Raises InstallFailed with the targets as they were where anything fails.
    """
    changing = [planned for planned in planned_files if planned.differs()]
    temporaries, olds, renamed = {}, {}, []
    try:
        for planned in changing:
            temporaries[planned.path] = _write_temporary(planned)
        for planned in changing:
            olds[planned.path] = _keep_old(planned.path)
            os.rename(temporaries[planned.path], planned.path)
            del temporaries[planned.path]
            renamed.append(planned.path)
    except (OSError, InstallFailed) as exc:
        for path in reversed(renamed):
            old = olds.pop(path)
            if old:
                os.rename(old, path)
            else:
                os.unlink(path)
        for old in olds.values():
            if old:
                os.unlink(old)
        reason = str(exc).rstrip(".") if isinstance(exc, InstallFailed) else f"{exc.filename or 'A file'} cannot be replaced: {exc.strerror}"
        raise InstallFailed(f"{reason}. The host keeps the files it had for this certificate.") from exc
    finally:
        for temporary in temporaries.values():
            os.unlink(temporary)
    backups = []
    for path, old in olds.items():
        if old is None:
            continue
        if backup:
            kept = f"{path}.{os.getpid()}.{time.strftime('%Y-%m-%d@%H:%M:%S')}~"
            os.rename(old, kept)
            backups.append(kept)
        else:
            os.unlink(old)
    return [planned.path for planned in changing], backups
