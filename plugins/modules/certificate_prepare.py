#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate_prepare
short_description: Check a CSR at AutoDNS and get the domain validation data for an order or renewal
version_added: 0.1.0
description:
  - Checks the certificate signing request locally, then calls the API's C(POST /certificate/_prepareOrder),
    which checks it again and returns the domain control validation (DCV) data for every name of the CSR.
  - The DNS validation record of each name is returned both as the API's zone line and split into name, TTL, type and value,
    ready for M(autodns.ssl.zone_record) and M(autodns.ssl.wait_for_record).
  - Pass the returned RV(authentication) list unchanged to M(autodns.ssl.certificate_renew) so that the order uses exactly these values.
  - With O(certificate_id) the module tells the API which order the data is for (C(businessCase) V(REISSUE) or V(RENEW)).
    With O(order=auto) it reads the certificate and chooses like M(autodns.ssl.certificate_renew) chooses; a reissue keeps the
    certificate's validation method, so for a reissue of a certificate that does not validate by DNS the task then fails before
    the API is asked. An explicit O(order) is taken as it is, without reading the certificate.
  - Nothing is ordered and nothing changes, so the module always reports C(changed=false).
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._api
  - autodns.ssl._renewal
  - autodns.ssl._attributes
  - autodns.ssl._attributes.ACTIONGROUP_API
  - autodns.ssl._attributes.INFO_MODULE
options:
  csr:
    description:
      - The certificate signing request in PEM format.
      - Before any API call the module refuses a CSR that cannot be parsed, whose signature does not verify, that has no common name (CN),
        or whose key is weaker than RSA 2048 bits or EC 256 bits, or of another type.
      - The API receives the CSR re-encoded as a plain PEM block; text around the PEM block is left out.
      - An empty string is refused, and so is text that holds a private key; the key is kept out of the task's output.
    type: str
    required: true
  product:
    description:
      - The certificate product, for example V(QUICKSSLPREMIUM), V(RAPID_SSL), V(SSL123), V(BASIC_SSL) or V(COMODO_SSL).
      - The product decides the validation record; DigiCert products validate with a TXT record, Sectigo products with a CNAME record.
      - An empty string is refused.
    type: str
    required: true
  certificate_id:
    description:
      - The id of the certificate that will be renewed or reissued with this CSR.
      - With it the API also checks that the validation method of that certificate does not change.
      - O(order) and O(remaining_days) only matter together with O(certificate_id).
    type: int
requirements:
  - cryptography
notes:
  - The DCV values begin with a timestamp, so every run returns new values; use the ones of the same run for the DNS records and the renewal.
seealso:
  - module: autodns.ssl.certificate_info
    description: Find the certificate to renew and its current CSR.
  - module: autodns.ssl.certificate_renew
    description: Renew the certificate with the validation data returned here.
  - module: autodns.ssl.zone_record
    description: Write the DNS validation records into an AutoDNS zone.
  - module: autodns.ssl.wait_for_record
    description: Wait until the authoritative name servers answer the validation records.
"""

EXAMPLES = r"""
- name: Prepare the renewal of www.example.com
  module_defaults:
    group/autodns.ssl.api:
      api_url: "{{ autodns_api_url }}"
      username: "{{ autodns_username }}"
      password: "{{ autodns_password }}"
      context: 9
  delegate_to: localhost
  run_once: true
  block:
    - name: Find the certificate
      autodns.ssl.certificate_info:
        name: www.example.com
      register: current

    - name: Get the validation data for its CSR and the order it is due for
      autodns.ssl.certificate_prepare:
        csr: "{{ current.certificate.csr }}"
        product: "{{ current.certificate.product }}"
        certificate_id: "{{ current.certificate.id }}"
        order: "{{ current.certificate.renewal.order }}"
      register: prepared

    - name: Show the DNS records to create
      ansible.builtin.debug:
        msg: "{{ item.dns_record.name }} {{ item.dns_record.type }} {{ item.dns_record.value }}"
      loop: "{{ prepared.authentication | selectattr('method', 'equalto', 'DNS') }}"
      loop_control:
        label: "{{ item.name }}"
