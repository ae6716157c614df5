# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Exactly one order per renewal, proven over real HTTP against the sandbox under each of its behaviour profiles.

The sandbox counts what really happened (accepted orders, jobs, confirmed poll messages) and logs every request,
so each test compares what the collection's code reports with what the API imitation saw.
"""

from __future__ import annotations

import datetime
import multiprocessing
import os
import signal

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils import _renewal
from ansible_collections.autodns.ssl.plugins.module_utils._certificate import (
    certificate_from_description,
    current_certificates,
    describe_certificate,
    issued_certificate,
)
from ansible_collections.autodns.ssl.plugins.module_utils._client import CTID_PREFIX, AutoDNSClient
from ansible_collections.autodns.ssl.plugins.module_utils._local_state import STATE_DIRECTORY_NAME
from ansible_collections.autodns.ssl.plugins.module_utils._poll import IN_FLIGHT_JOB_STATUSES, JobWaiter
from ansible_collections.autodns.ssl.plugins.module_utils._renewal import renew_certificate
from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControl
from ansible_collections.autodns.ssl.tests.sandbox.runner import start_sandbox

PROFILES = {
    "P1": {"job_search": "active", "poll_detail": "full", "poll_object_data": "certificate",
           "ended_job_info": "not_found", "dcv_layout": "flat", "id_policy": "new"},
    "P2": {"job_search": "all", "poll_detail": "minimal", "poll_object_data": "summary",
           "ended_job_info": "refused", "dcv_layout": "nested", "id_policy": "same"},
    "P3": {"job_search": "active", "poll_detail": "minimal", "poll_object_data": "summary",
           "ended_job_info": "refused", "dcv_layout": "flat", "id_policy": "new"},
}
FAST_SETTINGS = {"rate_limit": 0, "job_running_seconds": 0.2, "deferred_recheck_seconds": 0.1, "issuance_delay": 0.5}
# Long enough that a job started by the test is certainly still running when the code under test looks for it.
STILL_RUNNING_SECONDS = 5

SSL_USER = ("ssl-user", "ssl-password", 9)
SSL_OWNER = {"user": "ssl-user", "context": 9}
ZONE_OWNER = {"user": "zone-user", "context": 4}
ZONE = "example.com"
CERTIFICATE_NAME = "www.example.com"
RENEW_PATH = "/certificate/{}/_renew"
RENEW_PATH_GLOB = "/certificate/*/_renew"
FOREIGN_MESSAGE = {"notify": {"type": "autoupdate_dns_success"}, "object": {"type": "Domain", "value": "example.net"}}

JOB_WAIT_SECONDS = 30
JOB_POLL_SECONDS = 0.2
PROCESS_SECONDS = 60

# ansible-test runs every test in a fork of the process that collected this module. A fork sets up the module's
# fixtures again and exits without tearing them down, so a test running in a fork must end its own sandbox.
COLLECTING_PID = os.getpid()


class NoRateLimit:
    """The sandbox's rate limit is off in these tests; the collection's limiter would only slow them down."""

    warning = None

    def acquire(self):
        """Nothing to wait for."""


def new_client(url, timeout=30, sleeps=None):
    """A real client of the sandbox as ssl-user; ``sleeps`` records the sleeps it asks for instead of sleeping."""
    return AutoDNSClient(url, *SSL_USER, timeout=timeout, rate_limiter=NoRateLimit(),
                         sleep=sleeps.append if sleeps is not None else None)


def renew_options(certificate_id):
    """certificate_renew's options for a renewal whose DNS records AutoDNS provisions itself."""
    return {
        "certificate_id": certificate_id, "name": None, "term": None, "csr": None, "authentication": None,
        "dns_provisioning": True, "remaining_days": 30, "force": False, "order": "auto",
    }


@pytest.fixture(scope="module")
def sandbox():
    with start_sandbox() as process:
        yield process


@pytest.fixture(params=list(PROFILES.values()), ids=list(PROFILES))
def profile(request):
    return request.param


@pytest.fixture
def control(sandbox, profile):
    sandbox_control = SandboxControl(sandbox.control_url)
    sandbox_control.reset()
    sandbox_control.settings(**FAST_SETTINGS)
    sandbox_control.settings(**profile)
    yield sandbox_control
    if os.getpid() != COLLECTING_PID:
        # Only SIGTERM, no wait: the sandbox stops by itself within its shutdown time (about 1.5 s), while the fixture
        # teardown of the last test, which does run in its fork, waits as long for its own sandbox.
        os.kill(sandbox.pid, signal.SIGTERM)


@pytest.fixture(autouse=True)
def runtime_dir(tmp_path, monkeypatch):
    """The per-certificate order locks live here, not in the real runtime directory of the user."""
    base = tmp_path / "xdg-runtime"
    base.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    return base


