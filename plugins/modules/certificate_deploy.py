#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: certificate_deploy
short_description: Check certificates on a host and install each one's files all together or not at all
version_added: 0.2.0
description:
  - Runs on the host that uses the certificates; it does not talk to the AutoDNS API.
  - For each certificate it first checks, like M(autodns.ssl.certificate_check), that the certificate parses, is valid now,
    covers its name, that the chain links up, and that it belongs to the private key it will be used with.
  - Then it replaces the certificate's files (private key, certificate, chain, full chain) together or not at all. Every
    file that differs is written to a temporary file beside its target first; only when all are written are they renamed
    over the targets, and where a rename fails the targets renamed so far get their old content back. The host never ends
    up with a new key and an old certificate, or a new certificate and an old chain.
  - A certificate that fails a check, or whose files cannot all be written, leaves every file of it as it was; the other
    certificates are installed.
  - An empty or missing chain never replaces a chain file; the certificate is refused with a message instead.
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._attributes
attributes:
  check_mode:
    support: full
    details:
      - Checks the certificates and compares the files, writes nothing, and reports what would change.
  diff_mode:
    support: partial
    details:
      - Shows the changes of certificate, chain and full chain files; never of private keys.
  idempotent:
    support: full
options:
  certificates:
    description: The certificates to install on this host.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The name the certificate must cover.
        type: str
        required: true
      certificate:
        description: The certificate (leaf) in PEM format.
        type: str
        required: true
      chain:
        description: The intermediate certificates in PEM format, the issuer of the leaf first.
        type: str
      cert_path:
        description:
          - Where the certificate goes.
          - This and the other paths must name files; a path that is a directory is refused before anything is written.
        type: path
      chain_path:
        description: Where the chain goes. Refused where O(certificates[].chain) is empty.
        type: path
      fullchain_path:
        description: Where the certificate followed by the chain goes.
        type: path
      key_path:
        description:
          - Where the private key is, or goes with O(certificates[].key_content).
          - Without O(certificates[].key_content), the certificate is checked against the key in this file.
        type: path
      key_content:
        description:
          - A new private key (PEM) rolled out with the certificate it belongs to.
          - It is installed at O(certificates[].key_path) only together with a certificate of that key. A certificate of another key
            (for example the old one, while the certificate of a new CSR is not issued yet) is checked against the key on the host instead.
        type: str
      owner:
        description: Owner of the certificate files.
        type: str
      group:
        description: Group of the certificate files.
        type: str
      mode:
        description: Mode of the certificate files.
        type: str
        default: "0644"
      key_owner:
        description: Owner of the private key file; O(certificates[].owner) where not set.
        type: str
      key_group:
        description: Group of the private key file, for example V(ssl-cert) for keys read through a group; O(certificates[].group) where not set.
        type: str
      key_mode:
        description: Mode of the private key file.
        type: str
        default: "0600"
      backup:
        description: Keep each replaced file beside it with a timestamp.
        type: bool
        default: false
  fail_on_problems:
    description:
      - Whether the task fails when a certificate is not installed.
      - With V(false) the task succeeds and reports each certificate's problems in RV(certificates).
    type: bool
    default: true
requirements:
  - cryptography (on the host that runs the module)
seealso:
  - module: autodns.ssl.certificate_check
    description: Only check a certificate.
  - module: autodns.ssl.certificate_info
    description: Read the certificate, its chain and full chain from AutoDNS.
"""

EXAMPLES = r"""
- name: Read the certificate on the controller
  autodns.ssl.certificate_info:
    name: www.example.com
  register: current
  delegate_to: localhost
  run_once: true

- name: Install it on the web servers, all files or none
  autodns.ssl.certificate_deploy:
    certificates:
      - name: www.example.com
        certificate: "{{ current.certificate.pem }}"
        chain: "{{ current.certificate.chain_pem }}"
        fullchain_path: /etc/nginx/tls/www.example.com.pem
        key_path: /etc/nginx/tls/www.example.com.key
        key_group: ssl-cert
        key_mode: "0640"
  notify: Reload nginx
"""

RETURN = r"""
certificates:
  description: One entry per certificate, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The certificate's name.
      type: str
    installed:
      description: Whether the certificate passed its checks and its files are (or, in check mode, would be) as given.
      type: bool
    changed_files:
      description: The files replaced (in check mode, that would be replaced), private keys included.
      type: list
      elements: str
    key_rollout:
      description: Whether the new key of O(certificates[].key_content) was installed with the certificate.
      type: bool
    serial_number:
      description: The serial number of the certificate, in upper-case hexadecimal, or V(null) where it cannot be read.
      type: str
    problems:
      description: Why the certificate was not installed; the host keeps its files for it. Empty when it was installed.
      type: list
      elements: str
    backups:
      description: The backups of replaced files.
      type: list
      elements: str
