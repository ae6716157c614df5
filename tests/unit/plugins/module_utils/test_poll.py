# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils._client import AutoDNSClient
from ansible_collections.autodns.ssl.plugins.module_utils._poll import (
    JobWaiter,
    PollError,
    confirm_head,
    normalize_job,
    normalize_message,
    read_head,
)
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import API_URL, Call, envelope, error_envelope
from ansible_collections.autodns.ssl.tests.unit.plugins.pki import api_certificate

JOB_ID = 4297539521
OTHER_JOB_ID = 4297539777
OLD_CERTIFICATE_ID = 1658000
NEW_CERTIFICATE_ID = 1658042
ORDER_CTID = "autodns-ssl-0123456789abcdef0123456789abcdef"


class FakeClock:
    """Monotonic time that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def poll_message(message_id, job_id=JOB_ID, status="SUCCESS", certificate_id=NEW_CERTIFICATE_ID, name="www.example.com", messages=None):
    """A job message the way GET /poll returns it for a certificate job."""
    message = {
        "id": message_id,
        "owner": {"context": 9, "user": "ssl-user"},
        "job": {"id": job_id, "status": status, "action": "renew", "subType": "QUICKSSLPREMIUM",
                "created": "2026-11-28T19:30:58.000+0000", "updated": "2026-11-28T19:31:02.000+0000"},
        "ctid": ORDER_CTID,
        "stid": "20261128-sandbox-17",
        "created": "2026-11-28T19:31:02.000+0000",
        "object": {"type": "Certificate", "value": name, "data": {"id": certificate_id, "name": name}},
    }
    if messages is not None:
        message["messages"] = messages
    return message


def notify_message(message_id):
    """A notification of another kind, concerning no job."""
    return {
        "id": message_id,
        "notify": {"type": "autoupdate_dns_success"},
        "stid": "20261128-sandbox-3",
        "created": "2026-11-28T18:00:00.000+0000",
        "object": {"type": "Domain", "value": "example.org", "data": {"name": "example.org"}},
    }


def object_job(job_id=JOB_ID, status="RUNNING", certificate_id=OLD_CERTIFICATE_ID, ctid=ORDER_CTID, name="www.example.com", action="renew"):
    """An ObjectJob the way GET /job/{id}, GET /job/history/{id} and POST /job/_search return it."""
    return {
        "job": {
            "id": job_id, "status": status, "action": action, "subType": "QUICKSSLPREMIUM",
            "created": "2026-11-28T19:30:58.000+0000", "updated": "2026-11-28T19:30:59.000+0000",
            "events": [{"jobId": job_id, "ctid": ctid, "type": "REQUEST", "object": "Certificate"}],
        },
        "object": {"type": "Certificate", "value": name, "data": {"id": certificate_id, "name": name}},
    }


def poll_call(message=None, pending=None):
    data = [message] if message else []
    return Call("GET", "/poll", envelope=envelope("S0905", data=data, summary=pending if pending is not None else len(data), object_type="Message"))


def confirm_call(message_id, remaining):
    return Call("PUT", f"/poll/{message_id}", envelope=envelope("S0906", summary=remaining, object_type="Message"))


def job_call(job, history=False):
    return Call("GET", f"/job/{'history/' if history else ''}{job['job']['id']}", envelope=envelope("S300114", data=[job]))


def job_missing_call(job_id, history=False):
    return Call("GET", f"/job/{'history/' if history else ''}{job_id}", status=404, envelope=error_envelope("E300114", "EF300101"))


def make_client():
    return AutoDNSClient(API_URL, "ssl-user", "s3cret-Pa55", 9)


def make_waiter(job_ids, clock, **kwargs):
    return JobWaiter(make_client(), job_ids, clock=clock.monotonic, sleep=clock.sleep, **kwargs)


def test_normalize_job_message():
    normalized = normalize_message(poll_message(1005360985))
    raw = normalized.pop("raw")
    assert raw["id"] == 1005360985
    assert normalized == {
        "id": 1005360985,
        "job_id": JOB_ID,
        "job_status": "SUCCESS",
        "action": "renew",
        "object_type": "Certificate",
        "object_name": "www.example.com",
        "certificate_id": NEW_CERTIFICATE_ID,
        "ctid": ORDER_CTID,
        "created": "2026-11-28T19:31:02+00:00",
    }


def test_normalize_notification_has_no_job_and_no_certificate():
    normalized = normalize_message(notify_message(1005360001))
    assert normalized["job_id"] is None
    assert normalized["action"] == "autoupdate_dns_success"
    assert normalized["object_type"] == "Domain"
    assert normalized["certificate_id"] is None


def test_normalize_job_takes_the_request_ctid_and_has_no_message_id():
    normalized = normalize_job(object_job(status="SUCCESS", certificate_id=NEW_CERTIFICATE_ID))
    assert normalized["id"] is None
    assert normalized["job_id"] == JOB_ID
    assert normalized["ctid"] == ORDER_CTID
    assert normalized["certificate_id"] == NEW_CERTIFICATE_ID
    assert normalized["created"] == "2026-11-28T19:30:58+00:00"


def test_read_head_of_an_empty_queue(http):
    http(poll_call())
    assert read_head(make_client()) == (None, 0)


def test_confirm_head_confirms_only_the_head(http):
    http(poll_call(notify_message(11), pending=2), confirm_call(11, 1))
    head, pending = confirm_head(make_client(), 11)
    assert head["id"] == 11
    assert pending == 1


def test_confirm_head_refuses_a_message_that_is_not_the_head(http):
    http(poll_call(notify_message(11), pending=2))
    with pytest.raises(PollError, match="Message 12 is not at the head of the queue .the head is message 11."):
        confirm_head(make_client(), 12)


def test_confirm_head_in_check_mode_confirms_nothing(http):
    http(poll_call(notify_message(11), pending=2))
    assert confirm_head(make_client(), 11, check_mode=True)[1] == 2


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_waits_until_the_message_arrives_and_confirms_it(http):
    clock = FakeClock()
    session = http(
        poll_call(),
        job_call(object_job(status="DEFERRED")),
        poll_call(poll_message(1005360985), pending=1),
        confirm_call(1005360985, 0),
    )
    result = make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert clock.sleeps == [2.0]
    assert result["changed"] is True
    assert result["queue_blocked"] is False
    assert result["blocked_by"] is None
    assert result["unrelated_messages"] == []
    [message] = result["messages"]
    assert message["id"] == 1005360985
    assert message["job_id"] == JOB_ID
    assert isinstance(message["job_id"], int) and message["job_id"] > 2 ** 31
    assert message["certificate_id"] == NEW_CERTIFICATE_ID
    assert session.sent[-1]["method"] == "PUT"


def test_unrelated_head_is_not_confirmed_and_the_job_is_asked(http):
    clock = FakeClock()
    session = http(
        poll_call(notify_message(1005360001), pending=2),
        job_missing_call(JOB_ID),
        job_call(object_job(status="SUCCESS", certificate_id=NEW_CERTIFICATE_ID), history=True),
    )
    result = make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert all(sent["method"] == "GET" for sent in session.sent)
    assert result["changed"] is False
    assert result["queue_blocked"] is True
    assert result["blocked_by"]["id"] == 1005360001
    [message] = result["messages"]
    assert message["id"] is None
    assert message["job_status"] == "SUCCESS"
    assert message["certificate_id"] == NEW_CERTIFICATE_ID
    assert message["ctid"] == ORDER_CTID
    assert clock.sleeps == []


def test_unrelated_blocker_and_a_running_job_wait_for_the_job(http):
    clock = FakeClock()
    http(
        poll_call(notify_message(1005360001), pending=1),
        job_call(object_job(status="DEFERRED")),
        poll_call(notify_message(1005360001), pending=2),
        job_missing_call(JOB_ID),
        job_call(object_job(status="SUCCESS", certificate_id=NEW_CERTIFICATE_ID), history=True),
    )
    result = make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert result["queue_blocked"] is True
    assert result["messages"][0]["job_status"] == "SUCCESS"


def test_unrelated_confirm_returns_the_message_then_confirms_it(http):
    clock = FakeClock()
    session = http(
        poll_call(notify_message(1005360001), pending=2),
        confirm_call(1005360001, 1),
        poll_call(poll_message(1005360985), pending=1),
        confirm_call(1005360985, 0),
    )
    result = make_waiter([JOB_ID], clock, unrelated="confirm").wait(wait_timeout=900, max_interval=30)
    assert [message["id"] for message in result["unrelated_messages"]] == [1005360001]
    assert result["unrelated_messages"][0]["raw"] == notify_message(1005360001)
    assert result["queue_blocked"] is False
    assert result["messages"][0]["id"] == 1005360985
    assert [sent["url"].rsplit("/", 1)[-1] for sent in session.sent if sent["method"] == "PUT"] == ["1005360001", "1005360985"]


def test_messages_behind_our_own_are_not_read_once_every_job_has_ended(http):
    clock = FakeClock()
    http(poll_call(poll_message(1005360985), pending=3), confirm_call(1005360985, 2))
    result = make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert result["messages"][0]["id"] == 1005360985


def test_several_jobs_are_returned_in_the_order_asked(http):
    clock = FakeClock()
    http(
        poll_call(poll_message(21, job_id=OTHER_JOB_ID, certificate_id=1658043, name="shop.example.com"), pending=2),
        confirm_call(21, 1),
        poll_call(poll_message(22), pending=1),
        confirm_call(22, 0),
    )
    result = make_waiter([JOB_ID, OTHER_JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert [message["job_id"] for message in result["messages"]] == [JOB_ID, OTHER_JOB_ID]


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_a_job_that_ended_before_the_wait_is_learned_from_its_history(http):
    clock = FakeClock()
    http(
        poll_call(),
        job_missing_call(JOB_ID),
        job_call(object_job(status="SUCCESS", certificate_id=NEW_CERTIFICATE_ID), history=True),
        poll_call(),
    )
    result = make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert result["messages"][0]["id"] is None
    assert result["changed"] is False


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_the_message_of_a_job_learned_from_history_is_taken_and_confirmed(http):
    clock = FakeClock()
    http(
        poll_call(),
        job_missing_call(JOB_ID),
        job_call(object_job(status="SUCCESS", certificate_id=NEW_CERTIFICATE_ID), history=True),
        poll_call(poll_message(1005360985), pending=1),
        confirm_call(1005360985, 0),
    )
    result = make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert result["messages"][0]["id"] == 1005360985
    assert result["changed"] is True


@pytest.mark.parametrize("status", ["FAILED", "CANCELED"])
def test_a_failed_job_fails_with_the_api_codes_after_confirming_its_message(http, status):
    clock = FakeClock()
    failure = [{"code": "EF400139", "text": "Die Domain-Validierung ist bei der CA fehlgeschlagen.", "status": "ERROR"}]
    http(poll_call(poll_message(1005360985, status=status, messages=failure), pending=1), confirm_call(1005360985, 0))
    with pytest.raises(PollError) as caught:
        make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    expected = f"Job {JOB_ID} (renew Certificate www.example.com) ended {status}: EF400139 Die Domain-Validierung ist bei der CA fehlgeschlagen."
    assert str(caught.value) == expected
    assert caught.value.result["messages"][0]["job_status"] == status
    assert caught.value.result["changed"] is True


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_a_failed_job_without_reasons_says_so(http):
    clock = FakeClock()
    http(poll_call(), job_missing_call(JOB_ID), job_call(object_job(status="FAILED"), history=True), poll_call())
    with pytest.raises(PollError, match="ended FAILED without a reason from the API"):
        make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_timeout_fails_with_partial_results_and_bounded_sleeps(http):
    clock = FakeClock()
    running = object_job(job_id=OTHER_JOB_ID, status="DEFERRED")
    http(
        poll_call(poll_message(1005360985), pending=1),
        confirm_call(1005360985, 0),
        job_call(running),
        poll_call(),
        job_call(running),
        poll_call(),
        job_call(running),
    )
    with pytest.raises(PollError) as caught:
        make_waiter([JOB_ID, OTHER_JOB_ID], clock).wait(wait_timeout=5, max_interval=30)
    assert clock.sleeps == [2.0, 3.0]
    assert str(caught.value) == f"Jobs not ended after 5 seconds: {OTHER_JOB_ID} (DEFERRED)."
    assert [message["job_id"] for message in caught.value.result["messages"]] == [JOB_ID]
    assert caught.value.result["pending_job_ids"] == [OTHER_JOB_ID]


def test_jobs_are_asked_only_after_a_quiet_minute_and_at_the_end_of_the_wait(http):
    clock = FakeClock()
    running = object_job(status="RUNNING")
    # Looks at 0, 2, 5, 9.5, 16.25, 26.375 and 41.5625 s read the queue only; at 64.34375 s a minute has passed and the
    # job is asked; at 94.34375 s the queue only again; at 100 s the wait ends with a last question to the job.
    http(*[poll_call() for dummy in range(8)], job_call(running), poll_call(), poll_call(), job_call(running))
    with pytest.raises(PollError) as caught:
        make_waiter([JOB_ID], clock).wait(wait_timeout=100, max_interval=30)
    assert clock.sleeps == [2.0, 3.0, 4.5, 6.75, 10.125, 15.1875, 22.78125, 30, 5.65625]
    assert str(caught.value) == f"Jobs not ended after 100 seconds: {JOB_ID} (RUNNING)."


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_pauses_grow_up_to_max_interval(http):
    clock = FakeClock()
    running = object_job(status="RUNNING")
    http(*[call for dummy in range(5) for call in (poll_call(), job_call(running))])
    with pytest.raises(PollError):
        make_waiter([JOB_ID], clock).wait(wait_timeout=12, max_interval=4)
    assert clock.sleeps == [2.0, 3.0, 4, 3.0]
    assert max(clock.sleeps) <= 4


def test_timeout_names_a_job_the_api_does_not_know_and_the_blocker(http):
    clock = FakeClock()
    http(poll_call(notify_message(7), pending=1), job_missing_call(JOB_ID), job_missing_call(JOB_ID, history=True))
    with pytest.raises(PollError) as caught:
        make_waiter([JOB_ID], clock).wait(wait_timeout=0, max_interval=30)
    assert "unknown to the API as active and as finished job" in str(caught.value)
    assert "Message 7, which concerns no job of this task, blocks the head" in str(caught.value)
    assert caught.value.result["queue_blocked"] is True


def test_check_mode_confirms_nothing_and_predicts_the_change(http):
    clock = FakeClock()
    session = http(
        poll_call(poll_message(21), pending=2),
        job_missing_call(OTHER_JOB_ID),
        job_call(object_job(job_id=OTHER_JOB_ID, status="SUCCESS", certificate_id=1658043), history=True),
    )
    result = make_waiter([JOB_ID, OTHER_JOB_ID], clock, check_mode=True).wait(wait_timeout=900, max_interval=30)
    assert all(sent["method"] == "GET" for sent in session.sent)
    assert result["changed"] is True
    assert [message["id"] for message in result["messages"]] == [21, None]


def test_confirm_false_leaves_the_own_message_at_the_head(http):
    clock = FakeClock()
    session = http(poll_call(poll_message(21), pending=1))
    result = make_waiter([JOB_ID], clock, confirm=False).wait(wait_timeout=900, max_interval=30)
    assert all(sent["method"] == "GET" for sent in session.sent)
    assert result["changed"] is False
    assert result["messages"][0]["id"] == 21


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_a_progress_message_of_the_job_is_confirmed_and_the_wait_goes_on(http):
    clock = FakeClock()
    http(
        poll_call(poll_message(21, status="RUNNING"), pending=1),
        confirm_call(21, 0),
        job_call(object_job(status="DEFERRED")),
        poll_call(poll_message(22), pending=1),
        confirm_call(22, 0),
    )
    result = make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert result["messages"][0]["id"] == 22


@pytest.mark.usefixtures("jobs_asked_every_look")
def test_a_failed_job_does_not_cut_short_the_wait_for_another(http):
    clock = FakeClock()
    http(
        poll_call(poll_message(21, status="FAILED", messages=[{"code": "EF400139", "text": "failed"}]), pending=1),
        confirm_call(21, 0),
        job_call(object_job(job_id=OTHER_JOB_ID, status="DEFERRED")),
        poll_call(),
        job_missing_call(OTHER_JOB_ID),
        job_call(object_job(job_id=OTHER_JOB_ID, status="SUCCESS", certificate_id=NEW_CERTIFICATE_ID), history=True),
        poll_call(),
    )
    with pytest.raises(PollError, match="ended FAILED: EF400139 failed.$") as caught:
        make_waiter([JOB_ID, OTHER_JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    result = caught.value.result
    assert result["pending_job_ids"] == []
    assert [(message["job_id"], message["job_status"]) for message in result["messages"]] == [(JOB_ID, "FAILED"), (OTHER_JOB_ID, "SUCCESS")]
    assert result["messages"][1]["certificate_id"] == NEW_CERTIFICATE_ID
    assert clock.sleeps == [2]


def test_check_mode_with_unrelated_confirm_reports_the_blocker_it_would_confirm(http):
    clock = FakeClock()
    session = http(
        poll_call(notify_message(7), pending=2),
        job_missing_call(JOB_ID),
        job_call(object_job(status="SUCCESS", certificate_id=NEW_CERTIFICATE_ID), history=True),
    )
    result = make_waiter([JOB_ID], clock, unrelated="confirm", check_mode=True).wait(wait_timeout=900, max_interval=30)
    assert all(sent["method"] == "GET" for sent in session.sent)
    assert result["changed"] is True
    assert result["queue_blocked"] is True
    assert [message["id"] for message in result["unrelated_messages"]] == [7]


def test_a_message_already_gone_when_confirmed_counts_as_confirmed(http):
    clock = FakeClock()
    http(
        poll_call(poll_message(1005360985), pending=1),
        Call("PUT", "/poll/1005360985", status=404, envelope=error_envelope("E0906", "EF09060")),
    )
    result = make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert result["messages"][0]["id"] == 1005360985
    assert result["changed"] is True


def test_a_job_whose_info_is_refused_is_read_from_the_history(http):
    clock = FakeClock()
    http(
        poll_call(notify_message(1005360001), pending=1),
        Call("GET", f"/job/{JOB_ID}", status=400, envelope=error_envelope("E300114", "EF300102")),
        job_call(object_job(status="success"), history=True),
    )
    result = make_waiter([JOB_ID], clock).wait(wait_timeout=900, max_interval=30)
    assert result["messages"][0]["job_status"] == "SUCCESS"


def test_leftovers_of_earlier_runs_are_confirmed_and_foreign_messages_kept(http):
    clock = FakeClock()
    leftover = poll_message(1005360980, job_id=JOB_ID - 5, name="WWW.example.com")
    leftover["job"]["status"] = "success"
    foreign_order = poll_message(1005360981, job_id=JOB_ID - 4)
    foreign_order["ctid"] = "someone-else-42"
    session = http(
        poll_call(leftover, pending=3),
        confirm_call(1005360980, 2),
        poll_call(foreign_order, pending=2),
    )
    result = make_waiter([], clock, leftovers_of=["www.example.com"]).wait(wait_timeout=0, max_interval=30)
    assert [message["id"] for message in result["leftover_messages"]] == [1005360980]
    assert [sent["url"].rsplit("/v1", 1)[1] for sent in session.sent if sent["method"] == "PUT"] == ["/poll/1005360980"]
    assert result["blocked_by"] is None


def test_a_leftover_needs_an_ended_job_of_a_named_certificate(http):
    clock = FakeClock()
    running = poll_message(1005360980, job_id=JOB_ID - 5, status="RUNNING")
    http(poll_call(running, pending=1))
    result = make_waiter([], clock, leftovers_of=["www.example.com", "shop.example.com"]).wait(wait_timeout=0, max_interval=30)
    assert result["leftover_messages"] == []
    assert result["changed"] is False


def test_every_job_has_an_outcome_also_when_the_wait_ends_first(http):
    clock = FakeClock()
    http(
        poll_call(poll_message(1005360985, status="FAILED", messages=[{"code": "EF400139", "text": "DCV failed"}]), pending=1),
        confirm_call(1005360985, 0),
        job_call(object_job(job_id=OTHER_JOB_ID, status="DEFERRED")),
    )
    with pytest.raises(PollError) as caught:
        make_waiter([JOB_ID, OTHER_JOB_ID], clock).wait(wait_timeout=0, max_interval=30)
    assert caught.value.result["jobs"] == [
        {"job_id": JOB_ID, "outcome": "failed", "certificate_id": NEW_CERTIFICATE_ID, "certificate": None,
         "problem": "Job 4297539521 (renew Certificate www.example.com) ended FAILED: EF400139 DCV failed."},
        {"job_id": OTHER_JOB_ID, "outcome": "pending", "certificate_id": None, "certificate": None,
         "problem": "Job 4297539777 has not ended (last seen DEFERRED)."},
    ]


def test_a_message_that_carries_the_whole_certificate_hands_it_on(http):
    whole = dict(api_certificate(), id=NEW_CERTIFICATE_ID)
    carrying = poll_message(21)
    carrying["object"]["data"] = whole
    http(poll_call(carrying, pending=2), confirm_call(21, 1),
         poll_call(poll_message(22, job_id=OTHER_JOB_ID, certificate_id=1658043, name="shop.example.com"), pending=1), confirm_call(22, 0))
    result = make_waiter([JOB_ID, OTHER_JOB_ID], FakeClock()).wait(wait_timeout=900, max_interval=30)
    first, second = result["jobs"]
    assert first["certificate"] == whole and first["certificate_id"] == NEW_CERTIFICATE_ID
    # A message that names only the id hands on nothing to install.
    assert second["certificate"] is None and second["certificate_id"] == 1658043
