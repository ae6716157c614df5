# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import os
import stat

import pytest


from ansible_collections.autodns.ssl.plugins.module_utils import _install
from ansible_collections.autodns.ssl.plugins.modules import certificate_deploy
from ansible_collections.autodns.ssl.tests.unit.plugins import pki

OLD = {"key": "OLD KEY\n", "cert": "OLD CERT\n", "chain": "OLD CHAIN\n"}


@pytest.fixture
def deploy(run_local_module):
    """Run certificate_deploy on a list of certificates, reporting problems rather than failing."""
    def run(certificates, check_mode=False, diff=False):
        return run_local_module(certificate_deploy, {"certificates": certificates, "fail_on_problems": False}, check_mode=check_mode, diff=diff)
    return run


def host(tmp_path):
    """A host directory with the old key, certificate and chain in place."""
    for name, content in OLD.items():
        (tmp_path / name).write_text(content)
    (tmp_path / "key").chmod(0o600)
    return tmp_path


def issued(key):
    dummy_root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    leaf = pki.issue_leaf(key=key)
    return pki.cert_pem(leaf), pki.cert_pem(intermediate)


def entry(tmp_path, key_pem=None, **changes):
    leaf, chain = issued(pki.rsa_key(label="new"))
    values = {"name": "www.example.com", "certificate": leaf, "chain": chain, "cert_path": str(tmp_path / "cert"),
              "chain_path": str(tmp_path / "chain"), "key_path": str(tmp_path / "key"), "key_content": key_pem}
    values.update(changes)
    return values


def new_key_pem():
    return pki.private_key_pem(pki.rsa_key(label="new"))


def contents(tmp_path):
    return {name: (tmp_path / name).read_text() for name in OLD}


def test_the_key_certificate_and_chain_are_replaced_together(tmp_path, deploy):
    directory = host(tmp_path)
    result = deploy([entry(directory, new_key_pem(), key_group=str(os.getgid()), key_mode="0640")])
    [outcome] = result["certificates"]
    assert outcome["installed"] and outcome["key_rollout"] and not outcome["problems"]
    assert sorted(outcome["changed_files"]) == sorted(str(directory / name) for name in OLD)
    assert (directory / "key").read_text() == new_key_pem()
    assert stat.S_IMODE((directory / "key").stat().st_mode) == 0o640
    assert [name for name in os.listdir(directory) if name.startswith(".autodns-ssl-")] == []
    assert "BEGIN RSA PRIVATE KEY" not in json.dumps(result) and "BEGIN PRIVATE KEY" not in json.dumps(result)


def test_a_failing_rename_restores_every_file_already_replaced(tmp_path, deploy, monkeypatch):
    directory = host(tmp_path)
    real_rename = os.rename
    calls = []

    def rename_failing_on_the_third(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", target)
        return real_rename(source, target)

    monkeypatch.setattr(_install.os, "rename", rename_failing_on_the_third)
    [outcome] = deploy([entry(directory, new_key_pem())])["certificates"]
    assert not outcome["installed"]
    assert "No space left on device" in outcome["problems"][0]
    assert "keeps the files it had" in outcome["problems"][0]
    assert contents(directory) == OLD
    assert [name for name in os.listdir(directory) if name.startswith(".autodns-ssl-")] == []


def test_an_unwritable_chain_directory_keeps_the_old_key_and_certificate(tmp_path, deploy):
    directory = host(tmp_path)
    # A directory nobody can write to, root included: its place is taken by a plain file.
    (tmp_path / "not-a-directory").write_text("")
    [outcome] = deploy([entry(directory, new_key_pem(), chain_path=str(tmp_path / "not-a-directory" / "chain"))])["certificates"]
    assert not outcome["installed"]
    assert "Not a directory" in outcome["problems"][0]
    assert contents(directory) == OLD


def test_a_missing_chain_never_replaces_a_chain_file(tmp_path, deploy):
    directory = host(tmp_path)
    [outcome] = deploy([entry(directory, new_key_pem(), chain="")])["certificates"]
    assert not outcome["installed"]
    assert "comes without a chain" in outcome["problems"][0]
    assert contents(directory) == OLD


def test_a_key_path_that_is_a_certificate_path_is_refused(tmp_path, deploy):
    directory = host(tmp_path)
    [outcome] = deploy([entry(directory, new_key_pem(), key_path=str(directory / "cert"))])["certificates"]
    assert "would be overwritten" in outcome["problems"][0]
    assert contents(directory) == OLD


def test_a_path_that_is_a_directory_is_refused(tmp_path, deploy):
    directory = host(tmp_path)
    (directory / "fullchain").mkdir()
    [outcome] = deploy([entry(directory, new_key_pem(), fullchain_path=str(directory / "fullchain"))])["certificates"]
    assert "is a directory" in outcome["problems"][0]
    assert contents(directory) == OLD


def test_a_certificate_of_another_key_is_checked_against_the_key_on_the_host(tmp_path, deploy):
    directory = host(tmp_path)
    (directory / "key").write_text(pki.private_key_pem(pki.rsa_key(label="host")))
    [outcome] = deploy([entry(directory, pki.private_key_pem(pki.rsa_key(label="other")))])["certificates"]
    assert not outcome["installed"]
    assert "does not belong to the private key in" in outcome["problems"][0]


def test_check_mode_predicts_and_diff_leaves_keys_out(tmp_path, deploy):
    directory = host(tmp_path)
    result = deploy([entry(directory, new_key_pem())], check_mode=True, diff=True)
    assert result["changed"] is True
    assert contents(directory) == OLD
    assert sorted(item["after_header"] for item in result["diff"]) == [str(directory / "cert"), str(directory / "chain")]


def test_a_second_run_changes_nothing(tmp_path, deploy):
    directory = host(tmp_path)
    certificates = [entry(directory, new_key_pem())]
    deploy(certificates)
    assert deploy(certificates)["changed"] is False


def test_old_files_that_cannot_be_hard_linked_are_kept_by_copy(tmp_path, deploy, monkeypatch):
    directory = host(tmp_path)

    def refuse_link(source, target):
        raise PermissionError(1, "Operation not permitted", source)

    monkeypatch.setattr(_install.os, "link", refuse_link)
    [outcome] = deploy([dict(entry(directory, new_key_pem()), backup=True)])["certificates"]
    assert outcome["installed"]
    assert sorted(open(path).read() for path in outcome["backups"]) == sorted(OLD.values())