@pytest.fixture
def due_certificate(control):
    """A certificate of ssl-user 20 days before expiry, in a zone where AutoDNS writes the validation records itself."""
    control.add_zone(ZONE, owner=ZONE_OWNER, provisioning=True)
    return control.add_certificate(CERTIFICATE_NAME, owner=SSL_OWNER, product="QUICKSSLPREMIUM", days_remaining=20)


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(sandbox, sleeps):
    return new_client(sandbox.url, sleeps=sleeps)


def the_one_job(control, certificate_id):
    """The only job since the reset, after checking that exactly one renewal of the certificate was accepted."""
    counters = control.counters()
    assert counters["orders"] == {str(certificate_id): 1}
    assert counters["reissues"] == {}
    assert len(counters["jobs"]) == 1, counters["jobs"]
    job = counters["jobs"][0]
    assert (job["action"], job["certificate_id"]) == ("renew", certificate_id)
    return job


def order_requests(control, certificate_id):
    """Every renew request that reached the sandbox, in order, with the fault it met."""
    return [entry for entry in control.log() if entry["method"] == "PUT" and entry["path"] == RENEW_PATH.format(certificate_id)]


def assert_placed_after_lost_answer(result, job, requests_sent, fault, sleeps):
    """The one order whose answer was lost, found again by the searches: named by its job id and request ctid, never resent."""
    assert [entry["fault"] for entry in requests_sent] == [fault], "the order must be sent exactly once"
    assert job["ctid"] == requests_sent[0]["ctid"]
    assert (result["job_id"], result["ctid"]) == (job["id"], job["ctid"])
    assert (result["changed"], result["in_flight"], result["order"]) == (True, False, "renew")
    # The grace before the searches was asked for: the lost answer went through the lookup, not through luck.
    assert _renewal.ORDER_GRACE_SECONDS in sleeps


def test_a_late_answer_is_found_by_the_searches(control, sandbox, due_certificate, sleeps):
    control.add_fault(RENEW_PATH_GLOB, "late_answer", method="PUT", delay=3)
    impatient = new_client(sandbox.url, timeout=1, sleeps=sleeps)

    result = renew_certificate(impatient, renew_options(due_certificate["id"]))

    job = the_one_job(control, due_certificate["id"])
    assert_placed_after_lost_answer(result, job, order_requests(control, due_certificate["id"]), "late_answer", sleeps)


def test_a_dropped_answer_of_a_running_order_is_found_by_the_searches(control, client, due_certificate, sleeps):
    control.settings(job_running_seconds=STILL_RUNNING_SECONDS)
    control.add_fault(RENEW_PATH_GLOB, "drop_after", method="PUT")

    result = renew_certificate(client, renew_options(due_certificate["id"]))

    job = the_one_job(control, due_certificate["id"])
    assert job["status"] in IN_FLIGHT_JOB_STATUSES
    assert result["job_status"] in IN_FLIGHT_JOB_STATUSES
    assert_placed_after_lost_answer(result, job, order_requests(control, due_certificate["id"]), "drop_after", sleeps)


def test_an_order_whose_job_ended_before_the_lookup_is_found_in_the_history(control, client, due_certificate, sleeps):
    control.add_fault(RENEW_PATH_GLOB, "drop_after_job_ends", method="PUT")

    result = renew_certificate(client, renew_options(due_certificate["id"]))

    job = the_one_job(control, due_certificate["id"])
    assert job["status"] == "SUCCESS"
    assert result["job_status"] == "SUCCESS"
    assert_placed_after_lost_answer(result, job, order_requests(control, due_certificate["id"]), "drop_after_job_ends", sleeps)


def test_an_order_refused_by_a_5xx_without_effect_is_sent_once_more(control, client, due_certificate, sleeps):
    control.add_fault(RENEW_PATH_GLOB, "http_500", method="PUT", times=1)

    result = renew_certificate(client, renew_options(due_certificate["id"]))

    job = the_one_job(control, due_certificate["id"])
    refused, accepted = order_requests(control, due_certificate["id"])
    assert (refused["fault"], refused["status"]) == ("http_500", 500)
    assert (accepted["fault"], accepted["status"]) == (None, 200)
    # The job is the second request's: the searches between the two proved that the first one placed nothing.
    assert job["ctid"] == accepted["ctid"] != refused["ctid"]
    assert (result["job_id"], result["ctid"]) == (job["id"], job["ctid"])
    assert (result["changed"], result["in_flight"]) == (True, False)
    assert _renewal.ORDER_GRACE_SECONDS in sleeps
    log = control.log()
    between = log[log.index(refused) + 1:log.index(accepted)]
    assert {"/job/_search", "/job/history/_search"} <= {entry["path"] for entry in between}, "the resend must follow the lookup"


