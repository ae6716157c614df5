#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: endpoint_check
short_description: Check which certificate a TLS server serves, and that it verifies
version_added: 0.1.0
description:
  - Connects to a TLS server, for example a web server after its certificate was deployed and it was reloaded, and reads the
    certificate it serves for a name (SNI).
  - Reports the certificate's serial number, expiry and names, whether it is the expected one (O(expected_serial_number)),
    and whether the chain the server sends verifies for the name against O(ca_path) or the system trust store.
  - Fails where the served certificate is not the expected one or does not verify, unless O(fail_on_mismatch=false).
  - Runs on the host of the task, usually the controller (C(delegate_to)), and connects from there. It does not talk to the
    AutoDNS API and needs no credentials.
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._attributes
  - autodns.ssl._attributes.INFO_MODULE
options:
  host:
    description:
      - The name or IP address of the server to connect to.
    type: str
    required: true
  port:
    description:
      - The TCP port the server serves TLS on.
    type: int
    default: 443
  server_name:
    description:
      - The name sent as SNI, and the name the certificate must be valid for.
      - Defaults to O(host). Set it when O(host) is an address or another name of the server than the certificate's.
    type: str
  expected_serial_number:
    description:
      - The serial number the served certificate must have, in hexadecimal the way the API writes it,
        for example RV(autodns.ssl.certificate_info#module:certificate.serial_number) or the C(serial_number) of the role's result.
      - Case, colons and leading zeros do not matter.
      - Without it, RV(is_expected) is V(null) and only the chain is checked.
    type: str
  ca_path:
    description:
      - A file of PEM certificates to verify the chain against, for example a private CA's root certificate.
      - Without it, the system trust store of the host the module runs on is used.
    type: path
  timeout:
    description:
      - Seconds to wait for the connection and for each TLS handshake.
    type: int
    default: 10
  fail_on_mismatch:
    description:
      - Whether the task fails when the served certificate is not the expected one or its chain does not verify.
      - With V(false) the task succeeds and reports both in RV(is_expected), RV(chain_verified) and RV(verify_error).
      - A server that cannot be reached, or a TLS handshake that fails for another reason, always fails the task.
    type: bool
    default: true
notes:
  - The certificate is read in a TLS handshake that verifies the chain and the name. Only where that fails is it read in a
    second handshake that accepts any certificate; a server that changes its certificate in between (a reload) can answer the
    two differently. Retry the task (C(retries), C(until)) right after a reload.
requirements:
  - cryptography (on the host that runs the module)
seealso:
  - module: autodns.ssl.certificate_check
    description: Checks a certificate and its key on the host before it is deployed.
  - module: community.crypto.get_certificate
    description: Reads the certificate a server serves, with more details and without checking it.
"""

EXAMPLES = r"""
- name: Check that the web server serves the renewed certificate
  autodns.ssl.endpoint_check:
    host: "{{ ansible_host | default(inventory_hostname) }}"
    server_name: www.example.com
    expected_serial_number: "{{ certificate_renewal_result.certificates[0].serial_number }}"
  delegate_to: localhost
  # A reload takes a moment; the old certificate may still be served right after it.
  register: served
  retries: 5
  delay: 2
  until: served is succeeded

- name: Check a mail server's chain against a private CA, and report instead of failing
  autodns.ssl.endpoint_check:
    host: 192.0.2.25
    port: 465
    server_name: mail.example.com
    ca_path: /etc/ssl/private-ca/root.pem
    fail_on_mismatch: false
  delegate_to: localhost
  register: mail

- name: Show when the mail server's certificate expires
  ansible.builtin.debug:
    msg: "{{ mail.serial_number }} expires {{ mail.not_after }}; verified: {{ mail.chain_verified }} {{ mail.verify_error or '' }}"
"""

RETURN = r"""
serial_number:
  description: The serial number of the served certificate in upper-case hexadecimal, the way the API writes it.
  returned: when the server sent a certificate, also when the task fails because of it
  type: str
  sample: 528B0E65AD735773A59DEACB3D7F0F57559ABF62
not_after:
  description: When the served certificate expires (ISO 8601).
  returned: when the server sent a certificate, also when the task fails because of it
  type: str
  sample: "2027-06-18T01:26:48+00:00"
subject_alt_names:
  description: The DNS names the served certificate is valid for, its subject alternative names (its common name where it has none).
  returned: when the server sent a certificate, also when the task fails because of it
  type: list
  elements: str
  sample: [www.example.com, example.com]
is_expected:
  description: Whether the served certificate has O(expected_serial_number); V(null) without that option.
  returned: when the server sent a certificate, also when the task fails because of it
  type: bool
  sample: true
chain_verified:
  description: Whether the certificate and the chain the server sends verify for O(server_name) against O(ca_path) or the system trust store.
  returned: when the server sent a certificate, also when the task fails because of it
  type: bool
  sample: true
verify_error:
  description: Why the chain does not verify, as OpenSSL says it; V(null) where it verifies.
  returned: when the server sent a certificate, also when the task fails because of it
  type: str
  sample: unable to get local issuer certificate
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._endpoint import (
    EndpointError,
    inspect_endpoint,
    mismatch_message,
    parse_serial_number,
)
from ansible_collections.autodns.ssl.plugins.module_utils._x509 import require_cryptography


def main():
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str", "required": True},
            "port": {"type": "int", "default": 443},
            "server_name": {"type": "str"},
            "expected_serial_number": {"type": "str"},
            "ca_path": {"type": "path"},
            "timeout": {"type": "int", "default": 10},
            "fail_on_mismatch": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    require_cryptography(module)
    params = module.params
    if not 1 <= params["port"] <= 65535:
        module.fail_json(msg=f"port must be between 1 and 65535, not {params['port']}.")
    if params["timeout"] < 1:
        module.fail_json(msg="timeout must be at least 1 second.")
    server_name = params["server_name"] or params["host"]
    try:
        expected = None if params["expected_serial_number"] is None else parse_serial_number(params["expected_serial_number"])
        served = inspect_endpoint(params["host"], params["port"], server_name, params["ca_path"], params["timeout"])
    except EndpointError as exc:
        module.fail_json(msg=str(exc), **exc.result)
    served["is_expected"] = None if expected is None else int(served["serial_number"], 16) == expected
    if params["fail_on_mismatch"] and (served["is_expected"] is False or not served["chain_verified"]):
        module.fail_json(msg=mismatch_message(params["host"], params["port"], server_name, params["ca_path"], served, expected), **served)
    module.exit_json(changed=False, **served)


if __name__ == "__main__":
    main()
