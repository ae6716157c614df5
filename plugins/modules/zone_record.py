#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: zone_record
short_description: Create or remove domain-control records (TXT, CNAME) in AutoDNS zones
version_added: 0.1.0
description:
  - Makes one TXT or CNAME record, or a list of them, present or absent in the AutoDNS zones that hold their names.
  - Meant for the DNS validation of certificates whose zones AutoDNS does not provision on its own
    (see O(autodns.ssl.certificate_renew#module:dns_provisioning)). Create the record that
    M(autodns.ssl.certificate_prepare) returns in C(authentication[].dns_record), wait with M(autodns.ssl.wait_for_record)
    until the authoritative name servers serve it, renew, and remove the record afterwards so that no leftover
    disturbs the next validation.
  - DigiCert-family products (for example C(QUICKSSLPREMIUM), C(RAPID_SSL), C(SSL123)) validate by a TXT record
    at C(_dnsauth.<name>) or at the name itself; Sectigo-family products (C(COMODO_SSL), C(SECTIGO_SSL)) by a CNAME.
  - Without O(zone), the zone of each name is found by asking the API for the name itself and then for each parent
    name (C(POST /zone/_search), name EQUAL), longest first, so a record below a subdomain lands in the parent zone
    unless the subdomain is a zone of its own.
  - Every zone concerned is read (C(GET /zone/{origin}/{virtualNameServer})) and compared before anything is written.
    Changes go through the zone stream (C(POST /zone/{origin}/_stream)), which adds or removes single records,
    never by replacing the whole zone, so concurrent edits of other records are not lost.
  - Zones usually belong to the AutoDNS user (context V(4) or the Personal AutoDNS context) while certificates belong
    to the SSL Manager user (context V(9)). Pass the zone user's credentials to this module.
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._api
  - autodns.ssl._attributes
  - autodns.ssl._attributes.ACTIONGROUP_API
options:
  state:
    description:
      - V(present) adds each record unless the identical record (same name, type and value) is already in the zone.
      - V(absent) removes exactly each named record (same name, type and value). Other records at the same name,
        for example TXT records with other values, stay.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The absolute name of the record, for example V(_dnsauth.www.example.com). A trailing dot is allowed;
        case does not matter. Internationalized names in their C(xn--) form.
      - Exclusive with O(records); needs O(type) and O(value).
    type: str
  type:
    description:
      - The record type.
    type: str
    choices: [TXT, CNAME]
  value:
    description:
      - For TXT the text, without quotes; compared exactly.
      - For CNAME the absolute target name; compared without regard to case or a trailing dot.
    type: str
  ttl:
    description:
      - Time to live in seconds of a record that is added.
      - With O(records), the TTL of every entry that sets none.
      - The TTL is not part of the comparison; a record that exists with another TTL counts as present and is left as it is.
    type: int
    default: 300
  records:
    description:
      - Several records, for example the C(dns_record) of every DNS entry of C(authentication) that
        M(autodns.ssl.certificate_prepare) returned. They may lie in different zones.
      - Exclusive with O(name), O(type) and O(value).
    type: list
    elements: dict
    suboptions:
      name:
        description: The absolute name of the record, as in O(name).
        type: str
        required: true
      type:
        description: The record type.
        type: str
        required: true
        choices: [TXT, CNAME]
      value:
        description: The TXT text or CNAME target, as in O(value).
        type: str
        required: true
      ttl:
        description: Time to live in seconds; O(ttl) if not set.
        type: int
  zone:
    description:
      - The origin of the zone that holds every record, for example V(example.com).
      - Saves the search for the zone; every record name must lie inside it.
    type: str
  replace_cname:
    description:
      - With O(state=present), a CNAME replaces the CNAMEs to other targets at its name, in the same change of the zone,
        instead of failing because a CNAME must be the only record at its name. Records of other types at the name still fail the task.
      - Meant for validation records. The name of a Sectigo validation CNAME carries the hash of the CSR, so a CNAME there is a validation
        record of an earlier preparation of the same CSR, for example of a run that was stopped before it ordered; the new
        preparation's target replaces it. The role R(autodns.ssl.certificate_renewal,ansible_collections.autodns.ssl.docsite.role)
    type: bool
    default: false
    version_added: 0.2.0
attributes:
  check_mode:
    support: full
    details:
      - Reads the zones and reports what would change; writes nothing.
  diff_mode:
    support: full
    details:
      - The diff shows, in zone file notation, the records at the names concerned before and after.
  idempotent:
    support: full
    details:
      - An add that the API refuses because the identical record was added meanwhile (code EF02022) counts as present, not as a change.
notes:
  - Requests are read-only until the last step, so bad input or a conflict (a CNAME next to other records at one name)
    fails before any change.
  - A zone stream is sent once. When it gets no answer, the zone is read again and only what is still missing is sent once more.
  - With records in several zones, the zones are changed one after another. If a later zone fails, the failure
    result lists in RV(records) what was already changed.
seealso:
  - module: autodns.ssl.certificate_prepare
    description: Returns the DNS records the certificate authority checks.
  - module: autodns.ssl.wait_for_record
    description: Waits until the authoritative name servers serve the records.
  - module: autodns.ssl.certificate_renew
    description: Orders the renewal once the records are visible.
"""

EXAMPLES = r"""
# The API URL comes from AUTODNS_API_URL or module_defaults (group/autodns.ssl.api);
# the credentials are those of the AutoDNS user that owns the zones, not the SSL Manager user.
- name: Create the DigiCert validation record in the zone of the AutoDNS user
  autodns.ssl.zone_record:
    username: zone-user
    password: "{{ zone_password }}"
    context: 4
    name: _dnsauth.www.example.com
    type: TXT
    value: 2026112812345678abcdefghijklmnopqrstuv
  delegate_to: localhost
  run_once: true

- name: Create every DNS record that prepare returned
  autodns.ssl.zone_record:
    username: zone-user
    password: "{{ zone_password }}"
    context: 4
    records: "{{ prepared.authentication | selectattr('method', 'equalto', 'DNS') | map(attribute='dns_record') | list }}"
  delegate_to: localhost
  run_once: true

- name: Remove a Sectigo validation CNAME, and only that one
  autodns.ssl.zone_record:
    username: zone-user
    password: "{{ zone_password }}"
    context: 4
    state: absent
    zone: example.org
    name: _3a1f2c4d5e6f708192a3b4c5d6e7f809.shop.example.org
    type: CNAME
    value: 0c1d2e3f4a5b6c7d8e9fa0b1c2d3e4f5.a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1.x1y2z3.sectigo.com
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
records:
  description:
    - One entry per requested record (duplicates in the input once), in the order given.
    - On a failure while changing zones, the entries of zones changed before the failure show C(changed=true).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The absolute name, lowercase, without trailing dot.
      type: str
      sample: _dnsauth.www.example.com
    type:
      description: The record type.
      type: str
      sample: TXT
    value:
      description: The TXT text, or the CNAME target lowercase without trailing dot.
      type: str
      sample: 2026112812345678abcdefghijklmnopqrstuv
    ttl:
      description: The TTL requested for the record.
      type: int
      sample: 300
    zone:
      description: The origin of the zone that holds the record.
      type: str
      sample: example.com
    changed:
      description: Whether the record was added or removed by this task (or would be, in check mode).
      type: bool
      sample: true
  sample:
    - name: _dnsauth.www.example.com
      type: TXT
      value: 2026112812345678abcdefghijklmnopqrstuv
      ttl: 300
      zone: example.com
      changed: true
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._api_module import api_argument_spec, run_module
from ansible_collections.autodns.ssl.plugins.module_utils._dns_names import VALIDATION_RECORD_TYPES
from ansible_collections.autodns.ssl.plugins.module_utils._zone import manage_records


def main():
    argument_spec = api_argument_spec()
    argument_spec.update(
        state={"type": "str", "default": "present", "choices": ["present", "absent"]},
        name={"type": "str"},
        type={"type": "str", "choices": list(VALIDATION_RECORD_TYPES)},
        value={"type": "str"},
        ttl={"type": "int", "default": 300},
        records={
            "type": "list",
            "elements": "dict",
            "options": {
                "name": {"type": "str", "required": True},
                "type": {"type": "str", "required": True, "choices": list(VALIDATION_RECORD_TYPES)},
                "value": {"type": "str", "required": True},
                "ttl": {"type": "int"},
            },
        },
        zone={"type": "str"},
        replace_cname={"type": "bool", "default": False},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("records", "name"), ("records", "type"), ("records", "value")],
        required_one_of=[("name", "records")],
        required_together=[("name", "type", "value")],
        supports_check_mode=True,
    )

    run_module(module, lambda client: manage_records(client, module.params, check_mode=module.check_mode, warn=module.warn))


if __name__ == "__main__":
    main()
