# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filter autodns.ssl.renewal_requests: the role's certificate settings, complete, typed and checked."""

from __future__ import annotations

import os

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.autodns.ssl.plugins.module_utils._certificate_checks import read_private_key_file
from ansible_collections.autodns.ssl.plugins.module_utils._dns_names import bare_name
from ansible_collections.autodns.ssl.plugins.module_utils._x509 import HAS_CRYPTOGRAPHY, X509Error, check_csr, holds_private_key, key_matches, load_csr

# Settings of an entry and their types; every entry gets all of them.
INTEGER_SETTINGS = ("id", "term", "remaining_days")
BOOLEAN_SETTINGS = ("force", "backup")
# Modes are octal digits; YAML reads an unquoted 0644 as the number 420.
MODE_SETTINGS = ("mode", "key_mode")
CHOICES = {"dns_method": ("provisioning", "zone_api", "custom"), "order": ("auto", "renew", "reissue")}
PATH_SETTINGS = ("cert_path", "chain_path", "fullchain_path")
# Every file the role writes on a host; no two may be the same.
FILE_SETTINGS = PATH_SETTINGS + ("key_path",)
EMPTY_CSR = ("csr is an empty string. Leave csr out to renew with the CSR AutoDNS holds for the certificate,"
             " or set a PEM certificate signing request")


def _unset(value):
    # Older ansible-core versions template an unset option (default(none)) to an empty string.
    return value is None or (isinstance(value, str) and not value.strip())


def _typed(name, value, problems):
    if _unset(value):
        return None
    if isinstance(value, (list, dict)):
        problems.append(f"{name} must be a single value, not a {'list' if isinstance(value, list) else 'dictionary'}")
        return None
    if name in MODE_SETTINGS and isinstance(value, int) and not isinstance(value, bool):
        problems.append(f"{name} must be a quoted string of octal digits such as '0644', not the number {value}"
                        " (an unquoted 0644 is read as the number 420)")
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
    return to_text(value)


def _csr_problems(entry):
    """The problems of the entry's CSR, and the parsed CSR (None where there is none or it cannot be read)."""
    if entry["csr"] is None or not HAS_CRYPTOGRAPHY:
        # Without cryptography on the controller the modules refuse a bad CSR themselves, before any order.
        return [], None
    try:
        pem, info = check_csr(entry["csr"])
    except X509Error as exc:
        return [str(exc)], None
    problems = []
    if entry["name"] is not None and bare_name(info["common_name"]) != bare_name(entry["name"]):
        problems.append(f"csr is made for {info['common_name']}, not for {entry['name']}; set the CSR of {entry['name']}")
    return problems, load_csr(pem)


def _key_src_problems(entry, csr):
    """The problems of key_src, a private key on the controller that must belong to the CSR (their public keys are compared)."""
    path = entry["key_src"]
    if path is None:
        return []
    if entry["csr"] is None:
        return ["key_src needs csr: the key is installed with the first certificate issued from the CSR made from it; set csr"]
    path = os.path.expanduser(path)
    # A relative path is found like ansible.builtin.file finds it (role and playbook directories); the deploy step reads it.
    if not os.path.isabs(path) or not HAS_CRYPTOGRAPHY:
        return []
    if os.path.isdir(path):
        return [f"key_src {path} is a directory; set the path of the private key file"]
    if not os.path.exists(path):
        return [f"key_src {path} does not exist on the controller; set the path of the private key the CSR was made from"]
    try:
        key = read_private_key_file(path)
    except X509Error as exc:
        return [f"key_src: {exc}"]
    if csr is not None and not key_matches(csr, key):
        return [f"key_src {path} does not belong to csr: the CSR carries another public key; set the key the CSR was made from"]
    return []


def _path_problems(requests):
    """Each file path used twice (in one entry or in two) is a problem of the entry that uses it the second time."""
    owners = {}
    for request in requests:
        for setting in FILE_SETTINGS:
            path = request[setting]
            if path is None:
                continue
            if path.endswith(("/", os.sep)):
                request["problems"].append(f"{setting} {path} ends with a slash, so it names a directory; set the path of the file")
                continue
            first = owners.setdefault(os.path.normpath(path), (request, setting))
            if first[0] is request and first[1] != setting:
                request["problems"].append(f"{setting} {path} is also {first[1]}; each file needs a path of its own")
            elif first[0] is not request:
                request["problems"].append(f"{setting} {path} is also {first[1]} of {first[0]['key']}; each file needs a path of its own")


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
    if entry["id"] is not None and entry["id"] <= 0:
        problems.append(f"id must be the positive id of a certificate at AutoDNS, not {entry['id']}")
    csr_problems, csr = _csr_problems(entry)
    return problems + csr_problems + _key_src_problems(entry, csr)


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
        # An empty csr must not quietly mean "the CSR AutoDNS holds", and a private key pasted there must not travel on in the facts.
        if isinstance(entry.get("csr"), str) and not entry["csr"].strip():
            problems.append(EMPTY_CSR)
        if holds_private_key(typed["csr"]):
            typed["csr"] = None
            problems.append("csr holds a private key (it is not shown here and was dropped); set the certificate signing request made from it,"
                            " and give the key to key_src")
        problems.extend(_problems_of(typed))
        label = typed["name"] if typed["name"] is not None else typed["id"]
        # The settings certificate_info decides by; certificates with the same ones are read together.
        decision = [typed["remaining_days"], typed["force"], typed["order"]]
        typed.update(index=index, key=to_text(label if label is not None else index), decision=decision, problems=problems)
        requests.append(typed)
    _path_problems(requests)
    return requests


def renewal_orders(requests, current, authentication):
    """The certificates option of certificate_renew for the completed ``requests``: each one's current certificate (``current``,
    by key, as certificate_info read it), its prepared validation (``authentication``, by key, where there is one) and its settings."""
    if not isinstance(current, dict) or not isinstance(authentication, dict):
        raise AnsibleFilterError("renewal_orders expects the current certificates and the prepared validations, each by key.")
    orders = []
    for request in requests:
        if request["key"] not in current:
            raise AnsibleFilterError(f"renewal_orders: no current certificate for {request['key']}.")
        order = {"certificate": current[request["key"]], "dns_provisioning": request["dns_method"] == "provisioning",
                 "force": request["force"], "remaining_days": request["remaining_days"], "order": request["order"]}
        order.update({name: request[name] for name in ("term", "csr") if request[name] is not None})
        if request["key"] in authentication:
            order["authentication"] = authentication[request["key"]]
        orders.append(order)
    return orders


def renewal_issued_reads(jobs, orders, job_keys):
    """The issued_by option of certificate_info for the ``jobs`` that ended well (poll's jobs): each order's previous certificate
    (``orders``, by key; ``job_keys`` gives the key of each job id), the certificate id the job named, and the certificate
    its message carried."""
    if not isinstance(orders, dict) or not isinstance(job_keys, dict):
        raise AnsibleFilterError("renewal_issued_reads expects the orders by key and the key of each job id.")
    return [{"previous": orders[job_keys[job["job_id"]]]["previous"], "certificate_id": job["certificate_id"], "announced": job["certificate"]}
            for job in jobs]


class FilterModule:
    def filters(self):
        return {"renewal_requests": renewal_requests, "renewal_orders": renewal_orders, "renewal_issued_reads": renewal_issued_reads}