"""

RETURN = r"""
authentication:
  description: The validation data, one entry per name and method, in the API's order.
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The name the entry validates.
      type: str
      sample: www.example.com
    method:
      description: The validation method.
      type: str
      choices: [DNS, FILE, EMAIL, ORG]
      sample: DNS
    provisioning:
      description: Whether the API can write the DNS record itself because the zone is managed by AutoDNS and editable.
      type: bool
      sample: true
    dns:
      description: The DNS record as the API returns it, one zone file line.
      type: str
      returned: when RV(authentication[].method=DNS)
      sample: "_dnsauth.www.example.com.\t300\tIN\tTXT\t\"20261128193102abc...\""
    dns_record:
      description: RV(authentication[].dns) split into its parts.
      type: dict
      returned: when RV(authentication[].method=DNS)
      contains:
        name:
          description: The absolute record name in lower case, without trailing dot.
          type: str
          sample: _dnsauth.www.example.com
        ttl:
          description: The TTL in seconds.
          type: int
          sample: 300
        type:
          description: The record type.
          type: str
          choices: [TXT, CNAME]
          sample: TXT
        value:
          description: The TXT text without quotes, or the CNAME target without trailing dot.
          type: str
          sample: 20261128193102abc...
    file_name:
      description: The path of the validation file, starting with the name.
      type: str
      returned: when RV(authentication[].method=FILE)
      sample: www.example.com/.well-known/pki-validation/fileauth.txt
    file_content:
      description: The content of the validation file.
      type: str
      returned: when RV(authentication[].method=FILE)
    approver_emails:
      description: The addresses that can approve the name.
      type: list
      elements: str
      returned: when RV(authentication[].method=EMAIL)
csr_info:
  description: What the local check read from O(csr).
  returned: success
  type: dict
  contains:
    common_name:
      description: The common name (CN) of the subject.
      type: str
      sample: www.example.com
    subject_alt_names:
      description: The DNS names of the subject alternative name extension.
      type: list
      elements: str
      sample: [www.example.com, example.com]
    key_type:
      description: The type of the public key.
      type: str
      sample: RSA
    key_size:
      description: The size of the public key in bits (the curve size for EC keys).
      type: int
      sample: 2048
product:
  description: The product the validation data is for.
  returned: success
  type: str
  sample: QUICKSSLPREMIUM
unprovisioned_names:
  description:
    - The names whose DNS validation record AutoDNS cannot write itself, because it does not manage their zones for this user;
      write those records yourself (for example with M(autodns.ssl.zone_record)).
  returned: success
  type: list
  elements: str
  sample: [example.org]
order:
  description: The order the data was prepared for (V(renew) or V(reissue)); V(null) without O(certificate_id).
  returned: success
  type: str
  sample: reissue
"""

import functools

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._api_module import api_argument_spec, fail_on_empty_options, run_module
from ansible_collections.autodns.ssl.plugins.module_utils._certificate import certificate_by_id
from ansible_collections.autodns.ssl.plugins.module_utils._dcv import normalize_authentication
from ansible_collections.autodns.ssl.plugins.module_utils._renewal import (
    BUSINESS_CASES,
    ORDER_AUTO,
    ORDER_REISSUE,
    decision_argument_spec,
    decision_option_problem,
    plan_renewal,
    reissue_problem,
)
from ansible_collections.autodns.ssl.plugins.module_utils._x509 import checked_csr_option, require_cryptography


def order_of(module, client):
    """The order the certificate of certificate_id is prepared for, or None without one.

    Only order=auto reads the certificate: an explicit order is taken as it is (certificate_info decided it already
    in the usual chain), and certificate_renew checks the validation method again before a reissue is ordered.
    """
    params = module.params
    if params["certificate_id"] is None:
        return None
    if params["order"] != ORDER_AUTO:
        return params["order"]
    certificate = certificate_by_id(client, params["certificate_id"])
    order = plan_renewal(certificate, params["remaining_days"], order=params["order"])["order"]
    problem = reissue_problem(certificate) if order == ORDER_REISSUE else None
    if problem:
        module.fail_json(msg=problem)
    return order


def prepare(module, csr_pem, csr_info, client):
    params = module.params
    order = order_of(module, client)
    data = client.prepare_order(csr_pem, params["product"], params["certificate_id"], BUSINESS_CASES.get(order))
    if not data:
        module.fail_json(msg="The API checked the CSR but returned no validation data.")
    authentication = normalize_authentication(data.get("authentication"))
    unprovisioned = [entry["name"] for entry in authentication if entry["method"] == "DNS" and not entry["provisioning"]]
    return {
        "changed": False, "authentication": authentication, "csr_info": csr_info, "product": data.get("product") or params["product"],
        "order": order, "unprovisioned_names": list(dict.fromkeys(unprovisioned)),
    }


def main():
    argument_spec = api_argument_spec()
    argument_spec.update(
        csr={"type": "str", "required": True},
        product={"type": "str", "required": True},
        certificate_id={"type": "int"},
    )
    argument_spec.update(decision_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    problem = decision_option_problem(module.params)
    if problem:
        module.fail_json(msg=problem)
    fail_on_empty_options(module, ["product"])
    require_cryptography(module)
    csr_pem, csr_info = checked_csr_option(module)
    run_module(module, functools.partial(prepare, module, csr_pem, csr_info))


if __name__ == "__main__":
    main()
