#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: api_check
short_description: Check the connection to the AutoDNS JSON API and the credentials
version_added: 0.1.0
description:
  - Calls the API's C(GET /hello) task, which changes nothing, with the given connection options.
  - Use it as the first task of a job to fail early and clearly on a wrong URL, user, password or context.
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._api
  - autodns.ssl._attributes
  - autodns.ssl._attributes.ACTIONGROUP_API
  - autodns.ssl._attributes.INFO_MODULE
options: {}
seealso:
  - module: autodns.ssl.certificate_info
"""

EXAMPLES = r"""
- name: Check the SSL Manager credentials taken from AUTODNS_USERNAME, AUTODNS_PASSWORD and AUTODNS_CONTEXT
  autodns.ssl.api_check:
  delegate_to: localhost
  run_once: true

- name: Check credentials given as variables (for the demo system, api_url https://api.demo.autodns.com/v1 and context 1)
  autodns.ssl.api_check:
    api_url: "{{ autodns_api_url }}"
    username: "{{ autodns_username }}"
    password: "{{ autodns_password }}"
    context: 9
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
status_code:
  description: The API's status code of the answer.
  returned: success
  type: str
  sample: S0000
stid:
  description: The server transaction id of the answer.
  returned: success
  type: str
  sample: 20261128-app2-1234
ctid:
  description: The client transaction id sent with the request.
  returned: success
  type: str
  sample: autodns-ssl-6f1c0e7a5d2b4c1e9a7f3b2d1c0e9f8a
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._api_module import api_argument_spec, run_module


def check_connection(client):
    response = client.hello()
    return {"changed": False, "status_code": response.status_code, "stid": response.stid, "ctid": response.ctid}


def main():
    module = AnsibleModule(argument_spec=api_argument_spec(), supports_check_mode=True)
    run_module(module, check_connection)


if __name__ == "__main__":
    main()
