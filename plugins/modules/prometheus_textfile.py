#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: prometheus_textfile
short_description: Replace a file of node_exporter's textfile collector atomically
version_added: 0.2.0
description:
  - Writes metrics in the Prometheus text exposition format, for example those of the filter
    P(autodns.ssl.certificate_report_metrics#filter), into a C(.prom) file that the textfile collector of node_exporter reads.
  - The collector reads every C(*.prom) file of its directory whenever Prometheus scrapes, so it must never see a half-written
    file. The module writes the content to a temporary file in the same directory whose name does not end in C(.prom),
    flushes it to disk, gives it its mode, and renames it over O(path) in one step. M(ansible.builtin.copy) cannot promise that,
    because where its temporary file lies on another file system it copies through a file named like the target, C(.prom) included.
  - Leaves the file alone where it already has the content and the mode.
  - Runs on the host of the task and does not talk to the AutoDNS API.
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._attributes
attributes:
  check_mode:
    support: full
    details:
      - Compares the file and reports whether it would change, without writing.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  path:
    description:
      - The file to write, usually in the directory of node_exporter's C(--collector.textfile.directory); its name should end in C(.prom).
      - The directory must exist.
    type: path
    required: true
  content:
    description:
      - The metrics, in the text exposition format.
      - A final line feed is added where it is missing; the format wants every line to end with one.
    type: str
    required: true
  mode:
    description:
      - The permissions of the file, in octal, for example V(0644), so that node_exporter's user can read it.
    type: str
    default: "0644"
notes:
  - The file gets the owner and group of the user the module runs as.
seealso:
  - plugin: autodns.ssl.certificate_report_metrics
    plugin_type: filter
    description: The figures of the account's certificates in this format.
"""

EXAMPLES = r"""
- name: Read every certificate of the account
  autodns.ssl.certificate_info:
    all: true
  register: account
  delegate_to: localhost
  run_once: true

- name: Hand the figures to node_exporter's textfile collector
  autodns.ssl.prometheus_textfile:
    path: /var/lib/prometheus/node-exporter/autodns_certificates.prom
    content: "{{ account.certificates | autodns.ssl.certificate_report_metrics }}"
  become: true
"""

RETURN = r"""
path:
  description: The file that was written or compared.
  returned: always
  type: str
  sample: /var/lib/prometheus/node-exporter/autodns_certificates.prom
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._install import InstallFailed, PlannedFile, install_together


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "content": {"type": "str", "required": True},
            "mode": {"type": "str", "default": "0644"},
        },
        supports_check_mode=True,
    )
    path = module.params["path"]
    try:
        mode = int(module.params["mode"], 8)
    except ValueError:
        module.fail_json(msg=f"mode must be octal permissions such as 0644, not {module.params['mode']!r}.")
    content = module.params["content"]
    if not content.endswith("\n"):
        content += "\n"
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        module.fail_json(msg=f"The directory of {path} does not exist; create it, or point path at the textfile collector's directory.")
    # The temporary file beside the target has a name without .prom, so the collector never reads it half-written.
    planned = PlannedFile(path, content, mode)
    try:
        old_content = planned.current()[0]
        changed = planned.differs()
        if changed and not module.check_mode:
            install_together([planned])
    except InstallFailed as exc:
        module.fail_json(msg=f"Cannot write {path}: {exc}", path=path)
    result = {"changed": changed, "path": path}
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = {"before": (old_content or b"").decode("utf-8", "replace"), "after": content,
                          "before_header": path, "after_header": path}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
