# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading the account's notification queue and waiting for jobs to end.

The queue is shared by everything that works with the account, so a message that belongs to nobody
in this task is never confirmed unless the task asks for it. Where such a message blocks the head,
the jobs themselves tell how they ended.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import time

from ._certificate import is_whole_certificate
from ._client import CTID_PREFIX, AutoDNSError, parse_api_datetime
from ._errors import TaskFailure

ENDED_JOB_STATUSES = frozenset(["SUCCESS", "FAILED", "CANCELED"])
FAILED_JOB_STATUSES = frozenset(["FAILED", "CANCELED"])
IN_FLIGHT_JOB_STATUSES = ("RUNNING", "DEFERRED", "WAIT", "SUPPORT", "NOT_SET")

FIRST_INTERVAL_SECONDS = 2.0
INTERVAL_GROWTH = 1.5
# The queue tells how jobs end; asking every pending job on every look would cost a request per job and look, which over
# hundreds of jobs that run for hours exceeds the API's rate limit. The jobs are asked when a message of no job of the
# task blocks the head, when this long has passed since they were last asked (another poller may have taken a
# message), and at the end of the wait.
JOB_ASK_SECONDS = 60.0

UNRELATED_KEEP = "keep"
UNRELATED_CONFIRM = "confirm"
# The job actions whose messages this collection's orders leave.
ORDER_JOB_ACTIONS = ("renew", "reissue")


class PollError(TaskFailure):
    """A wait that did not end well; ``result`` holds what is known so far."""


def _isoformat(value):
    try:
        moment = parse_api_datetime(value)
    except ValueError:
        return value
    return moment.isoformat() if moment else None


def job_status(job):
    """A Job's status in upper case (the API's enum is upper case; nothing depends on it staying so), or None."""
    status = job.get("status")
    return status.upper() if isinstance(status, str) else None


def _certificate_data(response_object):
    """The ``data`` of a response object about a certificate, as much of it as the API sent; {} for other objects."""
    if str(response_object.get("type") or "").lower() != "certificate":
        return {}
    return response_object.get("data") or {}


def _certificate_id(response_object):
    return _certificate_data(response_object).get("id")


def announced_certificate(normalized):
    """The issued certificate a normalized message (or job) carries whole, in the API's form, with its PEM and chain; None where
    it carries less (often only the id). The API types ``object.data`` as the object itself; how much of it comes is unknown."""
    data = _certificate_data(normalized["raw"].get("object") or {})
    return data if is_whole_certificate(data) else None


def normalize_message(message):
    """A poll message in the shape modules return."""
    job = message.get("job") or {}
    response_object = message.get("object") or {}
    return {
        "id": message.get("id"),
        "job_id": job.get("id"),
        "job_status": job_status(job),
        "action": job.get("action") or (message.get("notify") or {}).get("type"),
        "object_type": response_object.get("type"),
        "object_name": response_object.get("value"),
        "certificate_id": _certificate_id(response_object),
        "ctid": message.get("ctid"),
        "created": _isoformat(message.get("created")),
        "raw": message,
    }


def request_ctid_of(job):
    """The ctid of the request that started ``job`` (a Job), as its workflow events recorded it."""
    for event in job.get("events") or []:
        if event.get("ctid"):
            return event["ctid"]
    return None


def normalize_job(object_job):
    """An ObjectJob (from GET /job or /job/history) in the shape of a normalized message, without a message id."""
    job = object_job.get("job") or {}
    response_object = object_job.get("object") or {}
    return {
        "id": None,
        "job_id": job.get("id"),
        "job_status": job_status(job),
        "action": job.get("action"),
        "object_type": response_object.get("type"),
        "object_name": response_object.get("value"),
        "certificate_id": _certificate_id(response_object),
        "ctid": request_ctid_of(job),
        "created": _isoformat(job.get("created")),
        "raw": object_job,
    }


def _problems_of(normalized):
    """The API's codes and texts that explain a failed job."""
    raw = normalized["raw"]
    messages = list(raw.get("messages") or [])
    for notice in raw.get("notices") or []:
        messages.append({"text": notice})
    problems = []
    for message in messages:
        problems.extend(_problem_lines(message))
    return problems


def _problem_lines(message):
    line = " ".join(part for part in (message.get("code"), message.get("text")) if part)
    lines = [line] if line else []
    for nested in message.get("messages") or []:
        lines.extend(_problem_lines(nested))
    return lines


