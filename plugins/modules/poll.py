#!/usr/bin/python
# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: poll
short_description: Read the AutoDNS notification queue, or wait for jobs to end
version_added: 0.1.0
description:
  - The API tells how asynchronous jobs, such as certificate renewals, ended by messages in the account's notification queue.
    The queue shows one message at a time, its head (C(GET /poll)); confirming the head (C(PUT /poll/{id})) shows the next one.
  - Without O(job_id) and O(job_ids), the module returns the head of the queue and the number of pending messages.
    With O(message_id) it confirms that message, which must be the head.
  - With O(job_id) or O(job_ids), it waits until each job has ended, for up to O(wait_timeout) seconds, and returns the job's message,
    which names the certificate the job issued. The messages of these jobs are confirmed (O(confirm)).
  - The queue is shared by everything that works with the account, so a message that concerns none of the jobs is left in the queue
    unless O(unrelated=confirm). While such a message blocks the head, the module asks the jobs themselves
    (C(GET /job/{id}), then C(GET /job/history/{id}) for jobs that have ended) and returns RV(queue_blocked=true).
  - It also asks the jobs once a minute while the queue says nothing of them (another poller may have taken their messages), and at the
    end of the wait; otherwise the queue alone tells how they end, so that a long wait for many jobs costs few requests.
  - With O(leftovers_of), messages that earlier runs of this collection left behind (ended renew and reissue jobs of those certificates,
    whose requests carried this collection's ctid) are confirmed when they reach the head, so that the queue drains; they are returned
    in RV(leftover_messages). A message that is gone already when it is confirmed (a retried confirm, a second poller) counts as confirmed.
  - Job statuses and object types are compared without regard to case. Where C(GET /job/{id}) refuses to answer for a job in any way
    (not only with HTTP 404), the job is looked up in the history.
  - A job that ends C(FAILED) or C(CANCELED) fails the task with the API's codes and texts, but only once every job has ended,
    so that one failed renewal does not cut short the wait for the others; RV(messages) then holds the outcome of every job.
author:
  - autodns.ssl contributors (@autodns-ssl)
extends_documentation_fragment:
  - autodns.ssl._api
  - autodns.ssl._attributes
  - autodns.ssl._attributes.ACTIONGROUP_API
attributes:
  check_mode:
    support: full
    details:
      - Reads the queue and the jobs, and waits like a normal run, but confirms no message; C(changed) says whether a message would be confirmed.
  diff_mode:
    support: N/A
    details:
      - Confirming a message has no state to compare.
  idempotent:
    support: partial
    details:
      - Reading the head, and waiting for jobs whose messages were confirmed already, changes nothing.
      - Confirming a message removes it from the queue, so a second run with the same O(message_id) fails because that message is no longer the head.
options:
  job_id:
    description:
      - The id of a job to wait for, for example RV(autodns.ssl.certificate_renew#module:job_id).
      - Mutually exclusive with O(job_ids) and O(message_id).
    type: int
  job_ids:
    description:
      - The ids of several jobs to wait for. RV(messages) lists their results in this order.
      - May be empty together with O(leftovers_of), to only drain the messages that earlier runs left.
      - Mutually exclusive with O(job_id) and O(message_id).
    type: list
    elements: int
  message_id:
    description:
      - Without O(job_id) and O(job_ids), the id of the message to confirm. It must be the head of the queue, else the task fails.
      - Without it, the head is only read.
    type: int
  confirm:
    description:
      - Whether to confirm the messages of O(job_id) and O(job_ids) once they are read, or the message O(message_id).
      - With V(false) a job's message stays at the head, and further jobs are asked directly.
    type: bool
    default: true
  unrelated:
    description:
      - What to do with a message at the head of the queue that concerns none of O(job_id) and O(job_ids) while waiting.
      - V(keep) leaves it for whoever it belongs to; the jobs are then asked directly.
      - V(confirm) returns it in RV(unrelated_messages) and confirms it, so the messages behind it can be read.
    type: str
    choices: [keep, confirm]
    default: keep
  leftovers_of:
    description:
      - Certificate names whose leftover messages are confirmed while the module reads the queue, see the description.
      - Only messages of ended C(renew) and C(reissue) jobs for these names whose ctid starts with C(autodns-ssl-) count; every other
        message is handled as O(unrelated) says.
      - Without O(job_id) and O(job_ids), the module then drains such messages from the head and returns.
    type: list
    elements: str
    default: []
  wait_timeout:
    description:
      - Seconds to wait for the jobs to end. V(0) looks once.
      - This is not O(timeout), which limits a single HTTP request.
    type: int
    default: 900
  max_interval:
    description:
      - The longest pause in seconds between two looks. The first pause is 2 seconds; the pauses grow up to this value.
    type: int
    default: 30
notes:
  - Certificate jobs wait for the DNS validation records to be visible, which can take minutes; AutoDNS rechecks them about every 10 minutes.
    Set O(wait_timeout) accordingly.
seealso:
  - module: autodns.ssl.certificate_renew
    description: Order a renewal; its RV(autodns.ssl.certificate_renew#module:job_id) is the job to wait for.
  - module: autodns.ssl.certificate_info
    description: Read the certificate the job issued, by RV(message.certificate_id).
"""

EXAMPLES = r"""
- name: Wait for a renewal and read the new certificate
  module_defaults:
    group/autodns.ssl.api:
      api_url: "{{ autodns_api_url }}"
      username: "{{ autodns_username }}"
      password: "{{ autodns_password }}"
      context: 9
  delegate_to: localhost
  run_once: true
  block:
    - name: Order the renewal
      autodns.ssl.certificate_renew:
        name: www.example.com
      register: renewal

    - name: Wait up to 30 minutes for the renewal job
      autodns.ssl.poll:
        job_id: "{{ renewal.job_id }}"
        wait_timeout: 1800
        max_interval: 60
      register: finished
      when: renewal.job_id is not none

    - name: Read the issued certificate
      autodns.ssl.certificate_info:
        certificate_id: "{{ finished.message.certificate_id }}"
      when: renewal.job_id is not none

- name: Look at the head of the queue
  autodns.ssl.poll:
  register: queue
  delegate_to: localhost
  run_once: true

- name: Confirm the head after handling it
  autodns.ssl.poll:
    message_id: "{{ queue.message.id }}"
  when: queue.message is not none
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
message:
  description:
    - Without O(job_id) and O(job_ids), the head of the queue (the confirmed message where O(message_id) was confirmed); V(null) when the queue is empty.
    - With O(job_id), how the job ended.
  returned: success, unless O(job_ids) is set
  type: dict
  contains: &message
    id:
      description: The message id; V(null) where the job's end was learned from the job itself.
      type: int
      sample: 1005360985
    job_id:
      description: The id of the job the message is about; V(null) for a notification that concerns no job.
      type: int
      sample: 4297539521
    job_status:
      description: The job's status, for example V(SUCCESS), V(FAILED) or V(CANCELED).
      type: str
      sample: SUCCESS
    action:
      description: The job's action, for example V(renew), or the type of a notification that concerns no job.
      type: str
      sample: renew
    object_type:
      description: The type of the object the message is about.
      type: str
      sample: Certificate
    object_name:
      description: The name of the object the message is about.
      type: str
      sample: www.example.com
    certificate_id:
      description:
        - For a certificate job, the certificate the message names. For a renewal that ended V(SUCCESS), the id of the issued certificate
          (the renewed certificate has a new id).
      type: int
      sample: 1658042
    ctid:
      description: The client transaction id of the request that started the job, for example RV(autodns.ssl.certificate_renew#module:ctid).
      type: str
      sample: autodns-ssl-6f1c0e7a5d2b4c1e9a7f3b2d1c0e9f8a
    created:
      description: When the message (or the job) was created, ISO 8601.
      type: str
      sample: "2026-11-28T19:31:02+00:00"
    raw:
      description: The message as the API returned it, or the job where the end was learned from the job.
      type: dict
messages:
  description:
    - With O(job_ids), how each job ended, in the order of O(job_ids).
    - When the wait times out or a job failed, the jobs that have ended so far (also with O(job_id)).
  returned: success with O(job_ids); failure while waiting
  type: list
  elements: dict
  contains: *message
pending:
  description: The number of messages in the queue (after the confirmation, where one was made).
  returned: success, without O(job_id) and O(job_ids)
  type: int
  sample: 2
queue_blocked:
  description:
    - Whether a message that concerns none of the jobs stayed at the head, so that the jobs were asked directly.
    - In check mode this happens also with O(unrelated=confirm).
  returned: with O(job_id) or O(job_ids), also when the wait fails
  type: bool
  sample: false
blocked_by:
  description: The message that blocked the head (shaped like RV(message)), or V(null).
  returned: with O(job_id) or O(job_ids), also when the wait fails
  type: dict
unrelated_messages:
  description:
    - The messages that concerned none of the jobs and were confirmed because of O(unrelated=confirm) (shaped like RV(message)).
    - In check mode, the message that would have been confirmed first.
  returned: with O(job_id) or O(job_ids), also when the wait fails
  type: list
  elements: dict
jobs:
  description:
    - How each job of O(job_id) or O(job_ids) stands, in that order; also when the wait fails.
  returned: with O(job_id), O(job_ids) or O(leftovers_of)
  type: list
  elements: dict
  contains:
    job_id:
      description: The job's id.
      type: int
    outcome:
      description: V(success), V(failed) (also for a canceled job), or V(pending) where it had not ended when the wait ended.
      type: str
      choices: [success, failed, pending]
    certificate_id:
      description: The certificate id the job's message or the job names, or V(null) where the API names none.
      type: int
    certificate:
      description:
        - For a success, the issued certificate as the job's message carried it, in the API's form, where it carried the whole
          certificate with its PEM and chain; V(null) otherwise (often the message names only the id).
        - Pass it to O(autodns.ssl.certificate_info#module:announced) with O(autodns.ssl.certificate_info#module:previous), which then
          proves it to be the issued certificate without reading it again.
      type: dict
      version_added: 0.2.0
    problem:
      description: Why it failed, with the API's codes, or that it has not ended; V(null) for a success.
      type: str
leftover_messages:
  description:
    - The messages of earlier runs confirmed because of O(leftovers_of), in the shape of RV(message).
  returned: with O(job_id), O(job_ids) or O(leftovers_of), also when the wait fails
  type: list
  elements: dict
pending_job_ids:
  description: The jobs that had not ended when the wait failed (timed out, a job failed, or an API call failed).
  returned: failure while waiting
  type: list
  elements: int
  sample: [4297539521]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.autodns.ssl.plugins.module_utils._api_module import api_argument_spec, fail_from_error, run_module
from ansible_collections.autodns.ssl.plugins.module_utils._client import AutoDNSError
from ansible_collections.autodns.ssl.plugins.module_utils._poll import (
    UNRELATED_CONFIRM,
    UNRELATED_KEEP,
    JobWaiter,
    confirm_head,
    read_head,
)


def queue_head(module, client):
    params = module.params
    if params["message_id"] is not None and params["confirm"]:
        message, pending = confirm_head(client, params["message_id"], check_mode=module.check_mode)
        return {"changed": True, "message": message, "pending": pending}
    message, pending = read_head(client)
    return {"changed": False, "message": message, "pending": pending}


def wait_for_jobs(module, client):
    params = module.params
    single = params["job_id"] is not None
    waiter = JobWaiter(
        client, [params["job_id"]] if single else params["job_ids"] or [], confirm=params["confirm"],
        unrelated=params["unrelated"], check_mode=module.check_mode, leftovers_of=params["leftovers_of"])
    try:
        result = waiter.wait(params["wait_timeout"], params["max_interval"])
    except AutoDNSError as error:
        # Messages confirmed before the error are gone from the queue; the failure result keeps them.
        fail_from_error(module, error, **waiter.partial_result())
    if single:
        result["message"] = result.pop("messages")[0]
    return result


def poll(module, client):
    params = module.params
    waits = params["job_id"] is not None or params["job_ids"] is not None or params["leftovers_of"]
    work = wait_for_jobs if waits else queue_head
    return work(module, client)


def main():
    argument_spec = api_argument_spec()
    argument_spec.update(
        job_id={"type": "int"},
        job_ids={"type": "list", "elements": "int"},
        message_id={"type": "int"},
        confirm={"type": "bool", "default": True},
        unrelated={"type": "str", "choices": [UNRELATED_KEEP, UNRELATED_CONFIRM], "default": UNRELATED_KEEP},
        wait_timeout={"type": "int", "default": 900},
        max_interval={"type": "int", "default": 30},
        leftovers_of={"type": "list", "elements": "str", "default": []},
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("job_id", "job_ids", "message_id")],
        supports_check_mode=True,
    )
    params = module.params
    if params["job_ids"] is not None and not params["job_ids"] and not params["leftovers_of"]:
        module.fail_json(msg="job_ids must name at least one job, unless leftovers_of is set.")
    if params["message_id"] is not None and params["leftovers_of"]:
        module.fail_json(msg="message_id confirms one message; leftovers_of cannot be combined with it.")
    if params["wait_timeout"] < 0:
        module.fail_json(msg=f"wait_timeout must be 0 or more seconds, not {params['wait_timeout']}.")
    if params["max_interval"] < 1:
        module.fail_json(msg=f"max_interval must be at least 1 second, not {params['max_interval']}.")
    run_module(module, lambda client: poll(module, client))


if __name__ == "__main__":
    main()
