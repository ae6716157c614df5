"""Fixtures: one sandbox process for the module, reset with fast settings before each test."""

import time

import pytest
import requests

from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControl
from ansible_collections.autodns.ssl.tests.sandbox.runner import start_sandbox

FAST_SETTINGS = {
    'rate_limit': 0, 'job_running_seconds': 0.2, 'deferred_recheck_seconds': 0.1, 'issuance_delay': 0.2,
    'dns_visibility_delay': 0, 'dcv_timeout_seconds': 600,
}
SSL_USER = ('ssl-user', 'ssl-password', 9)
ZONE_USER = ('zone-user', 'zone-password', 4)
SSL_OWNER = {'user': 'ssl-user', 'context': 9}


@pytest.fixture(scope='session')
def sandbox():
    with start_sandbox(seed='demo') as process:
        yield process


@pytest.fixture
def control(sandbox):
    sandbox_control = SandboxControl(sandbox.control_url)
    sandbox_control.reset()
    sandbox_control.settings(**FAST_SETTINGS)
    return sandbox_control


class ApiClient:
    """requests against /v1 as one user, with the headers the API demands."""

    def __init__(self, url, user, password, context, ctid=None):
        self.url = url
        self.session = requests.Session()
        self.session.auth = (user, password)
        self.session.headers.update({'User-Agent': 'sandbox-tests/1.0', 'X-Domainrobot-Context': str(context)})
        if ctid:
            self.session.headers['X-Domainrobot-Ctid'] = ctid

    def call(self, method, path, timeout=30, **kwargs):
        return self.session.request(method, self.url + path, timeout=timeout, **kwargs)


@pytest.fixture
def api(sandbox, control):  # pylint: disable=unused-argument
    """A factory of API clients for any user of the freshly reset sandbox."""
    return lambda user, password, context, ctid=None: ApiClient(sandbox.url, user, password, context, ctid)


@pytest.fixture
def ssl_api(api):
    return api(*SSL_USER, ctid='renew-test-1')


@pytest.fixture
def zone_api(api):
    return api(*ZONE_USER)


def wait_for(condition, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError('condition not met in time')


@pytest.fixture(name='wait')
def wait_fixture():
    return wait_for
