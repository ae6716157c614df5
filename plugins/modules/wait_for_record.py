#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: wait_for_record
short_description: Wait until the authoritative name servers serve DNS records
version_added: 0.1.0
description:
  - Waits until every authoritative name server of the zone of each record answers with that record, so that the
    certificate authority finds the domain-control record when it checks.
  - Asks each name server directly, over UDP and over TCP where an answer is truncated, without recursion, so
    no resolver cache hides a record or serves an old one.
  - Without O(nameservers), finds the zone of each name by SOA queries through the resolver of the host the module runs on,
    walking up from the name, then the zone's name servers (NS) and their addresses. It asks each name server at its IPv4
    addresses, or at its IPv6 addresses where it has no IPv4 address.
  - Between rounds of queries it pauses one second at first, then twice as long each time up to O(max_interval).
  - This module does not talk to the AutoDNS API and needs no credentials.
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._attributes
  - autodns.ssl._attributes.INFO_MODULE
options:
  records:
    description:
      - The records to wait for. The C(dns_record) entries of M(autodns.ssl.certificate_prepare) and the O(autodns.ssl.zone_record#module:records)
        of M(autodns.ssl.zone_record) fit as they are.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The absolute name of the record, for example V(_dnsauth.www.example.com). Case and a trailing dot do not matter.
        type: str
        required: true
      type:
        description: The record type.
        type: str
        required: true
        choices: [TXT, CNAME]
      value:
        description:
          - For TXT the text without quotes. It must equal the strings of one TXT record joined together (long texts are served as several strings).
          - For CNAME the target name; compared without regard to case or a trailing dot.
        type: str
        required: true
      ttl:
        description: Not used. Accepted so that the same record list can be passed to M(autodns.ssl.zone_record) and to this module.
        type: int
  nameservers:
    description:
      - Ask these name servers instead of the authoritative ones found through DNS.
      - Each entry is an IP address with an optional port, for example V(192.0.2.53), V(192.0.2.53:5353) or V([2001:db8::53]:5353).
    type: list
    elements: str
  timeout:
    description:
      - Seconds to wait in total before failing. V(0) checks once.
    type: int
    default: 300
  max_interval:
    description:
      - The longest pause in seconds between two rounds of queries.
    type: int
    default: 10
notes:
  - The module runs on the host of the task. Use C(delegate_to) to check from elsewhere, for example from the controller.
  - A record counts as visible once every name server answers it in the same round of queries.
requirements:
  - dnspython
seealso:
  - module: autodns.ssl.zone_record
    description: Creates the records in AutoDNS zones.
  - module: autodns.ssl.certificate_prepare
    description: Returns the records the certificate authority checks.
  - module: autodns.ssl.certificate_renew
    description: Orders the renewal once the records are visible.
"""

EXAMPLES = r"""
- name: Wait until the authoritative name servers serve the validation records
  autodns.ssl.wait_for_record:
    records: "{{ prepared.authentication | selectattr('method', 'equalto', 'DNS') | map(attribute='dns_record') | list }}"
    timeout: 600
  delegate_to: localhost
  run_once: true

- name: Wait for a TXT record on one known name server
  autodns.ssl.wait_for_record:
    records:
      - name: _dnsauth.www.example.com
        type: TXT
        value: 2026112812345678abcdefghijklmnopqrstuv
    nameservers:
      - 192.0.2.53
    timeout: 120
    max_interval: 5
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
completed:
  description: Whether every record was visible on every name server. A timeout fails the task with this V(false).
  returned: always
  type: bool
  sample: true
elapsed:
  description: Seconds spent, including the name server lookup.
  returned: always
  type: float
  sample: 3.02
records:
  description:
    - One entry per record (duplicates once), in the order given, with the answers of the last round of queries.
    - Also returned when the task fails on a timeout, to show which server answered what.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The name, lowercase without trailing dot.
      type: str
      sample: _dnsauth.www.example.com
    type:
      description: The record type.
      type: str
      sample: TXT
    value:
      description: The expected value; a CNAME target lowercase without trailing dot.
      type: str
      sample: 2026112812345678abcdefghijklmnopqrstuv
    visible:
      description: Whether every name server answered with the expected value.
      type: bool
      sample: true
    answers:
      description:
        - Per name server (address, with C(:port) where it is not 53), the values of the record's type it holds at the name.
        - TXT values are the strings of each record joined; CNAME targets are lowercase without trailing dot.
      type: dict
      sample: {"192.0.2.53": ["2026112812345678abcdefghijklmnopqrstuv"], "198.51.100.53": []}
    problems:
      description: Per name server that gave no usable answer, why (no answer in time, an error code like V(NXDOMAIN) or V(REFUSED), a CNAME at the name).
      type: dict
      sample: {"198.51.100.53": "NXDOMAIN"}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.autodns.ssl.plugins.module_utils._dns_names import VALIDATION_RECORD_TYPES
from ansible_collections.autodns.ssl.plugins.module_utils._propagation import (
    DNSPYTHON_IMPORT_ERROR,
    HAS_DNSPYTHON,
    AuthoritativeServers,
    PropagationError,
    parse_nameserver,
    timeout_message,
    wait_for_records,
    wanted_records,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "records": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "name": {"type": "str", "required": True},
                    "type": {"type": "str", "required": True, "choices": list(VALIDATION_RECORD_TYPES)},
                    "value": {"type": "str", "required": True},
                    "ttl": {"type": "int"},
                },
            },
            "nameservers": {"type": "list", "elements": "str"},
            "timeout": {"type": "int", "default": 300},
            "max_interval": {"type": "int", "default": 10},
        },
        supports_check_mode=True,
    )
    if not HAS_DNSPYTHON:
        module.fail_json(msg=missing_required_lib("dnspython"), exception=DNSPYTHON_IMPORT_ERROR)
    params = module.params
    if params["timeout"] < 0:
        module.fail_json(msg="timeout must be 0 or more seconds.")
    if params["max_interval"] < 1:
        module.fail_json(msg="max_interval must be at least 1 second.")
    finder = AuthoritativeServers()
    try:
        records = wanted_records(params["records"])
        nameservers = [parse_nameserver(entry) for entry in params["nameservers"] or []]
        outcome = wait_for_records(records, nameservers, params["timeout"], params["max_interval"], finder=finder)
    except PropagationError as error:
        module.fail_json(msg=str(error))
    for warning in finder.warnings:
        module.warn(warning)
    result = {"changed": False, "completed": outcome.completed, "records": outcome.records, "elapsed": round(outcome.elapsed, 2)}
    if not outcome.completed:
        module.fail_json(msg=timeout_message(outcome, params["timeout"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
