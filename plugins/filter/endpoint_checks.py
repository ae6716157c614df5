# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filters the role autodns.ssl.certificate_renewal verifies its endpoints with:

- endpoint_requests: the endpoints of certificate_renewal_verify_endpoints, complete, typed, checked, each tied to its certificate;
- endpoint_checks: the endpoint checks of a host once the certificates are installed, each with the serial number it expects;
- endpoint_results: what autodns.ssl.endpoint_check found, one entry per endpoint, for the role's result.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.autodns.ssl.plugins.module_utils._endpoint import endpoint_label

ENDPOINT_SETTINGS = ("certificate", "host", "port", "server_name", "ca_path")
DEFAULT_PORT = 443


def _unset(value):
    # Older ansible-core versions template an unset option (default(none)) to an empty string.
    return value is None or (isinstance(value, str) and not value.strip())


def _port(port, problems):
    if _unset(port):
        return DEFAULT_PORT
    try:
        number = None if isinstance(port, bool) else int(port)
    except (TypeError, ValueError):
        number = None
    if number is None:
        problems.append(f"port must be a TCP port number, not {port!r}")
    elif not 1 <= number <= 65535:
        problems.append(f"port must be between 1 and 65535, not {number}")
    return number


def _certificate_index(reference, requests, problems):
    """The index of the request the endpoint serves: the one its ``certificate`` names (a name or an id), or the only one."""
    keys = ", ".join(request["key"] for request in requests)
    if _unset(reference):
        if len(requests) == 1:
            return requests[0]["index"]
        problems.append(f"set certificate, the name or id of the certificate it serves (one of {keys})")
        return None
    wanted = to_text(reference).strip().lower()
    found = [request["index"] for request in requests if request["key"].lower() == wanted]
    if not found:
        problems.append(f"certificate {to_text(reference)!r} is none of the certificates of this run ({keys})")
        return None
    return found[0]


def endpoint_requests(endpoints, requests, default_host):
    """The endpoints to verify (certificate_renewal_verify_endpoints), each complete, typed and tied to its certificate.

    ``requests`` are the role's certificate settings (autodns.ssl.renewal_requests). An endpoint without ``host`` is
    ``default_host`` (the address of the host the certificate is installed on), without ``port`` port 443, without
    ``certificate`` the only certificate of the run. Each endpoint gets ``index`` (the position of its certificate in the
    settings) and ``problems`` (sentences, empty when it is fine).
    """
    if _unset(endpoints):
        return []
    if not isinstance(endpoints, list):
        raise AnsibleFilterError(f"certificate_renewal_verify_endpoints must be a list of dictionaries, not {endpoints!r}.")
    completed = []
    for position, endpoint in enumerate(endpoints):
        label = f"certificate_renewal_verify_endpoints[{position}]"
        if not isinstance(endpoint, dict):
            completed.append({"label": label, "problems": [f"must be a dictionary with {', '.join(ENDPOINT_SETTINGS)}, not {endpoint!r}"]})
            continue
        problems = []
        unknown = sorted(set(endpoint) - set(ENDPOINT_SETTINGS))
        if unknown:
            problems.append(f"unknown settings: {', '.join(unknown)}")
        completed.append({
            "label": label,
            "index": _certificate_index(endpoint.get("certificate"), requests, problems),
            "host": to_text(default_host if _unset(endpoint.get("host")) else endpoint["host"]).strip(),
            "port": _port(endpoint.get("port"), problems),
            # The certificate's name where unset; for a certificate given by id it is known once AutoDNS was asked.
            "server_name": None if _unset(endpoint.get("server_name")) else to_text(endpoint["server_name"]).strip(),
            "ca_path": None if _unset(endpoint.get("ca_path")) else to_text(endpoint["ca_path"]),
            "problems": problems,
        })
    return completed


def endpoint_checks(endpoints, outcomes):
    """The endpoint checks of a host: one per endpoint whose certificate was installed, or was current there already.

    Each expects the serial number of that certificate (the issued one after a renewal) and sends the certificate's name as
    SNI unless the endpoint sets ``server_name``. Certificates that failed, whose job is pending, or that check mode would renew
    are not installed, so their endpoints are not checked.
    """
    installed = {outcome["index"]: outcome for outcome in outcomes if outcome.get("deploy") and outcome.get("serial_number")}
    checks = []
    for endpoint in endpoints:
        outcome = installed.get(endpoint.get("index"))
        if outcome is not None:
            checks.append({"name": outcome["name"], "host": endpoint["host"], "port": endpoint["port"],
                           "server_name": endpoint["server_name"] or outcome["name"], "ca_path": endpoint["ca_path"],
                           "expected_serial_number": outcome["serial_number"]})
    return checks


def _found(check, result):
    """What the endpoint serves, as a sentence; where the check failed, autodns.ssl.endpoint_check's message with the certificate's name,
    which the module does not know."""
    if result.get("failed"):
        return f"For {check['name']}: {to_text(result.get('msg') or 'the endpoint check failed without a message.')}"
    return (f"{endpoint_label(check['host'], check['port'])} (SNI {check['server_name']}) serves the current certificate of {check['name']}, "
            f"serial {result.get('serial_number')}; its chain verifies.")


def endpoint_results(results, inventory_host):
    """One entry per endpoint check of ``inventory_host`` (the ``results`` of a loop over endpoint_checks with endpoint_check)."""
    if not isinstance(results, list):
        raise AnsibleFilterError("endpoint_results expects the results of a loop with autodns.ssl.endpoint_check.")
    entries = []
    for result in results:
        check = result.get("item") if isinstance(result, dict) else None
        if not isinstance(check, dict) or result.get("skipped"):
            continue
        entries.append({
            "inventory_host": inventory_host,
            "name": check["name"],
            "host": check["host"],
            "port": check["port"],
            "server_name": check["server_name"],
            "expected_serial_number": check["expected_serial_number"],
            "serial_number": result.get("serial_number"),
            "is_current": result.get("is_expected"),
            "chain_verified": result.get("chain_verified"),
            "verify_error": result.get("verify_error"),
            "not_after": result.get("not_after"),
            "failed": bool(result.get("failed")),
            "msg": _found(check, result),
        })
    return entries


class FilterModule:
    def filters(self):
        return {"endpoint_requests": endpoint_requests, "endpoint_checks": endpoint_checks, "endpoint_results": endpoint_results}
