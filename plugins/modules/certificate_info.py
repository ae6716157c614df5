#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate_info
short_description: Read SSL certificates of the AutoDNS SSL Manager
version_added: 0.1.0
description:
  - Reads one certificate by its id, or every certificate of a name, or with O(all=true) every certificate of the account,
    from the AutoDNS JSON API (C(GET /certificate/{id}), C(POST /certificate/_search)).
  - Returns the certificate with its PEM, the intermediate chain, the expiry and the days remaining, ready to deploy or to decide about a renewal.
  - Cross-checks the notAfter date of the certificate PEM with the API's expiry date and warns where they disagree.
  - Tells for each certificate what M(autodns.ssl.certificate_renew) with the same O(remaining_days), O(order) and O(force) would
    decide (RV(certificate.renewal)), and how long its paid term runs (RV(certificate.payable)).
  - With O(previous), reads the certificate that a reissue or renewal issued, proven by evidence rather than by its id.
  - For a due certificate it also looks for a reissue or renewal job that is already running (C(POST /job/_search)), and returns it
    in RV(certificate.renewal.job).
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._api
  - autodns.ssl._renewal
  - autodns.ssl._attributes
  - autodns.ssl._attributes.ACTIONGROUP_API
  - autodns.ssl._attributes.INFO_MODULE