def run_together(target, arguments):
    """Run ``target(*args, start_together, results)`` in a forked process per element of ``arguments``, released at the same
    moment; returns what each put in ``results`` (kind, answer)."""
    context = multiprocessing.get_context("fork")
    start_together = context.Barrier(len(arguments))
    results = context.Queue()
    processes = [context.Process(target=target, args=(*args, start_together, results)) for args in arguments]
    try:
        for process in processes:
            process.start()
        answers = [results.get(timeout=PROCESS_SECONDS) for _process in processes]
        for process in processes:
            process.join(PROCESS_SECONDS)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join()
    return answers


def _renew_in_a_process(url, certificate_id, start_together, results):
    """One of two processes renewing the same certificate; reports its task result or its error."""
    try:
        start_together.wait(PROCESS_SECONDS)
        results.put(("result", renew_certificate(new_client(url), renew_options(certificate_id))))
    except Exception as error:  # pylint: disable=broad-exception-caught
        # Whatever went wrong must reach the test as a failure, not as a process that never answered.
        results.put(("error", f"{type(error).__name__}: {error} {getattr(error, 'result', '')}"))


def test_two_processes_ordering_at_once_place_one_order(control, sandbox, due_certificate, runtime_dir, profile):
    # The process that gets the lock second must still see the first one's job running.
    control.settings(job_running_seconds=STILL_RUNNING_SECONDS)
    answers = run_together(_renew_in_a_process, [(sandbox.url, due_certificate["id"]), (sandbox.url, due_certificate["id"])])

    assert [kind for kind, _answer in answers] == ["result", "result"], answers
    placed, waited = sorted((answer for _kind, answer in answers), key=lambda answer: answer["in_flight"])
    job = the_one_job(control, due_certificate["id"])
    assert len(order_requests(control, due_certificate["id"])) == 1
    assert placed["job_id"] == waited["job_id"] == job["id"]
    assert (placed["in_flight"], placed["changed"], placed["ctid"]) == (False, True, job["ctid"])
    assert (waited["in_flight"], waited["changed"]) == (True, False)
    # The job names its order's ctid only where the API shows the job's events.
    assert waited["ctid"] == (job["ctid"] if profile["poll_detail"] == "full" else None)
    assert [path.name for path in (runtime_dir / STATE_DIRECTORY_NAME).iterdir() if path.name.startswith("order-")], \
        "the order lock must live in the runtime directory the test set"


def test_a_foreign_message_at_the_head_is_left_to_its_owner(control, client, sandbox, due_certificate):
    foreign_id = control.add_poll_message(SSL_OWNER, FOREIGN_MESSAGE)["id"]
    job_id = renew_certificate(client, renew_options(due_certificate["id"]))["job_id"]

    waited = JobWaiter(client, [job_id]).wait(wait_timeout=JOB_WAIT_SECONDS, max_interval=JOB_POLL_SECONDS)

    [ended] = waited["messages"]
    assert (ended["job_id"], ended["job_status"]) == (job_id, "SUCCESS")
    assert ended["id"] is None, "the end must come from the job routes: the job's message is behind the foreign one"
    assert waited["queue_blocked"] and waited["blocked_by"]["id"] == foreign_id
    assert control.counters()["confirmed"] == []
    head, pending = client.poll_info()
    assert (head["id"], pending) == (foreign_id, 2)

    # Its owner handles the foreign message, as a separate step with a client of its own.
    owner = new_client(sandbox.url)
    assert owner.poll_confirm(foreign_id) == 1
    drained = JobWaiter(client, [], leftovers_of=[CERTIFICATE_NAME]).wait(wait_timeout=0, max_interval=1)

    [ours] = drained["leftover_messages"]
    assert (ours["job_id"], ours["job_status"]) == (job_id, "SUCCESS")
    assert ours["ctid"].startswith(CTID_PREFIX)
    assert client.poll_info() == (None, 0)
    assert control.counters()["confirmed"] == [foreign_id, ours["id"]]
    foreign_confirms = [entry for entry in control.log() if (entry["method"], entry["path"]) == ("PUT", f"/poll/{foreign_id}")]
    assert len(foreign_confirms) == 1, "only the owner's step may confirm the foreign message"
    the_one_job(control, due_certificate["id"])


