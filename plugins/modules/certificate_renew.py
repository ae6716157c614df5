#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate_renew
short_description: Reissue or renew an AutoDNS SSL certificate when it is due, exactly once
version_added: 0.1.0
description:
  - Finds the certificate by O(certificate_id) or O(name) and, when it is due, orders a fresh certificate, either a free reissue
    (C(PUT /certificate/{id})) while the paid term runs on, or a renewal that buys a new term (C(PUT /certificate/{id}/_renew))
    when the term ends with the certificate. O(order) says how this is chosen.
  - A certificate is due when it expires within O(remaining_days) days, when AutoDNS reports that it must be reissued, or always
    with O(force=true).
  - The order runs at AutoDNS as an asynchronous job; the module returns its RV(job_id). Wait for the job with M(autodns.ssl.poll),
    then read the issued certificate with M(autodns.ssl.certificate_info) and O(autodns.ssl.certificate_info#module:previous=RV(previous)).
  - Before it orders, the module looks for a renew or reissue job of the certificate's name that is still running
    (C(POST /job/_search)). When there is one, it returns that job with RV(in_flight=true) and orders nothing. A refused order
    also leads to such a job where one runs. Orders of one certificate are serialized across the processes of the controller
    (forks, parallel plays) by a lock in the user's private state directory, so that they order once.
  - An order whose outcome is unknown (no answer, a dropped connection, an HTTP 5xx answer, a body that is not the API's JSON) is
    never sent again blindly. After a few seconds the module searches the running and the ended jobs (C(POST /job/_search),
    C(POST /job/history/_search)) for it, by the client transaction id (ctid) of the order request where the API records it,
    else by action, name and a creation time after the order was sent, and returns it. Only when the searches prove that no
    such order exists is it sent once more, and only once; where they cannot tell, the task fails and says what a rerun does.
  - A renewal more than 90 days before expiry, which the API refuses (code C(EF4001012)), fails the task before anything is ordered,
    in check mode too, and names the date from which a renewal is possible; so does a refusal with that code by the API itself.
  - A certificate for which the API reports no expiry date is never taken as expired; the task fails and orders nothing.
  - With O(certificates), one task renews many certificates as M(autodns.ssl.certificate_info) read them, without reading them
    again. It holds the locks of all their names at once (taken in one order, so that two such tasks never wait for each other),
    looks for the orders in flight of all of them with one search and for the orders placed since they were read with another,
    and then orders each due certificate once. A problem of one certificate is reported in its entry of RV(renewals) and does not
    stop the others; bad input (a CSR that cannot be used, a negative O(remaining_days), an entry that is not a certificate as
    M(autodns.ssl.certificate_info) returns it) fails the task before anything is asked.
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._api
  - autodns.ssl._renewal
  - autodns.ssl._attributes
  - autodns.ssl._attributes.ACTIONGROUP_API
attributes:
  check_mode:
    support: full
    details:
      - Reads the certificate (not with O(certificates)) and looks for an order in flight, orders nothing, and reports
        C(changed=true) and the RV(order) where an order would be placed. An order that would be refused before it is sent fails
        in check mode too (with O(certificates), is a RV(renewals[].problem)).
  diff_mode:
    support: none
  idempotent:
    support: partial
    details:
      - A certificate that is not due, or whose renew or reissue job is still running, is left alone with C(changed=false).
      - Whether AutoDNS issues the fresh certificate under a new id or keeps the id is not documented. Once the job has ended, a run
        with O(name) picks the issued certificate (it expires last) and finds it not due; where the id changed, a run with the old
        O(certificate_id) finds the old certificate still due and orders again, which the API refuses for a certificate that was
        already renewed.
      - With O(certificates), an order of the name placed since the certificate was read (running or ended) is returned instead of
        ordering, so running the task again with the same certificates orders nothing more.
options:
  certificate_id:
    description:
      - The id of the certificate to renew.
      - Exactly one of O(certificate_id), O(name) and O(certificates) is required.
    type: int
  certificates:
    description:
      - Many certificates to renew in one task, each as M(autodns.ssl.certificate_info) read it, with the options of its renewal.
      - The options O(term), O(csr), O(authentication), O(dns_provisioning), O(force), O(remaining_days) and O(order) apply to every
        entry that does not set its own.
      - The results are in RV(renewals), in the order of the entries.
      - Exactly one of O(certificate_id), O(name) and O(certificates) is required.
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      certificate:
        description:
          - The certificate as M(autodns.ssl.certificate_info) returned it (RV(autodns.ssl.certificate_info#module:certificate), or the
            C(certificate) of an element of RV(autodns.ssl.certificate_info#module:requested)), unchanged.
          - It is not read again. Orders of its name placed since its
            RV(autodns.ssl.certificate_info#module:certificate.read_at) are found and returned instead of ordering again.
        type: dict
        required: true
      term:
        description: The term of a renewal in months, as O(term).
        type: int
      csr:
        description: A new certificate signing request for this certificate, as O(csr).
        type: str
      authentication:
        description: The domain validation data for this certificate, as O(authentication).
        type: list
        elements: dict
      dns_provisioning:
        description: Whether AutoDNS writes the validation records of this certificate, as O(dns_provisioning).
        type: bool
      force:
        description: Order even when this certificate is not due, as O(force).
        type: bool
      remaining_days:
        description: When this certificate is due, as O(remaining_days).
        type: int
      order:
        description: Which order a renewal of this certificate is, as O(order).
        type: str
        choices: [auto, renew, reissue]
  name:
    description:
      - The name (common name) of the certificate to renew. Where several certificates have this name, the one that expires last is renewed.
      - Exactly one of O(certificate_id), O(name) and O(certificates) is required. An empty string is refused.
    type: str
  term:
    description:
      - The term of a renewal in months, for example V(12).
      - If not set, the certificate's current term is used.
      - It must be a term the certificate's product is sold for (V(12) or V(24) months for the products the collection knows);
        another term fails the task before anything is ordered.
      - A reissue keeps the certificate's term; a different O(term) fails the task before anything is ordered.
    type: int
  csr:
    description:
      - A new certificate signing request in PEM format for the fresh certificate, for example to change the key.
      - If not set, the API reissues or renews with the certificate's current CSR. An empty string is refused, not taken for "not set".
      - Checked locally before any API call like in M(autodns.ssl.certificate_prepare); the API receives it re-encoded as a plain PEM block.
        Text that holds a private key is refused, and the key is kept out of the task's output.
      - Its common name must be the certificate's name, and it must not name domains the certificate does not have; this is checked
        once the certificate is read, before anything is ordered.
    type: str
  authentication:
    description:
      - The domain validation data to use, exactly the RV(autodns.ssl.certificate_prepare#module:authentication) list returned by
        M(autodns.ssl.certificate_prepare) for the CSR of this order (the new O(csr), or the certificate's current CSR).
      - The DNS entries of the list are sent; the entry of the common name gives the main validation record.
      - If not set, the API chooses the validation values itself, which only suits O(dns_provisioning=true).
    type: list
    elements: dict
  dns_provisioning:
    description:
      - Let AutoDNS write and remove the DNS validation records itself. This only works for zones managed by the linked AutoDNS account.
      - Set to V(false) when the records are written otherwise, for example with M(autodns.ssl.zone_record). An order then needs
        O(authentication), so that it validates with the records written; without it the task fails before ordering (a job already
        in flight is still returned).
    type: bool
    default: true
  force:
    description:
      - Order even when the certificate is not due.
      - Also allows O(order=renew) while the paid term outlives the certificate, which buys a new term although the current one is paid.
      - It does not open the renewal window earlier; a renewal more than 90 days before expiry is refused before anything is ordered.
    type: bool
    default: false
requirements:
  - cryptography
notes:
  - Whether AutoDNS keeps the certificate's id or issues the fresh certificate under a new id is not documented; the collection works
    with both. M(autodns.ssl.poll) returns the id the job names, and M(autodns.ssl.certificate_info) with
    O(autodns.ssl.certificate_info#module:previous) proves which certificate the order issued.
seealso:
  - module: autodns.ssl.certificate_info
    description: Find the certificate and how many days it has left.
  - module: autodns.ssl.certificate_prepare
    description: Get the domain validation data that O(authentication) takes.
  - module: autodns.ssl.zone_record
    description: Write the DNS validation records yourself when AutoDNS does not provision the zone.
  - module: autodns.ssl.poll
    description: Wait for the job and learn the id of the issued certificate.
"""

EXAMPLES = r"""
- name: Renew www.example.com when it expires within 30 days
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

    - name: Reissue within the paid term, or renew when the term ends, letting AutoDNS write the validation records
      autodns.ssl.certificate_renew:
        certificate_id: "{{ current.certificate.id }}"
        authentication: "{{ prepared.authentication }}"
        dns_provisioning: true
      register: renewal

    - name: Wait for the job
      autodns.ssl.poll:
        job_id: "{{ renewal.job_id }}"
        wait_timeout: 1800
      register: finished
      when: renewal.job_id is not none

    - name: Read the certificate the order issued
      autodns.ssl.certificate_info:
        certificate_id: "{{ finished.message.certificate_id | default(omit, true) }}"
        previous: "{{ renewal.previous }}"
      when: renewal.job_id is not none

- name: Read two certificates with one task
  autodns.ssl.certificate_info:
    names: [www.example.com, shop.example.com]
  register: fleet
  delegate_to: localhost
  run_once: true

- name: Reissue or renew the due ones together, shop.example.com with a new key
  autodns.ssl.certificate_renew:
    certificates:
      - certificate: "{{ fleet.requested[0].certificate }}"
      - certificate: "{{ fleet.requested[1].certificate }}"
        csr: "{{ lookup('ansible.builtin.file', 'shop.example.com.csr') }}"
    dns_provisioning: true
  register: fleet_renewals
  delegate_to: localhost
  run_once: true

- name: Show what could not be ordered
  ansible.builtin.debug:
    msg: "{{ fleet_renewals.renewals | rejectattr('problem', 'none') | map(attribute='problem') }}"

- name: Renew with a new key, for two years, 60 days ahead
  autodns.ssl.certificate_renew:
    name: shop.example.com
    csr: "{{ lookup('ansible.builtin.file', 'shop.example.com.csr') }}"
    order: renew
    term: 24
    remaining_days: 60
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
renewals:
  description:
    - With O(certificates), one entry per element of O(certificates), in the same order.
    - Each entry has the keys this task returns for one certificate (RV(certificate_id), RV(name), RV(days_remaining), RV(expire),
      RV(payable), RV(due), RV(due_reason), RV(order), RV(previous), RV(job_id), RV(job_status), RV(ctid), RV(in_flight), and
      C(changed)), and RV(renewals[].problem).
  returned: with O(certificates)
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    problem:
      description:
        - Why this certificate was not ordered although it is due, as the task's message would say it for one certificate; V(null)
          where nothing stood against it.
        - Where an API call failed, the entry also has C(api_error) (see RV(api_error)), and where a renewal is too early
          C(renewal_possible_from).
      type: str
certificate_id:
  description: The id of the certificate that is reissued or renewed (as it was before the order).
  returned: success, without O(certificates)
  type: int
  sample: 1658023
name:
  description: The certificate's name.
  returned: success, without O(certificates)
  type: str
  sample: www.example.com
days_remaining:
  description: Whole days until the certificate expires.
  returned: success, without O(certificates)
  type: int
  sample: 20
expire:
  description: The certificate's expiry (ISO 8601).
  returned: success, without O(certificates)
  type: str
  sample: "2026-12-18T23:59:59+00:00"
payable:
  description: The end of the paid term (ISO 8601), the API's C(payable); V(null) where the API reports none.
  returned: success, without O(certificates)
  type: str
  sample: "2028-06-30T23:59:59+00:00"
due:
  description: Whether the certificate is due (see O(remaining_days) and O(force)).
  returned: success, without O(certificates)
  type: bool
  sample: true
due_reason:
  description: Why the certificate is due, as a sentence; V(null) when it is not due.
  returned: success, without O(certificates)
  type: str
  sample: expires in 20 days, within remaining_days (30)
order:
  description:
    - The order placed (V(renew) or V(reissue)), the order of the job found in flight, or in check mode the order that would be placed.
    - V(null) when the certificate is not due.
  returned: success, without O(certificates)
  type: str
  sample: reissue
previous:
  description:
    - The certificate as it was when the order was placed, and the key of the CSR that was ordered.
    - Pass it to O(autodns.ssl.certificate_info#module:previous) to read the certificate this order issued.
    - V(null) when the certificate is not due.
  returned: success, without O(certificates)
  type: dict
  contains:
    id:
      description: The certificate's id before the order.
      type: int
    name:
      description: The certificate's name.
      type: str
    serial_number:
      description: The serial number before the order.
      type: str
    expire:
      description: The expiry before the order (ISO 8601).
      type: str
    public_key_sha256:
      description: The SHA-256 of the public key of the ordered CSR; the issued certificate must carry this key.
      type: str
job_id:
  description:
    - The id of the reissue or renewal job, ordered by this task or found in flight.
    - V(null) when the certificate is not due, and in check mode unless a job was found in flight.
  returned: success, without O(certificates)
  type: int
  sample: 4297539521
job_status:
  description: The job's status as the API reported it (for example V(RUNNING) or V(DEFERRED)); V(null) where the API did not say.
  returned: success, without O(certificates)
  type: str
  sample: RUNNING
ctid:
  description:
    - The client transaction id of the order request, or of the request that started the job found in flight.
    - The message of the ended job carries the same ctid.
  returned: success, without O(certificates)
  type: str
  sample: autodns-ssl-6f1c0e7a5d2b4c1e9a7f3b2d1c0e9f8a
in_flight:
  description:
    - Whether a reissue or renewal job that was already running, or that another process ordered while this one waited for
      the certificate's lock, was returned instead of ordering.
  returned: success, without O(certificates)
  type: bool
  sample: false
renewal_possible_from:
  description: The first moment (ISO 8601) at which the API accepts the renewal, 90 days before expiry.
  returned: failure, when a renewal is refused as too early (by the module, or by the API with C(EF4001012))
  type: str
  sample: "2027-09-19T23:59:59+00:00"
api_error:
  description: The API's answer to the failed call.
  returned: failure, when an API call failed
  type: dict
  contains:
    operation:
      description: The API task that failed.
      type: str
      sample: CertificateRenew
    http_status:
      description: The HTTP status of the answer, V(null) without an answer.
      type: int
      sample: 400
    status_code:
      description: The status code of the answer.
      type: str
      sample: E400106
    codes:
      description: The codes of the answer's messages.
      type: list
      elements: str
      sample: [EF4001012]
    texts:
      description: The texts of the answer's messages, in the user's language.
      type: list
      elements: str
    stid:
      description: The server transaction id.
      type: str
    ctid:
      description: The client transaction id of the failed request.
      type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._api_module import api_argument_spec, fail_on_empty_options, run_module
from ansible_collections.autodns.ssl.plugins.module_utils._certificate import CertificateDescriptionError, certificate_from_description
from ansible_collections.autodns.ssl.plugins.module_utils._renewal import (
    ORDER_CHOICES,
    RenewalRequest,
    decision_argument_spec,
    decision_option_problem,
    order_option_problem,
    renew_certificate,
    renew_certificates,
    renewal_entries,
)
from ansible_collections.autodns.ssl.plugins.module_utils._x509 import checked_csr_option, checked_csr_value, require_cryptography

# The options an entry of certificates can set for itself; where it does not, the task's option applies.
ENTRY_OPTIONS = ("term", "csr", "authentication", "dns_provisioning", "force", "remaining_days", "order")
CSR_UNSET_HINT = "leave csr out to order with the CSR AutoDNS holds"


def requested_renewals(module):
    """A RenewalRequest per entry of certificates; bad input fails the task here, before anything is asked."""
    requests = []
    for index, entry in enumerate(module.params["certificates"]):
        label = f"certificates[{index}]"
        options = {key: module.params[key] if entry[key] is None else entry[key] for key in ENTRY_OPTIONS}
        problem = order_option_problem(options) or decision_option_problem(options)
        if problem:
            module.fail_json(msg=f"{label}: {problem}")
        try:
            certificate, read_at = certificate_from_description(entry["certificate"])
        except CertificateDescriptionError as error:
            module.fail_json(msg=f"{label}: {error}")
        options["csr"], csr_info = checked_csr_value(module, options["csr"], f"{label}.csr", CSR_UNSET_HINT)
        requests.append(RenewalRequest(certificate, read_at, options, csr_info))
    return requests


def main():
    argument_spec = api_argument_spec()
    entry_spec = {
        "certificate": {"type": "dict", "required": True},
        "term": {"type": "int"},
        "csr": {"type": "str"},
        "authentication": {"type": "list", "elements": "dict"},
        "dns_provisioning": {"type": "bool"},
        "force": {"type": "bool"},
        "remaining_days": {"type": "int"},
        "order": {"type": "str", "choices": list(ORDER_CHOICES)},
    }
    argument_spec.update(
        certificate_id={"type": "int"},
        name={"type": "str"},
        certificates={"type": "list", "elements": "dict", "options": entry_spec},
        term={"type": "int"},
        csr={"type": "str"},
        authentication={"type": "list", "elements": "dict"},
        dns_provisioning={"type": "bool", "default": True},
        force={"type": "bool", "default": False},
    )
    argument_spec.update(decision_argument_spec())
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("certificate_id", "name", "certificates")],
        required_one_of=[("certificate_id", "name", "certificates")],
        supports_check_mode=True,
    )
    options = dict(module.params)
    problem = order_option_problem(options) or decision_option_problem(options)
    if problem:
        module.fail_json(msg=problem)
    fail_on_empty_options(module, ["name"])
    require_cryptography(module)
    options["csr"], csr_info = checked_csr_option(module, unset_hint=CSR_UNSET_HINT)
    if options["certificates"] is None:
        run_module(module, lambda client: renew_certificate(client, options, check_mode=module.check_mode, csr_info=csr_info))
    else:
        requests = requested_renewals(module)
        run_module(module, lambda client: renewal_entries(renew_certificates(client, requests, check_mode=module.check_mode)))


if __name__ == "__main__":
    main()
