# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils import _poll
from ansible_collections.autodns.ssl.plugins.modules import poll
from ansible_collections.autodns.ssl.tests.unit.plugins.module_utils.test_poll import (
    JOB_ID,
    NEW_CERTIFICATE_ID,
    OTHER_JOB_ID,
    FakeClock,
    confirm_call,
    job_call,
    job_missing_call,
    notify_message,
    object_job,
    poll_call,
    poll_message,
)
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import Call, error_envelope


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The wait loop's clock, moved only by its sleeps."""
    fake = FakeClock()
    monkeypatch.setattr(_poll, "time", fake)
    return fake


def puts(session):
    return [sent for sent in session.sent if sent["method"] == "PUT"]


@pytest.mark.parametrize("args, message", [
    ({"job_id": JOB_ID, "job_ids": [JOB_ID]}, "parameters are mutually exclusive: job_id|job_ids|message_id"),
    ({"job_id": JOB_ID, "message_id": 1}, "parameters are mutually exclusive: job_id|job_ids|message_id"),
    ({"job_ids": []}, "job_ids must name at least one job, unless leftovers_of is set."),
    ({"job_id": JOB_ID, "wait_timeout": -1}, "wait_timeout must be 0 or more seconds, not -1."),
    ({"job_id": JOB_ID, "max_interval": 0}, "max_interval must be at least 1 second, not 0."),
    ({"unrelated": "drop"}, "value of unrelated must be one of: keep, confirm"),
])
def test_bad_input_fails_before_any_api_call(http, run_module, args, message):
    session = http()
    result = run_module(poll, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert not session.sent


def test_reads_the_head_without_confirming(http, run_module):
    session = http(poll_call(poll_message(1005360985), pending=3))
    result = run_module(poll, {})
    assert result["changed"] is False
    assert result["pending"] == 3
    assert result["message"]["id"] == 1005360985
    assert result["message"]["certificate_id"] == NEW_CERTIFICATE_ID
    assert result["message"]["created"] == "2026-11-28T19:31:02+00:00"
    assert not puts(session)


def test_empty_queue(http, run_module):
    http(poll_call())
    result = run_module(poll, {})
    assert result["message"] is None
    assert result["pending"] == 0


def test_confirms_the_head_by_id(http, run_module):
    http(poll_call(notify_message(11), pending=2), confirm_call(11, 1))
    result = run_module(poll, {"message_id": 11})
    assert result["changed"] is True
    assert result["message"]["id"] == 11
    assert result["pending"] == 1


def test_confirming_a_message_that_is_not_the_head_fails(http, run_module):
    session = http(poll_call(notify_message(11), pending=2))
    result = run_module(poll, {"message_id": 12})
    assert result["failed"] is True
    assert result["msg"] == "Message 12 is not at the head of the queue (the head is message 11); only the head can be confirmed."
    assert not puts(session)


def test_check_mode_confirms_nothing(http, run_module):
    session = http(poll_call(notify_message(11), pending=2))
    result = run_module(poll, {"message_id": 11}, check_mode=True)
    assert result["changed"] is True
    assert result["pending"] == 2
    assert not puts(session)


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_waits_for_a_job_and_returns_the_issued_certificate(http, run_module, clock):
    http(
        poll_call(),
        job_call(object_job(status="DEFERRED")),
        poll_call(poll_message(1005360985), pending=1),
        confirm_call(1005360985, 0),
    )
    result = run_module(poll, {"job_id": JOB_ID})
    assert result["changed"] is True
    assert result["message"]["job_id"] == JOB_ID
    assert result["message"]["job_id"] > 2 ** 31
    assert result["message"]["certificate_id"] == NEW_CERTIFICATE_ID
    assert result["queue_blocked"] is False
    assert "messages" not in result
    assert clock.sleeps == [2.0]


def test_waits_for_several_jobs_in_their_order(http, run_module):
    http(
        poll_call(poll_message(21, job_id=OTHER_JOB_ID), pending=2),
        confirm_call(21, 1),
        poll_call(poll_message(22), pending=1),
        confirm_call(22, 0),
    )
    result = run_module(poll, {"job_ids": [JOB_ID, OTHER_JOB_ID]})
    assert [message["id"] for message in result["messages"]] == [22, 21]


def test_unrelated_head_is_kept_and_the_job_is_asked(http, run_module):
    session = http(
        poll_call(notify_message(1005360001), pending=2),
        job_missing_call(JOB_ID),
        job_call(object_job(status="SUCCESS", certificate_id=NEW_CERTIFICATE_ID), history=True),
    )
    result = run_module(poll, {"job_id": JOB_ID})
    assert not puts(session)
    assert result["changed"] is False
    assert result["queue_blocked"] is True
    assert result["blocked_by"]["id"] == 1005360001
    assert result["message"]["id"] is None
    assert result["message"]["certificate_id"] == NEW_CERTIFICATE_ID


def test_unrelated_confirm_returns_then_confirms(http, run_module):
    session = http(
        poll_call(notify_message(1005360001), pending=2),
        confirm_call(1005360001, 1),
        poll_call(poll_message(1005360985), pending=1),
        confirm_call(1005360985, 0),
    )
    result = run_module(poll, {"job_id": JOB_ID, "unrelated": "confirm"})
    assert [message["id"] for message in result["unrelated_messages"]] == [1005360001]
    assert result["message"]["id"] == 1005360985
    assert len(puts(session)) == 2


def test_failed_job_fails_with_the_api_codes(http, run_module):
    failure = [{"code": "EF400139", "text": "Domain validation failed on the CA side.", "status": "ERROR"}]
    http(poll_call(poll_message(1005360985, status="FAILED", messages=failure), pending=1), confirm_call(1005360985, 0))
    result = run_module(poll, {"job_id": JOB_ID})
    assert result["failed"] is True
    assert "ended FAILED: EF400139" in result["msg"]
    assert result["messages"][0]["job_status"] == "FAILED"


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_timeout_fails_with_partial_results(http, run_module, clock):
    running = object_job(job_id=OTHER_JOB_ID, status="DEFERRED")
    http(
        poll_call(poll_message(1005360985), pending=1),
        confirm_call(1005360985, 0),
        job_call(running),
        poll_call(),
        job_call(running),
    )
    result = run_module(poll, {"job_ids": [JOB_ID, OTHER_JOB_ID], "wait_timeout": 2})
    assert result["failed"] is True
    assert result["msg"] == f"Jobs not ended after 2 seconds: {OTHER_JOB_ID} (DEFERRED)."
    assert [message["job_id"] for message in result["messages"]] == [JOB_ID]
    assert result["pending_job_ids"] == [OTHER_JOB_ID]
    assert result["changed"] is True
    assert clock.sleeps == [2.0]


def test_check_mode_waits_but_confirms_nothing(http, run_module):
    session = http(poll_call(poll_message(1005360985), pending=1))
    result = run_module(poll, {"job_id": JOB_ID}, check_mode=True)
    assert not puts(session)
    assert result["changed"] is True
    assert result["message"]["id"] == 1005360985


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_an_api_error_while_waiting_keeps_the_messages_confirmed_so_far(http, run_module):
    http(
        poll_call(notify_message(1005360001), pending=1),
        confirm_call(1005360001, 0),
        Call("GET", f"/job/{JOB_ID}", status=401, envelope=error_envelope("E0001", "EF01000")),
    )
    result = run_module(poll, {"job_id": JOB_ID, "unrelated": "confirm"})
    assert result["failed"] is True
    assert result["api_error"]["codes"] == ["EF01000"]
    assert [message["id"] for message in result["unrelated_messages"]] == [1005360001]
    assert result["pending_job_ids"] == [JOB_ID]
    assert result["changed"] is True