options:
  certificate_id:
    description:
      - The id of the certificate.
      - The task fails when no certificate with this id exists for the user.
      - With O(previous), the id the job named for the issued certificate; it is taken only where the evidence holds.
      - At most one of O(certificate_id) and O(name), and one of them or O(previous), is required.
    type: int
  name:
    description:
      - The name (common name) of the certificates to read.
      - A name without a certificate is not an error; RV(certificate) is then V(null) and RV(certificates) empty. An empty string is refused.
      - At most one of O(certificate_id) and O(name), and one of them or O(previous), is required.
    type: str
  names:
    description:
      - Several certificates by name, answered in RV(requested) in this order; each name means its certificate that expires last.
      - One search answers for all names, and each current certificate is read once; for the due ones, one more search looks for jobs in flight.
      - A name without a certificate is a RV(requested[].problem), not a failure of the task. An empty string is refused.
      - Can be combined with O(certificate_ids), not with O(certificate_id), O(name), O(previous) or O(issued_by).
    type: list
    elements: str
  all:
    description:
      - With V(true), reads every certificate of the account, for example for a report of what expires when and what the next
        renewal run would do. Answered in RV(certificates), by name.
      - Each name and product counts once, with its current certificate, the one that expires last. The certificates a reissue or
        renewal replaced under a new id (AutoDNS keeps them) are left out, as a renewal run never acts on them.
      - Pages through the certificate search without a filter (C(view.limit) and C(view.offset), the total from C(object.summary)),
        then reads each current certificate once, at the API's rate of 3 requests per second.
      - Cannot be combined with O(certificate_id), O(name), O(names), O(certificate_ids), O(previous) or O(issued_by).
    type: bool
  certificate_ids:
    description:
      - Several certificates by id, answered in RV(requested) after the O(names).
      - Each id means that certificate, or the certificate that succeeded it where AutoDNS issued a reissued or renewed certificate under a
        new id. The successor is the certificate of the same name and product that expires latest, later than the configured one.
      - An unknown id is a RV(requested[].problem), not a failure of the task.
    type: list
    elements: int
  previous:
    description:
      - The RV(autodns.ssl.certificate_renew#module:previous) of a reissue or renewal whose job has ended.
      - The module then returns the certificate that order issued. It must carry another serial number than the previous certificate,
        expire later, and carry the public key of the ordered CSR. The certificate of O(certificate_id) is taken where it passes,
        else the certificate of the same name that passes. The task fails when none does, so that the old certificate is never
        taken for the new one.
      - This holds whether AutoDNS issued the certificate under a new id or kept the id.
    type: dict
  announced:
    description:
      - With O(previous), the issued certificate as the job's message carried it, RV(autodns.ssl.poll#module:jobs[].certificate).
      - Where it passes the evidence of O(previous), it is returned without reading anything from the API; otherwise the module
        reads as without it. V(null) or an empty value counts as not given.
    type: dict
    version_added: 0.2.0
  issued_by:
    description:
      - The certificates several reissues or renewals issued, each found as O(previous) with O(certificate_id) and O(announced) finds
        it, answered in RV(requested) in this order.
      - An order whose issued certificate is not found, or whose read fails, is a RV(requested[].problem), not a failure of the task.
      - Cannot be combined with any other option that picks certificates.
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      previous:
        description: The RV(autodns.ssl.certificate_renew#module:previous) of the order, as O(previous).
        type: dict
        required: true
      certificate_id:
        description: The id the order's job named for the issued certificate, as O(certificate_id) with O(previous).
        type: int
      announced:
        description: The certificate the job's message carried, as O(announced).
        type: dict
  force:
    description:
      - Count every certificate as due in RV(certificate.renewal), as M(autodns.ssl.certificate_renew) with O(force=true) would.
    type: bool
    default: false
requirements:
  - cryptography
seealso:
  - module: autodns.ssl.certificate_prepare
    description: Prepare the renewal of a certificate found here.
  - module: autodns.ssl.certificate_renew
  - module: autodns.ssl.certificate_check
    description: Check a certificate found here on the host that uses it.
"""

EXAMPLES = r"""
- name: Read the certificates of www.example.com, then renew two certificates together and read what the orders issued
  module_defaults:
    group/autodns.ssl.api:
      api_url: "{{ autodns_api_url }}"
      username: "{{ autodns_username }}"
      password: "{{ autodns_password }}"
      context: 9
  delegate_to: localhost
  run_once: true
  block:
    - name: Find the certificate with the latest expiry
      autodns.ssl.certificate_info:
        name: www.example.com
      register: found

    - name: Show when it expires
      ansible.builtin.debug:
        msg: "{{ found.certificate.name }} expires in {{ found.certificate.days_remaining }} days"
      when: found.certificate is not none

    - name: Show whether it is due and whether a reissue or a renewal would get it a fresh certificate
      ansible.builtin.debug:
        msg: >-
          {{ found.certificate.name }}: {{ found.certificate.renewal.order if found.certificate.renewal.due else 'not due' }},
          term paid until {{ found.certificate.payable }}
      when: found.certificate is not none

    - name: Read the same certificate by its id
      autodns.ssl.certificate_info:
        certificate_id: "{{ found.certificate.id }}"
      register: by_id
      when: found.certificate is not none

    - name: Read every certificate of the account
      autodns.ssl.certificate_info:
        all: true
      register: account

    - name: Show which certificates the next renewal run would reissue or renew
      ansible.builtin.debug:
        msg: "{{ account.certificates | selectattr('renewal.due') | map(attribute='name') | list }}"

    - name: Read two certificates to renew them together
      autodns.ssl.certificate_info:
        names: [www.example.com, shop.example.com]
      register: pair

    - name: Reissue or renew them, letting AutoDNS write the validation records
      autodns.ssl.certificate_renew:
        certificates:
          - certificate: "{{ pair.requested[0].certificate }}"
          - certificate: "{{ pair.requested[1].certificate }}"
      register: pair_orders

    - name: Wait for both jobs
      autodns.ssl.poll:
        job_ids: "{{ pair_orders.renewals | map(attribute='job_id') | list }}"
        wait_timeout: 1800
      register: pair_jobs

    - name: Read the certificates the two orders issued (taken from the job messages where those carry them whole)
      autodns.ssl.certificate_info:
        issued_by:
          - previous: "{{ pair_orders.renewals[0].previous }}"
            certificate_id: "{{ pair_jobs.jobs[0].certificate_id }}"
            announced: "{{ pair_jobs.jobs[0].certificate }}"
          - previous: "{{ pair_orders.renewals[1].previous }}"
            certificate_id: "{{ pair_jobs.jobs[1].certificate_id }}"
            announced: "{{ pair_jobs.jobs[1].certificate }}"
      register: pair_issued

    - name: Show the new serial numbers
      ansible.builtin.debug:
        msg: "{{ pair_issued.requested | map(attribute='certificate.serial_number') | list }}"
"""

RETURN = r"""
certificate:
  description:
    - The certificate of O(certificate_id), or of O(name) the one with the latest expiry, or with O(previous) the one the order issued.
    - V(null) when no certificate has the O(name).
  returned: with O(certificate_id), O(name) or O(previous)
  type: dict
  contains:
    id:
      description: The certificate's id.
      type: int
      sample: 1658000
    name:
      description: The certificate's name (its common name).
      type: str
      sample: www.example.com
    product:
      description: The certificate product.
      type: str
      sample: QUICKSSLPREMIUM
    term:
      description: The term in months.
      type: int
      sample: 12
    expire:
      description: When the certificate expires, according to the API (ISO 8601).
      type: str
      sample: "2026-12-18T23:59:59+00:00"
    days_remaining:
      description: Whole days until RV(certificate.expire); negative once it has passed.
      type: int
      sample: 20
    serial_number:
      description: The serial number in upper-case hexadecimal; V(null) while the API has none yet.
      type: str
      sample: 0A1B2C3D4E5F
    pem:
      description: The certificate (leaf) in PEM format; V(null) while the API has none.
      type: str
      sample: "-----BEGIN CERTIFICATE-----\nMIID...\n-----END CERTIFICATE-----\n"
    chain_pem:
      description:
        - The intermediate certificates in PEM format, concatenated in the API's order (the issuer of the leaf first).
        - V(null) where the API returns no intermediates.
      type: str
    fullchain_pem:
      description: RV(certificate.pem) followed by RV(certificate.chain_pem); V(null) while there is no PEM.
      type: str
    csr:
      description: The certificate signing request the certificate was issued for, in PEM format, or V(null).
      type: str
    subject_alt_names:
      description: The subject alternative names the API lists for the certificate.
      type: list
      elements: str
      sample: [www.example.com, example.com]
    created:
      description: When the certificate was created at the API (ISO 8601), or V(null).
      type: str
      sample: "2025-12-18T10:12:31+00:00"
    updated:
      description: When the certificate was last changed at the API (ISO 8601), or V(null).
      type: str
      sample: "2025-12-18T10:15:02+00:00"
    not_after_matches_expire:
      description:
        - Whether the notAfter date of RV(certificate.pem) agrees with RV(certificate.expire) (within a day, as the API rounds to the end of the day).
        - V(null) where the API returns no PEM or no expiry. On a mismatch the task also warns.
      type: bool
      sample: true
    authentication_method:
      description: The domain validation method of the certificate (for example V(DNS)), or V(null).
      type: str
      sample: DNS
    payable:
      description:
        - The end of the paid term (ISO 8601), the API's C(payable); V(null) where the API reports none.
        - Within the term a fresh certificate is a free reissue; after it a renewal buys a new term.
      type: str
      sample: "2028-06-30T23:59:59+00:00"
    subscription_days_remaining:
      description: Whole days until RV(certificate.payable); V(null) where the API reports no C(payable).
      type: int
      sample: 570
    multiyear:
      description: Whether the API marks the certificate as a multi-year subscription.
      type: bool
      sample: true
    reissue_required:
      description: Whether AutoDNS reports that the certificate must be reissued (the API's C(reissueRequired)).
      type: bool
      sample: false
    renewal:
      description: What M(autodns.ssl.certificate_renew) with the same O(remaining_days), O(order) and O(force) would decide.
      type: dict
      contains:
        due:
          description: Whether the certificate is due.
          type: bool
          sample: true
        reason:
          description: Why it is due, as a sentence; V(null) when it is not.
          type: str
          sample: expires in 20 days, within remaining_days (30)
        order:
          description: The order a fresh certificate would take, V(reissue) or V(renew), due or not.
          type: str
          sample: reissue
        problem:
          description:
            - Why that order would be refused before anything is sent, or V(null). For example O(order=renew) while the term runs on,
              a renewal more than 90 days before expiry (which AutoDNS refuses with C(EF4001012)), or a certificate for which AutoDNS
              reports no expiry date (it counts as due, so that it is not overlooked, but nothing can be ordered for it).
          type: str
        job:
          description:
            - The reissue or renewal job already running for a due certificate (looked up only for due certificates), or V(null).
            - Its validation waits for the records in RV(certificate.validation_records); publish those, not freshly prepared ones.
          type: dict
          contains:
            id:
              description: The job id.
              type: int
            status:
              description: The job status, for example V(DEFERRED) while it waits for the validation records.
              type: str
            sub_status:
              description: The job's sub-status, for example V(WF_DNS_AUTH), or V(null).
              type: str
            action:
              description: V(renew) or V(reissue).
              type: str
            created:
              description: When the job was created (ISO 8601), or V(null).
              type: str
    validation_records:
      description:
        - The DNS validation records of the certificate's last order as AutoDNS holds them (its C(authentication)), in the shape
          M(autodns.ssl.zone_record) takes; empty where AutoDNS holds none.
        - While a job runs, these are the records it waits for.
      type: list
      elements: dict
    software:
      description: The server software the certificate is ordered for (the API's C(software)), or V(null).
      type: str
      sample: APACHE2
    admin_contact_id:
      description: The id of the certificate's administrative contact, or V(null).
      type: int
    technical_contact_id:
      description: The id of the certificate's technical contact, or V(null).
      type: int
    read_at:
      description:
        - When the task began to read the certificate (ISO 8601).
        - Pass the whole certificate to O(autodns.ssl.certificate_renew#module:certificates[].certificate); the renewal then
          counts every order of the name placed since this moment.
      type: str
      sample: "2026-11-30T06:00:00.120512+00:00"
requested:
  description:
    - With O(names) or O(certificate_ids), one entry per requested certificate, the names first, in the order given.
    - With O(issued_by), one entry per order, in the order given.
  returned: with O(names), O(certificate_ids) or O(issued_by)
  type: list
  elements: dict
  contains:
    requested:
      description: The name or id as requested; with O(issued_by), the O(issued_by[].previous) of the order.
      type: raw
      sample: www.example.com
    certificate:
      description: The current certificate, with the same keys as RV(certificate); V(null) where none was found.
      type: dict
    problem:
      description: Why no certificate was found, or V(null).
      type: str
certificates:
  description:
    - Every certificate of O(name), the latest expiry first; for O(certificate_id) or O(previous) a list of that one certificate.
    - With O(all=true), the current certificate of every name and product of the account, by name.
    - Each element has the same keys as RV(certificate).
  returned: without O(names), O(certificate_ids) and O(issued_by)
  type: list
  elements: dict
"""

import datetime
import functools

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._api_module import api_argument_spec, fail_on_empty_options, run_module
from ansible_collections.autodns.ssl.plugins.module_utils._certificate import (
    account_certificates,
    certificate_by_id,
    certificates_by_name,
    current_certificates,
    describe_certificate,
    IssuedCertificateNotFound,
    issued_certificate,
)
from ansible_collections.autodns.ssl.plugins.module_utils._client import AutoDNSError
from ansible_collections.autodns.ssl.plugins.module_utils._renewal import (
    decision_argument_spec,
    decision_option_problem,
    describe_in_flight,
    orders_in_flight,
    plan_renewal,
)
from ansible_collections.autodns.ssl.plugins.module_utils._x509 import require_cryptography

PREVIOUS_KEYS = ("id", "name", "serial_number", "expire")
# The options that pick certificates; ``all`` takes none of the others.
SELECTORS = ("certificate_id", "name", "names", "certificate_ids", "previous", "issued_by")
# The options answered in ``requested``, one entry per certificate asked for.
LISTS = ("names", "certificate_ids", "issued_by")


def find_certificates(module, client):
    """The certificates to describe, as (requested, certificate, problem)."""
    params = module.params
    if params["names"] is not None or params["certificate_ids"] is not None:
        return current_certificates(client, params["names"] or [], params["certificate_ids"] or [])
    if params["issued_by"] is not None:
        return [issued_by_order(client, entry) for entry in params["issued_by"]]
    if params["all"]:
        certificates = account_certificates(client)
    elif params["previous"] is not None:
        certificates = [issued_certificate(client, params["previous"], params["certificate_id"], params["announced"])]
    elif params["certificate_id"] is None:
        certificates = certificates_by_name(client, params["name"])
    else:
        certificates = [certificate_by_id(client, params["certificate_id"])]
    return [(None, certificate, None) for certificate in certificates]


def issued_by_order(client, entry):
    """(requested, certificate, problem) of one entry of issued_by; one order's failed read does not stop the others."""
    try:
        return entry["previous"], issued_certificate(client, entry["previous"], entry["certificate_id"], entry["announced"]), None
    except (IssuedCertificateNotFound, AutoDNSError) as error:
        return entry["previous"], None, str(error)


def read_certificates(module, client):
    params = module.params
    read_at = datetime.datetime.now(datetime.timezone.utc)
    found = find_certificates(module, client)
    now = datetime.datetime.now(datetime.timezone.utc)
    plans = {}
    for index, (dummy, certificate, dummy_problem) in enumerate(found):
        if certificate is not None:
            plans[index] = plan_renewal(certificate, params["remaining_days"], params["force"], params["order"], now)
    due = [found[index][1] for index, plan in plans.items() if plan["due"]]
    # A certificate an order has just issued has no order in flight.
    in_flight = orders_in_flight(client, due) if due and params["previous"] is None and params["issued_by"] is None else {}
    answers = []
    for index, (requested, certificate, problem) in enumerate(found):
        description = None
        if certificate is not None:
            description, warnings = describe_certificate(certificate, now, read_at)
            for warning in warnings:
                module.warn(warning)
            job = in_flight.get(certificate["name"].lower()) if plans[index]["due"] else None
            description["renewal"] = dict(plans[index], job=describe_in_flight(job) if job is not None else None)
        answers.append({"requested": requested, "certificate": description, "problem": problem})
    result = {"changed": False}
    if any(params[name] is not None for name in LISTS):
        result["requested"] = answers
        return result
    described = [answer["certificate"] for answer in answers]
    result["certificates"] = described
    if not params["all"]:
        result["certificate"] = described[0] if described else None
    return result


def main():
    argument_spec = api_argument_spec()
    argument_spec.update(
        certificate_id={"type": "int"},
        name={"type": "str"},
        previous={"type": "dict"},
        announced={"type": "dict"},
        issued_by={"type": "list", "elements": "dict", "options": {
            "previous": {"type": "dict", "required": True}, "certificate_id": {"type": "int"}, "announced": {"type": "dict"}}},
        names={"type": "list", "elements": "str"},
        certificate_ids={"type": "list", "elements": "int"},
        force={"type": "bool", "default": False},
        # No default: a default would count as given for required_one_of.
        all={"type": "bool"},
    )
    argument_spec.update(decision_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("certificate_id", "name", "names"), ("certificate_id", "name", "certificate_ids"), ("name", "previous"),
                            ("previous", "names"), ("previous", "certificate_ids")]
        + [("issued_by", other) for other in ("certificate_id", "name", "previous", "announced", "names", "certificate_ids")],
        required_one_of=[("certificate_id", "name", "previous", "names", "certificate_ids", "issued_by", "all")],
        supports_check_mode=True,
    )
    problem = decision_option_problem(module.params)
    previous = module.params["previous"]
    if module.params["announced"] and previous is None:
        problem = "announced is the certificate a job's message carried and needs previous, the renewal it is to be proven against."
    previous_values = [("previous", previous)]
    previous_values += [(f"issued_by[{index}].previous", entry["previous"]) for index, entry in enumerate(module.params["issued_by"] or [])]
    for label, value in previous_values:
        if value is not None and any(key not in value for key in PREVIOUS_KEYS):
            problem = f"{label} must be the previous value certificate_renew returned, with the keys {', '.join(PREVIOUS_KEYS)}."
    selected = [name for name in SELECTORS if module.params[name] is not None]
    if module.params["all"] and selected:
        problem = f"all reads every certificate of the account and cannot be combined with {', '.join(selected)}."
    elif module.params["all"] is False and not selected:
        problem = f"all is false, so one of {', '.join(SELECTORS)} is needed to say which certificates to read."
    if problem:
        module.fail_json(msg=problem)
    fail_on_empty_options(module, ["name"])
    if any(not name.strip() for name in module.params["names"] or []):
        module.fail_json(msg="names holds an empty string. Remove it from names, or set the name of a certificate there.")
    require_cryptography(module)
    run_module(module, functools.partial(read_certificates, module))


if __name__ == "__main__":
    main()
