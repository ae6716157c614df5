# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Real API responses captured from the AutoDNS API, read where they are available.

They live outside the collection: in the directory named by the environment variable AUTODNS_EXAMPLES,
or in ``shared/autodns-api/examples`` beside the checkout (or beside any directory above a staged copy).
Tests that use them are skipped without them.
"""

from __future__ import annotations

import json
import os
import pathlib

import pytest

EXAMPLES_RELATIVE = pathlib.Path("shared", "autodns-api", "examples")


def _candidates():
    if os.environ.get("AUTODNS_EXAMPLES"):
        yield pathlib.Path(os.environ["AUTODNS_EXAMPLES"])
    for ancestor in pathlib.Path(__file__).resolve().parents:
        yield ancestor / EXAMPLES_RELATIVE


def example_envelope(file_name):
    """The response envelope stored in ``file_name``, unwrapped where an SDK mock wraps it as ``{data: envelope, status}``."""
    for directory in _candidates():
        if (directory / file_name).is_file():
            content = json.loads((directory / file_name).read_text(encoding="utf-8"))
            return content["data"] if isinstance(content.get("data"), dict) else content
    pytest.skip(f"captured API example {file_name} not available (set AUTODNS_EXAMPLES)")
    return None
