# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter autodns.ssl.renewal_requests: the role's certificate settings, complete, typed and checked."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

# Settings of an entry and their types; every entry gets all of them.
INTEGER_SETTINGS = ("id", "term", "remaining_days")
BOOLEAN_SETTINGS = ("force", "backup")
CHOICES = {"dns_method": ("provisioning", "zone_api", "custom"), "order": ("auto", "renew", "reissue")}
PATH_SETTINGS = ("cert_path", "chain_path", "fullchain_path")


def _unset(value):
    # Older ansible-core versions template an unset option (default(none)) to an empty string.
    return value is None or (isinstance(value, str) and not value.strip())


def _typed(name, value, problems):
    if _unset(value):
        return None
    if name in INTEGER_SETTINGS:
        try:
            return int(value)
        except (TypeError, ValueError):
            problems.append(f"{name} must be a whole number, not {value!r}")
            return None
    if name in BOOLEAN_SETTINGS:
        try:
            return boolean(value, strict=True)
        except TypeError:
            problems.append(f"{name} must be true or false, not {value!r}")
            return None
    return to_text(value) if not isinstance(value, (list, dict)) else value


def _problems_of(entry):
    problems = []
    if (entry["name"] is None) == (entry["id"] is None):
        problems.append("set exactly one of name and id")
    if all(entry[path] is None for path in PATH_SETTINGS):
        problems.append("set at least one of cert_path, chain_path and fullchain_path")
    for name, choices in CHOICES.items():
        if entry[name] not in choices:
            problems.append(f"{name} must be one of {', '.join(choices)}, not {entry[name]!r}")
    if entry["dns_method"] == "custom" and entry["dns_tasks"] is None:
        problems.append("dns_method custom needs dns_tasks")
    if entry["key_src"] is not None and entry["key_path"] is None:
        problems.append("key_src needs key_path")
    if entry["term"] is not None and entry["term"] <= 0:
        problems.append("term must be a positive number of months")
    if entry["remaining_days"] is not None and entry["remaining_days"] < 0:
        problems.append("remaining_days must be 0 or more")
    return problems


def renewal_requests(entries, defaults):
    """Each entry completed from ``defaults``, typed, with ``key`` (its name, or its id as text), ``index`` and ``problems``."""
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise AnsibleFilterError("renewal_requests expects a list of dictionaries (certificate_renewal_certificates).")
    requests = []
    for index, entry in enumerate(entries):
        problems = []
        unknown = sorted(set(entry) - set(defaults))
        if unknown:
            problems.append(f"unknown settings: {', '.join(unknown)}")
        typed = {name: _typed(name, entry.get(name, default) if not _unset(entry.get(name)) else default, problems)
                 for name, default in defaults.items()}
        problems.extend(_problems_of(typed))
        label = typed["name"] if typed["name"] is not None else typed["id"]
        # The settings certificate_info decides by; certificates with the same ones are read together.
        decision = [typed["remaining_days"], typed["force"], typed["order"]]
        typed.update(index=index, key=to_text(label if label is not None else index), decision=decision, problems=problems)
        requests.append(typed)
    return requests


class FilterModule:
    def filters(self):
        return {"renewal_requests": renewal_requests}