"""

import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._certificate_checks import check_certificate, read_private_key_file
from ansible_collections.autodns.ssl.plugins.module_utils._install import InstallFailed, PlannedFile, install_together
from ansible_collections.autodns.ssl.plugins.module_utils._x509 import X509Error, key_matches, load_private_key, require_cryptography

CERTIFICATE_OPTIONS = {
    "name": {"type": "str", "required": True},
    "certificate": {"type": "str", "required": True},
    "chain": {"type": "str"},
    "cert_path": {"type": "path"},
    "chain_path": {"type": "path"},
    "fullchain_path": {"type": "path"},
    "key_path": {"type": "path"},
    "key_content": {"type": "str", "no_log": True},
    "owner": {"type": "str"},
    "group": {"type": "str"},
    "mode": {"type": "str", "default": "0644"},
    "key_owner": {"type": "str", "no_log": False},
    "key_group": {"type": "str", "no_log": False},
    "key_mode": {"type": "str", "default": "0600", "no_log": False},
    "backup": {"type": "bool", "default": False},
}
CERTIFICATE_FILE_OPTIONS = ("cert_path", "chain_path", "fullchain_path")
FILE_OPTIONS = CERTIFICATE_FILE_OPTIONS + ("key_path",)


def _pem(text):
    text = (text or "").replace("\r\n", "\n").strip()
    return text + "\n" if text else ""


def planned_files(entry, key_rollout):
    """The files of one certificate as they must be, or InstallFailed where the entry cannot be installed."""
    leaf, chain = _pem(entry["certificate"]), _pem(entry["chain"])
    if entry["chain_path"] and not chain:
        raise InstallFailed(f"The certificate of {entry['name']} comes without a chain, so {entry['chain_path']} is left as it is;"
                            " ask AutoDNS for the intermediate certificates, or do not set chain_path.")
    contents = [(entry["cert_path"], leaf), (entry["chain_path"], chain), (entry["fullchain_path"], leaf + chain)]
    files = [PlannedFile(path, content, entry["mode"], entry["owner"], entry["group"]) for path, content in contents if path]
    if key_rollout:
        files.insert(0, PlannedFile(entry["key_path"], _pem(entry["key_content"]), entry["key_mode"],
                                    entry["key_owner"] or entry["owner"], entry["key_group"] or entry["group"], secret=True))
    return files


def path_problems(entry):
    """Why the paths of one certificate cannot be written as given (checked before anything else): none at all, one file named
    twice, or a directory."""
    paths = [entry[option] for option in CERTIFICATE_FILE_OPTIONS if entry[option]]
    if not paths:
        return [f"Nothing to install for {entry['name']}: set cert_path, chain_path or fullchain_path."]
    if entry["key_path"] and entry["key_path"] in paths:
        return [f"key_path {entry['key_path']} of {entry['name']} is also a certificate path, so the key would be overwritten;"
                " give the key a path of its own."]
    if len(set(paths)) < len(paths):
        return [f"Two paths of {entry['name']} are the same file."]
    return [f"{option} {entry[option]} is a directory; set the path of the file to write there,"
            f" for example {os.path.join(entry[option], entry['name'])}.pem."
            for option in FILE_OPTIONS if entry[option] and os.path.isdir(entry[option])]


def check_entry(entry, now):
    """(facts, key_rollout, problems) of one certificate before anything is written."""
    problems = path_problems(entry)
    if problems:
        return {}, False, problems
    key_rollout = False
    new_key = None
    if entry["key_content"]:
        try:
            new_key = load_private_key(entry["key_content"])
        except X509Error as exc:
            return {}, False, [f"key_content: {exc}"]
    facts, leaf, problems = check_certificate(entry["certificate"], entry["chain"], entry["name"], None, now)
    if leaf is None:
        return facts, False, problems
    if new_key is not None and key_matches(leaf, new_key):
        key_rollout = True
    elif entry["key_path"]:
        try:
            if not key_matches(leaf, read_private_key_file(entry["key_path"])):
                problems.append(f"The certificate's public key does not belong to the private key in {entry['key_path']}.")
        except X509Error as exc:
            problems.append(str(exc))
    return facts, key_rollout, problems


def install(entry, check_mode, now):
    """The result of one certificate on this host, and the diffs of its certificate files."""
    facts, key_rollout, problems = check_entry(entry, now)
    result = {"name": entry["name"], "installed": False, "changed_files": [], "key_rollout": False,
              "serial_number": facts.get("serial_number"), "problems": problems, "backups": []}
    if problems:
        return result, []
    try:
        files = planned_files(entry, key_rollout)
        changing = [planned for planned in files if planned.differs()]
        diffs = [{"before_header": planned.path, "after_header": planned.path,
                  "before": (planned.current()[0] or b"").decode("utf-8", "replace"), "after": planned.content.decode("utf-8")}
                 for planned in changing if not planned.secret]
        if check_mode:
            changed, backups = [planned.path for planned in changing], []
        else:
            changed, backups = install_together(files, backup=entry["backup"])
    except InstallFailed as exc:
        result["problems"] = [str(exc)]
        return result, []
    result.update(installed=True, changed_files=changed, key_rollout=key_rollout and entry["key_path"] in changed, backups=backups)
    return result, diffs


def main():
    module = AnsibleModule(
        argument_spec={
            "certificates": {"type": "list", "elements": "dict", "required": True, "options": CERTIFICATE_OPTIONS},
            "fail_on_problems": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    require_cryptography(module)
    now = datetime.datetime.now(datetime.timezone.utc)
    results, diffs = [], []
    for entry in module.params["certificates"]:
        result, entry_diffs = install(entry, module.check_mode, now)
        results.append(result)
        diffs.extend(entry_diffs)
    changed = any(result["changed_files"] for result in results)
    outcome = {"changed": changed, "certificates": results}
    if module._diff and diffs:
        outcome["diff"] = diffs
    refused = [result for result in results if result["problems"]]
    if refused and module.params["fail_on_problems"]:
        module.fail_json(msg=" ".join(f"{result['name']}: {' '.join(result['problems'])}" for result in refused), **outcome)
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
