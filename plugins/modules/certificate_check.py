#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate_check
short_description: Check a certificate, its chain and its private key before deploying them
version_added: 0.1.0
description:
  - Runs on the host that will use the certificate; it does not talk to the AutoDNS API.
  - Checks that the certificate can be parsed, is valid now, covers O(name), that the chain links up to it
    (each certificate issued by the next one, by issuer name and signature), and that its public key belongs to the private key, where one is given.
  - Fails and lists every problem found unless O(fail_on_problems=false).
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._attributes
  - autodns.ssl._attributes.INFO_MODULE
options:
  certificate:
    description:
      - The certificate (leaf) in PEM format, for example RV(autodns.ssl.certificate_info#module:certificate.pem).
      - Where it holds more certificates, as a full chain does, the ones after the first are taken as the start of the chain.
    type: str
    required: true
  chain:
    description:
      - The intermediate certificates in PEM format, the issuer of the certificate first,
        for example RV(autodns.ssl.certificate_info#module:certificate.chain_pem).
      - Without it (and without further certificates in O(certificate)) the chain is not checked.
    type: str
  name:
    description:
      - The host name the certificate must be valid for, matched against its subject alternative names
        (or its common name where it has none).
      - A wildcard such as C(*.example.com) covers exactly one label, so C(www.example.com) but not C(example.com) or C(a.www.example.com).
    type: str
    required: true
  private_key_path:
    description:
      - Path on the host of the private key (PEM, not protected by a passphrase) the certificate must belong to.
      - Mutually exclusive with O(private_key_content).
    type: path
  private_key_content:
    description:
      - The private key (PEM, not protected by a passphrase) the certificate must belong to.
      - Mutually exclusive with O(private_key_path).
    type: str
  fail_on_problems:
    description:
      - Whether the task fails when a check finds a problem.
      - With V(false) the task succeeds and reports the problems in RV(valid) and RV(problems).
    type: bool
    default: true
requirements:
  - cryptography (on the host that runs the module)
notes:
  - The chain is checked with the signature schemes public CAs use (RSA PKCS#1 v1.5, ECDSA, EdDSA); it is not verified against a trust store.
seealso:
  - module: autodns.ssl.certificate_info
    description: Get the certificate, its chain and its expiry from the API.
"""

EXAMPLES = r"""
- name: Read the certificate at the API
  autodns.ssl.certificate_info:
    name: www.example.com
  delegate_to: localhost
  run_once: true
  register: issued

- name: Check it against the key on the web server before installing it
  autodns.ssl.certificate_check:
    certificate: "{{ issued.certificate.pem }}"
    chain: "{{ issued.certificate.chain_pem }}"
    name: www.example.com
    private_key_path: /etc/ssl/private/www.example.com.key

- name: Report the problems of a full chain file without failing
  autodns.ssl.certificate_check:
    certificate: "{{ lookup('ansible.builtin.file', 'files/www.example.com.fullchain.pem') }}"
    name: www.example.com
    fail_on_problems: false
  register: checked

- name: Show the problems
  ansible.builtin.debug:
    var: checked.problems
  when: not checked.valid
"""

RETURN = r"""
valid:
  description: Whether every check passed.
  returned: always
  type: bool
  sample: true
problems:
  description: What is wrong, one sentence per problem; empty when RV(valid) is true.
  returned: always
  type: list
  elements: str
  sample: ["The certificate does not cover the name shop.example.com; it covers: www.example.com, example.com."]
not_after:
  description: When the certificate expires (ISO 8601); V(null) where it cannot be parsed.
  returned: always
  type: str
  sample: "2026-12-18T23:59:59+00:00"
serial_number:
  description: The serial number in upper-case hexadecimal, the way the API writes it; V(null) where it cannot be parsed.
  returned: always
  type: str
  sample: 0A1B2C3D4E5F
"""

import datetime

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._certificate_checks import check_certificate, read_private_key_file
from ansible_collections.autodns.ssl.plugins.module_utils._x509 import X509Error, load_private_key, require_cryptography


def check(params, now):
    """(result, problems) of every check of the certificate described by the module parameters."""
    try:
        if params["private_key_content"] is not None:
            private_key = load_private_key(params["private_key_content"])
        elif params["private_key_path"] is not None:
            private_key = read_private_key_file(params["private_key_path"])
        else:
            private_key = None
    except X509Error as exc:
        facts, dummy, problems = check_certificate(params["certificate"], params["chain"], params["name"], None, now)
        return facts, problems + [str(exc)]
    facts, dummy, problems = check_certificate(params["certificate"], params["chain"], params["name"], private_key, now)
    return facts, problems


def main():
    module = AnsibleModule(
        argument_spec={
            "certificate": {"type": "str", "required": True},
            "chain": {"type": "str"},
            "name": {"type": "str", "required": True},
            "private_key_path": {"type": "path"},
            "private_key_content": {"type": "str", "no_log": True},
            "fail_on_problems": {"type": "bool", "default": True},
        },
        mutually_exclusive=[("private_key_path", "private_key_content")],
        supports_check_mode=True,
    )
    require_cryptography(module)
    result, problems = check(module.params, datetime.datetime.now(datetime.timezone.utc))
    result.update(changed=False, valid=not problems, problems=problems)
    if problems and module.params["fail_on_problems"]:
        module.fail_json(msg="The certificate has problems: " + " ".join(problems), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
