"""Contract tests: every request the collection's code sends validates against the official spec.

The collection's own module_utils drive a whole renewal and a zone change against the sandbox; each
request body is validated against the body definition of its route in the spec, and each ``keys[]``
query value against the route's allowed values.
"""

import pytest
import requests

from ansible_collections.autodns.ssl.plugins.module_utils._client import AutoDNSClient
from ansible_collections.autodns.ssl.plugins.module_utils._dcv import normalize_authentication
from ansible_collections.autodns.ssl.plugins.module_utils._poll import JobWaiter
from ansible_collections.autodns.ssl.plugins.module_utils._renewal import renew_certificate
from ansible_collections.autodns.ssl.plugins.module_utils._zone import manage_records
from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControl
from ansible_collections.autodns.ssl.tests.sandbox.runner import start_sandbox
from ansible_collections.autodns.ssl.tests.unit.contract.spec import assert_valid, closed, load_spec, operation_for, requires_spec

pytestmark = requires_spec

FAST_SETTINGS = {'rate_limit': 0, 'job_running_seconds': 0.2, 'deferred_recheck_seconds': 0.1, 'issuance_delay': 0.2}


class RecordingSession(requests.Session):
    """A real session that also keeps every request it sends."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def request(self, method, url, *args, **kwargs):  # pylint: disable=arguments-differ
        self.sent.append((method, url, kwargs.get('params'), kwargs.get('json')))
        return super().request(method, url, *args, **kwargs)


class NoWait:
    def acquire(self):
        """The sandbox's rate limit is off in these tests."""


@pytest.fixture(scope='module')
def sandbox():
    with start_sandbox() as process:
        yield process


def client_for(sandbox, user, password, context):
    session = RecordingSession()
    return AutoDNSClient(sandbox.url, user, password, context, session=session, rate_limiter=NoWait()), session


def sent_requests_of_a_renewal_and_a_zone_change(sandbox):
    control = SandboxControl(sandbox.control_url)
    control.reset()
    control.settings(**FAST_SETTINGS)
    control.add_zone(origin='example.net', owner={'user': 'zone-user', 'context': 4}, provisioning=False, virtual_name_server='a.ns14.net', records=[])
    renewed = control.add_certificate(name='www.example.net', owner={'user': 'ssl-user', 'context': 9}, product='QUICKSSLPREMIUM', days_remaining=20)
    reissued = control.add_certificate(name='shop.example.net', owner={'user': 'ssl-user', 'context': 9}, product='QUICKSSLPREMIUM',
                                       term=24, days_remaining=20, payable_days=520)

    ssl_client, ssl_session = client_for(sandbox, 'ssl-user', 'ssl-password', 9)
    zone_client, zone_session = client_for(sandbox, 'zone-user', 'zone-password', 4)
    ssl_client.hello()
    orders = [order_with_validation(ssl_client, zone_client, renewed, 'RENEW'), order_with_validation(ssl_client, zone_client, reissued, 'REISSUE')]
    assert [order['order'] for order in orders] == ['renew', 'reissue']
    JobWaiter(ssl_client, [order['job_id'] for order in orders]).wait(wait_timeout=60, max_interval=1)
    return ssl_session.sent + zone_session.sent


def order_with_validation(ssl_client, zone_client, seeded, business_case):
    """Prepare, publish the validation records, and order whatever the certificate is due for."""
    prepared = ssl_client.prepare_order(seeded['csr'], 'QUICKSSLPREMIUM', certificate_id=seeded['id'], business_case=business_case)
    authentication = [entry for entry in normalize_authentication(prepared['authentication']) if entry['method'] == 'DNS']
    manage_records(zone_client, {
        'state': 'present', 'zone': None, 'records': [entry['dns_record'] for entry in authentication],
        'name': None, 'type': None, 'value': None, 'ttl': 300,
    })
    return renew_certificate(ssl_client, {
        'certificate_id': None, 'name': seeded['name'], 'term': None, 'csr': None, 'authentication': authentication,
        'dns_provisioning': False, 'remaining_days': 30, 'force': False, 'order': 'auto',
    })


def test_every_request_of_the_collection_matches_the_spec(sandbox):
    spec = closed(load_spec())
    sent = sent_requests_of_a_renewal_and_a_zone_change(sandbox)
    routes = set()
    for method, url, params, body in sent:
        path = url.split('/v1', 1)[1]
        template, operation = operation_for(spec, method, path)
        routes.add((method, template))
        parameters = operation.get('parameters', [])
        body_parameters = [parameter for parameter in parameters if parameter['in'] == 'body']
        if body is not None:
            assert body_parameters, f'{method} {template} takes no body, but one was sent'
            assert_valid(spec, body_parameters[0]['schema']['$ref'].rsplit('/', 1)[1], body)
        for key in (params or {}).get('keys[]', []):
            allowed = next(parameter for parameter in parameters if parameter['name'] == 'keys')['items'].get('enum')
            assert allowed is None or key in allowed, f'keys[]={key} is not allowed on {method} {template}'
    assert {('PUT', '/certificate/{id}/_renew'), ('PUT', '/certificate/{id}'), ('POST', '/certificate/_prepareOrder'), ('POST', '/certificate/_search'),
            ('POST', '/zone/{name}/_stream'), ('GET', '/poll')} <= routes
