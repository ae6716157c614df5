# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every API module shares: the connection options, building the client, and turning errors into failures.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ._client import HAS_REQUESTS, LIVE_API_URL, REQUESTS_IMPORT_ERROR, AutoDNSClient, AutoDNSError
from ._errors import TaskFailure


# The environment variable each connection option falls back to; only an option that is left out falls back.
CONNECTION_ENVIRONMENT = {"api_url": "AUTODNS_API_URL", "username": "AUTODNS_USERNAME", "password": "AUTODNS_PASSWORD"}


def api_argument_spec():
    """The shared connection options, documented once in the doc fragment autodns.ssl._api."""
    return {
        "api_url": {"type": "str", "default": LIVE_API_URL, "fallback": (env_fallback, [CONNECTION_ENVIRONMENT["api_url"]])},
        "username": {"type": "str", "required": True, "fallback": (env_fallback, [CONNECTION_ENVIRONMENT["username"]])},
        "password": {"type": "str", "required": True, "no_log": True, "fallback": (env_fallback, [CONNECTION_ENVIRONMENT["password"]])},
        "context": {"type": "int", "default": 4, "fallback": (env_fallback, ["AUTODNS_CONTEXT"])},
        "validate_certs": {"type": "bool", "default": True},
        "timeout": {"type": "int", "default": 30},
    }


def fail_on_empty_options(module, names, hints=None):
    """Fail the module where one of the string options ``names`` is set to an empty (or blank) string.

    An empty string is a value, not "not set": taken as it is, it would search for no name or log in as nobody.
    ``hints`` maps an option to what leaving it out does. Values are never echoed (a password may be among them).
    """
    hints = hints or {}
    for name in names:
        value = module.params.get(name)
        if isinstance(value, str) and not value.strip():
            hint = hints.get(name)
            module.fail_json(msg=f"{name} is an empty string. Set it" + (f", or leave it out {hint}." if hint else "."))


def create_client(module):
    """The client for the connection options of ``module``."""
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    fail_on_empty_options(module, list(CONNECTION_ENVIRONMENT),
                          {name: f"so that the environment variable {variable} applies" for name, variable in CONNECTION_ENVIRONMENT.items()})
    params = module.params
    if params["timeout"] <= 0:
        module.fail_json(msg="timeout must be a positive number of seconds.")
    client = AutoDNSClient(
        api_url=params["api_url"],
        username=params["username"],
        password=params["password"],
        context=params["context"],
        validate_certs=params["validate_certs"],
        timeout=params["timeout"],
    )
    if client.rate_limiter.warning:
        module.warn(client.rate_limiter.warning)
    return client


def fail_from_error(module, error, **result):
    """Fail with a sentence a person can act on, plus the API's codes and stid for support."""
    module.fail_json(msg=str(error), api_error=error.as_result(), **result)


def run_module(module, work):
    """Run ``work(client)`` and exit with its result dict; API errors and task failures fail the task clearly."""
    client = create_client(module)
    try:
        result = work(client)
    except AutoDNSError as error:
        fail_from_error(module, error)
    except TaskFailure as failure:
        module.fail_json(msg=str(failure), **failure.result)
    else:
        module.exit_json(**result)
