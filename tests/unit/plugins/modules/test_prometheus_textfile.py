# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.autodns.ssl.plugins.modules import prometheus_textfile

METRICS = "# TYPE autodns_certificate_days_remaining gauge\nautodns_certificate_days_remaining{name=\"a\",id=\"1\"} 20\n"


def test_writes_the_file_with_its_mode_and_leaves_nothing_beside_it(tmp_path, run_local_module):
    textfile_directory = tmp_path / "textfile"
    textfile_directory.mkdir()
    path = textfile_directory / "autodns.prom"
    result = run_local_module(prometheus_textfile, {"path": str(path), "content": METRICS})
    assert result["changed"] is True and result["path"] == str(path)
    assert path.read_text() == METRICS
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert os.listdir(textfile_directory) == ["autodns.prom"]


def test_the_same_content_changes_nothing(tmp_path, run_local_module):
    path = tmp_path / "autodns.prom"
    run_local_module(prometheus_textfile, {"path": str(path), "content": METRICS})
    before = path.stat().st_ino
    result = run_local_module(prometheus_textfile, {"path": str(path), "content": METRICS})
    assert result["changed"] is False
    assert path.stat().st_ino == before


def test_the_file_is_replaced_by_a_rename_from_a_name_the_collector_ignores(tmp_path, run_local_module, monkeypatch):
    path = tmp_path / "autodns.prom"
    path.write_text("old\n")
    renames = []
    real_rename = os.rename

    def rename(source, target):
        with open(source, encoding="utf-8") as handle:
            renames.append((os.path.basename(source), handle.read()))
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", rename)
    result = run_local_module(prometheus_textfile, {"path": str(path), "content": METRICS.rstrip("\n"), "mode": "0640"}, diff=True)
    [(temporary, written)] = renames
    assert temporary.startswith(".autodns-ssl-") and not temporary.endswith(".prom"), "not *.prom: node_exporter never reads it"
    assert written == METRICS, "complete, with the final line feed, before the rename"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert result["diff"]["before"] == "old\n" and result["diff"]["after"] == METRICS


def test_check_mode_writes_nothing(tmp_path, run_local_module):
    path = tmp_path / "autodns.prom"
    result = run_local_module(prometheus_textfile, {"path": str(path), "content": METRICS}, check_mode=True)
    assert result["changed"] is True
    assert not path.exists()


@pytest.mark.parametrize("args, message", [
    ({"mode": "rw-r--r--"}, "mode must be octal permissions such as 0644, not 'rw-r--r--'."),
    ({"path": "/nonexistent-directory/autodns.prom"}, "The directory of /nonexistent-directory/autodns.prom does not exist"),
])
def test_problems_are_named(tmp_path, run_local_module, args, message):
    result = run_local_module(prometheus_textfile, {"path": str(tmp_path / "autodns.prom"), "content": METRICS, **args})
    assert result["failed"] is True
    assert message in result["msg"]