def read_head(client):
    """The head of the queue (normalized, or None) and the number of pending messages."""
    head, pending = client.poll_info()
    return (normalize_message(head) if head else None), pending


def confirm_head(client, message_id, check_mode=False):
    """Confirm ``message_id``, which must be the current head. Returns (normalized head, pending after)."""
    head, pending = read_head(client)
    if head is None or head["id"] != message_id:
        current = "the queue is empty" if head is None else f"the head is message {head['id']}"
        raise PollError(
            f"Message {message_id} is not at the head of the queue ({current}); only the head can be confirmed.",
            message=head, pending=pending)
    if check_mode:
        return head, pending
    return head, client.poll_confirm(message_id)


class JobWaiter:
    """Waits for jobs to end, learning their ends from the queue, or from the jobs where the queue cannot tell."""

    def __init__(self, client, job_ids, confirm=True, unrelated=UNRELATED_KEEP, check_mode=False, clock=None, sleep=None, leftovers_of=()):
        self.client = client
        self.job_ids = list(dict.fromkeys(int(job_id) for job_id in job_ids))
        self.leftover_names = {name.rstrip(".").lower() for name in leftovers_of}
        self.leftover_messages = []
        self.confirm = confirm
        self.confirm_unrelated = unrelated == UNRELATED_CONFIRM
        self.check_mode = check_mode
        self.clock = clock or time.monotonic
        self.sleep = sleep or time.sleep
        self.results = {}
        self.last_seen = {}
        self.unrelated_messages = []
        self.blocked_by = None
        self.changed = False

    @property
    def pending_job_ids(self):
        return [job_id for job_id in self.job_ids if job_id not in self.results]

    def wait(self, wait_timeout, max_interval):
        """Wait up to ``wait_timeout`` seconds for every job to end; returns the result dict.

        Raises PollError on timeout, or once all jobs have ended when any of them ended FAILED or CANCELED.
        """
        deadline = self.clock() + wait_timeout
        next_job_ask = self.clock() + JOB_ASK_SECONDS
        interval = min(FIRST_INTERVAL_SECONDS, max_interval)
        while True:
            out_of_time = self.clock() >= deadline
            if self._look(ask_jobs=out_of_time or self.clock() >= next_job_ask):
                next_job_ask = self.clock() + JOB_ASK_SECONDS
            if not self.pending_job_ids:
                # Only now: one job's failure must not cut short the wait for the others (a role renews many at once).
                self._fail_for_ended_badly()
                return self._common_result()
            if out_of_time:
                raise PollError(self._timeout_sentence(wait_timeout), **self.partial_result())
            self.sleep(min(interval, max(deadline - self.clock(), 0)))
            interval = min(interval * INTERVAL_GROWTH, max_interval)

    def _look(self, ask_jobs):
        """Take the messages at the head, and ask the pending jobs where asked to or where the head is blocked; True when they were asked."""
        head_taken = self._drain_queue()
        if not self.pending_job_ids or (head_taken and not ask_jobs):
            return False
        if self._ask_jobs() and head_taken:
            # The job's message may have arrived meanwhile; take it so that it is confirmed, not left behind.
            self._drain_queue()
        return True

    def _wants_messages(self):
        return any(job_id not in self.results or self.results[job_id]["id"] is None for job_id in self.job_ids)

    def _drain_queue(self):
        """Handle messages at the head while they concern this task; False when a message had to stay at the head."""
        head = read_head(self.client)[0]
        while head is not None:
            if head["job_id"] in self.job_ids:
                self._record(head["job_id"], head)
                may_confirm = self.confirm
            elif self._is_leftover(head):
                if head not in self.leftover_messages:
                    self.leftover_messages.append(head)
                may_confirm = self.confirm
            elif not self.pending_job_ids:
                return False
            elif self.confirm_unrelated:
                if head not in self.unrelated_messages:
                    self.unrelated_messages.append(head)
                may_confirm = True
            else:
                self.blocked_by = head
                return False
            if not may_confirm:
                return False
            self.changed = True
            if self.check_mode:
                if head["job_id"] not in self.job_ids:
                    self.blocked_by = head
                return False
            if self._confirm(head["id"]) == 0 or not (self._wants_messages() or self.leftover_names):
                return True
            head = read_head(self.client)[0]
        return True

    def _confirm(self, message_id):
        """Confirm a message; one that is gone already (a retried confirm, a second poller) counts as confirmed."""
        try:
            return self.client.poll_confirm(message_id)
        except AutoDNSError as error:
            if error.not_found:
                return None
            raise

    def _is_leftover(self, normalized):
        """A message of an ended renew or reissue job of a named certificate, ordered by this collection in an earlier run."""
        return (normalized["job_status"] in ENDED_JOB_STATUSES
                and str(normalized["action"] or "").lower() in ORDER_JOB_ACTIONS
                and str(normalized["object_name"] or "").rstrip(".").lower() in self.leftover_names
                and str(normalized["ctid"] or "").startswith(CTID_PREFIX))

    def _record(self, job_id, normalized):
        if normalized["job_status"] in ENDED_JOB_STATUSES:
            self.results[job_id] = normalized
        else:
            self.last_seen[job_id] = normalized["job_status"]

    def _ask_jobs(self):
        """Ask each pending job how it stands; True when one of them turned out to have ended."""
        ended = False
        for job_id in self.pending_job_ids:
            object_job = self.client.get_job_or_history(job_id)
            if object_job is None:
                self.last_seen[job_id] = None
                continue
            normalized = normalize_job(object_job)
            normalized["job_id"] = job_id
            self._record(job_id, normalized)
            ended = ended or job_id in self.results
        return ended

    def _ordered_results(self):
        return [self.results[job_id] for job_id in self.job_ids if job_id in self.results]

    def _outcome(self, job_id):
        """How one job stands, in the shape the role decides by."""
        ended = self.results.get(job_id)
        if ended is None:
            seen = self.last_seen.get(job_id)
            return {"job_id": job_id, "outcome": "pending", "certificate_id": None, "certificate": None,
                    "problem": f"Job {job_id} has not ended" + (f" (last seen {seen})." if seen else ".")}
        if ended["job_status"] in FAILED_JOB_STATUSES:
            return {"job_id": job_id, "outcome": "failed", "certificate_id": ended["certificate_id"], "certificate": None,
                    "problem": _failure_sentence(ended)}
        return {"job_id": job_id, "outcome": "success", "certificate_id": ended["certificate_id"],
                "certificate": announced_certificate(ended), "problem": None}

    def _common_result(self):
        return {
            "changed": self.changed,
            "jobs": [self._outcome(job_id) for job_id in self.job_ids],
            "messages": self._ordered_results(),
            "queue_blocked": self.blocked_by is not None,
            "blocked_by": self.blocked_by,
            "unrelated_messages": self.unrelated_messages,
            "leftover_messages": self.leftover_messages,
        }

    def partial_result(self):
        """What is known so far, for a failure: the ended jobs, the pending ones and the messages confirmed on the way."""
        result = self._common_result()
        result["pending_job_ids"] = self.pending_job_ids
        return result

    def _fail_for_ended_badly(self):
        failed = [item for item in self._ordered_results() if item["job_status"] in FAILED_JOB_STATUSES]
        if failed:
            raise PollError(" ".join(_failure_sentence(item) for item in failed), **self.partial_result())

    def _timeout_sentence(self, wait_timeout):
        states = []
        for job_id in self.pending_job_ids:
            if job_id not in self.last_seen:
                states.append(f"{job_id}")
            elif self.last_seen[job_id] is None:
                states.append(f"{job_id} (unknown to the API as active and as finished job)")
            else:
                states.append(f"{job_id} ({self.last_seen[job_id]})")
        sentence = f"Jobs not ended after {wait_timeout} seconds: {', '.join(states)}."
        if self.blocked_by is not None:
            sentence += (f" Message {self.blocked_by['id']}, which concerns no job of this task, blocks the head of the queue;"
                         " the jobs were asked directly (unrelated=confirm clears such messages).")
        return sentence


def _failure_sentence(normalized):
    subject = " ".join(str(part) for part in (normalized["action"], normalized["object_type"], normalized["object_name"]) if part)
    sentence = f"Job {normalized['job_id']}" + (f" ({subject})" if subject else "") + f" ended {normalized['job_status']}"
    problems = _problems_of(normalized)
    return sentence + (": " + "; ".join(problem.rstrip(".") for problem in problems) + "." if problems else " without a reason from the API.")