def test_the_issued_certificate_has_a_new_serial(control, client, due_certificate, profile):
    result = renew_certificate(client, renew_options(due_certificate["id"]))
    assert result["previous"]["serial_number"] == due_certificate["serial_number"]

    waited = JobWaiter(client, [result["job_id"]]).wait(wait_timeout=JOB_WAIT_SECONDS, max_interval=JOB_POLL_SECONDS)
    [ended], [outcome] = waited["messages"], waited["jobs"]

    assert ended["job_status"] == "SUCCESS"
    if profile["id_policy"] == "new":
        expected_id = control.certificate(due_certificate["id"])["successor_id"]
        assert expected_id not in (None, due_certificate["id"])
    else:
        expected_id = due_certificate["id"]
    # Under poll_detail minimal the job's message names no certificate: the name and the evidence must find it.
    assert ended["certificate_id"] == (expected_id if profile["poll_detail"] == "full" else None)
    # Where the message carries the whole certificate, it is proven and taken without reading it again.
    carried = profile["poll_detail"] == "full" and profile["poll_object_data"] == "certificate"
    assert (outcome["certificate"] is not None) == carried
    reads_before = len(control.log())
    issued = issued_certificate(client, result["previous"], ended["certificate_id"], outcome["certificate"])
    assert (len(control.log()) == reads_before) == carried

    assert issued["id"] == expected_id
    assert issued["serialNumber"] not in (None, due_certificate["serial_number"])
    in_sandbox = control.certificate(expected_id)
    assert issued["serialNumber"] == in_sandbox["serial_number"]
    if profile["id_policy"] == "same":
        assert due_certificate["serial_number"] in [history["serial_number"] for history in in_sandbox["histories"]]
    the_one_job(control, due_certificate["id"])


SECOND_NAME = "shop.example.com"


def _renew_many_in_a_process(url, names, start_together, results):
    """One of two processes that read the certificates of ``names`` the way certificate_info does and renew them in one batch."""
    try:
        client = new_client(url)
        read_at = datetime.datetime.now(datetime.timezone.utc)
        found = current_certificates(client, names)
        requests = []
        for dummy_name, certificate, dummy_problem in found:
            certificate, read_at = certificate_from_description(describe_certificate(certificate, read_at=read_at)[0])
            requests.append(_renewal.RenewalRequest(certificate, read_at, renew_options(None)))
        start_together.wait(PROCESS_SECONDS)
        outcomes = _renewal.renew_certificates(client, requests)
        results.put(("result", [outcome if isinstance(outcome, dict) else f"problem: {outcome}" for outcome in outcomes]))
    except Exception as error:  # pylint: disable=broad-exception-caught
        results.put(("error", f"{type(error).__name__}: {error} {getattr(error, 'result', '')}"))


def test_two_processes_ordering_overlapping_batches_place_one_order_per_certificate(control, sandbox, due_certificate, profile):
    control.settings(job_running_seconds=STILL_RUNNING_SECONDS)
    second = control.add_certificate(SECOND_NAME, owner=SSL_OWNER, product="QUICKSSLPREMIUM", days_remaining=20)
    answers = run_together(_renew_many_in_a_process, [(sandbox.url, [CERTIFICATE_NAME, SECOND_NAME]), (sandbox.url, [SECOND_NAME, CERTIFICATE_NAME])])

    assert [kind for kind, _answer in answers] == ["result", "result"], answers
    counters = control.counters()
    assert counters["orders"] == {str(due_certificate["id"]): 1, str(second["id"]): 1}
    assert len(counters["jobs"]) == 2
    outcomes = [outcome for _kind, answer in answers for outcome in answer]
    assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes
    for certificate_id in (due_certificate["id"], second["id"]):
        mine = [outcome for outcome in outcomes if outcome["certificate_id"] == certificate_id]
        assert sorted(outcome["in_flight"] for outcome in mine) == [False, True]
        assert len({outcome["job_id"] for outcome in mine}) == 1
    # No certificate was read again after certificate_info's read: one search and one read per name and process.
    reads = [entry for entry in control.log() if entry["method"] == "GET" and entry["path"].startswith("/certificate/")]
    assert len(reads) == 4


def test_the_same_batch_run_again_after_its_jobs_ended_orders_nothing_more(control, client, due_certificate):
    second = control.add_certificate(SECOND_NAME, owner=SSL_OWNER, product="QUICKSSLPREMIUM", days_remaining=20)
    read_at = datetime.datetime.now(datetime.timezone.utc)
    requests = []
    for dummy_name, certificate, dummy_problem in current_certificates(client, [CERTIFICATE_NAME, SECOND_NAME]):
        certificate, read_at = certificate_from_description(describe_certificate(certificate, read_at=read_at)[0])
        requests.append(_renewal.RenewalRequest(certificate, read_at, renew_options(None)))
    first = _renewal.renew_certificates(client, requests)
    JobWaiter(client, [outcome["job_id"] for outcome in first]).wait(wait_timeout=JOB_WAIT_SECONDS, max_interval=JOB_POLL_SECONDS)

    again = _renewal.renew_certificates(client, requests)

    assert [outcome["job_id"] for outcome in again] == [outcome["job_id"] for outcome in first]
    assert [(outcome["in_flight"], outcome["changed"]) for outcome in again] == [(True, False), (True, False)]
    assert control.counters()["orders"] == {str(due_certificate["id"]): 1, str(second["id"]): 1}
