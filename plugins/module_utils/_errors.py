# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one kind of failure the module utils raise for a task.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations


class TaskFailure(Exception):
    """Why a task fails, as a sentence for people, and ``result``: what the task result carries besides ``msg``.

    The module utils raise subclasses named after their subject; _api_module.run_module turns every one into fail_json.
    """

    def __init__(self, reason, error=None, **result):
        super().__init__(reason)
        if error is not None:
            result["api_error"] = error.as_result()
        self.result = result
