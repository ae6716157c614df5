"""Writes a playbook with one play per module that runs the module's EXAMPLES against a freshly seeded sandbox."""

import json
import subprocess
import sys

import yaml


# Files the examples read, written from the sandbox's data before they run.
SETUP = {
    "certificate_renew": [
        {"name": "Read the CSR of shop.example.com", "autodns.ssl.certificate_info": {"name": "shop.example.com"}, "register": "shop"},
        {"name": "Give the key rotation example its new CSR", "ansible.builtin.copy": {
            "content": "{{ shop.certificate.csr }}", "dest": "{{ playbook_dir }}/shop.example.com.csr", "mode": "0644"}},
    ],
}


def examples_of(module):
    documentation = json.loads(subprocess.check_output(["ansible-doc", "--json", f"autodns.ssl.{module}"]))
    return yaml.safe_load(documentation[f"autodns.ssl.{module}"]["examples"])


def play_for(module, config):
    connection = {"autodns_api_url": config["autodns_sandbox_url"], "autodns_username": "ssl-user", "autodns_password": "ssl-password"}
    reset = {
        "name": "Reset the sandbox to the demo data",
        "ansible.builtin.uri": {"url": f"{config['autodns_sandbox_control']}/reset", "method": "POST", "body_format": "json", "body": {"seed": "demo"}},
    }
    return {
        "name": f"Run the examples of autodns.ssl.{module}",
        "hosts": "localhost",
        "gather_facts": False,
        "vars": connection,
        "environment": {"AUTODNS_API_URL": config["autodns_sandbox_url"], "AUTODNS_USERNAME": "ssl-user",
                        "AUTODNS_PASSWORD": "ssl-password", "AUTODNS_CONTEXT": "9"},
        "tasks": [reset] + SETUP.get(module, []) + examples_of(module),
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    print(yaml.safe_dump([play_for(module, config) for module in sys.argv[2:]], sort_keys=False))


if __name__ == "__main__":
    main()
