"""Contract tests: the sandbox against the official AutoDNS OpenAPI 2.0 spec (domainrobot.json).

Documented deviations from a literal reading of the spec:
- Swagger formats are not enforced: int32 is not a range limit (job ids exceed 2**31 in real answers),
  and date-time is not RFC 3339 (the API writes offsets without a colon, e.g. +0100).
- CsrHashAlgorithmConstants lacks "RSA", which the real API answers for RSA CSRs (captured example).
- The captured certificate info example is wrapped as {"data": <envelope>, "status": 200} by the SDK mock it comes from.
"""

import re
import time

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControl
from ansible_collections.autodns.ssl.tests.sandbox.gateway import ROUTES
from ansible_collections.autodns.ssl.tests.sandbox.runner import start_sandbox
from ansible_collections.autodns.ssl.tests.sandbox.schema import REQUEST_DEFINITIONS
from ansible_collections.autodns.ssl.tests.unit.plugins.api_examples import example_envelope
from ansible_collections.autodns.ssl.tests.unit.contract.spec import assert_valid, closed, load_spec, requires_spec


EXAMPLE_ENVELOPES = {
    'certificate-create-response.json': 'JsonResponseDataJob',
    'certificate-info-response.json': 'JsonResponseDataCertificate',
    'prepare-order-response.json': 'JsonResponseDataCertificateData',
}
FAST_SETTINGS = {'rate_limit': 0, 'job_running_seconds': 0.2, 'deferred_recheck_seconds': 0.1, 'issuance_delay': 0.2}
OTHER_PROFILES = {'job_search': 'all', 'poll_detail': 'minimal', 'ended_job_info': 'refused', 'dcv_layout': 'nested'}
SSL_OWNER = {'user': 'ssl-user', 'context': 9}


pytestmark = requires_spec


@pytest.fixture(scope='module')
def spec():
    return load_spec()


def _spec_template(pattern):
    return re.sub(r'\(\?P<\w+>[^)]*\)', '{}', pattern)


def _spec_operation(spec_document, method, pattern):
    templates = {re.sub(r'\{[^}]+\}', '{}', path): path for path in spec_document['paths']}
    path = templates[_spec_template(pattern)]
    return spec_document['paths'][path][method.lower()]


def _response_definition(spec_document, method, pattern):
    return _spec_operation(spec_document, method, pattern)['responses']['200']['schema']['$ref'].rsplit('/', 1)[1]


def _sandbox_routes():
    return [(method, re.compile(pattern), pattern) for method, pattern, _task, _definition in ROUTES]


class RecordingClient:
    """Calls /v1 and validates every answer against the response definition of its route."""

    def __init__(self, url, spec_document, user, password, context):
        self.url = url
        self.spec = spec_document
        self.session = requests.Session()
        self.session.auth = (user, password)
        self.session.headers.update({'User-Agent': 'contract-tests/1.0', 'X-Domainrobot-Context': str(context), 'X-Domainrobot-Ctid': 'c-1'})
        self.checked = []

    def call(self, method, path, **kwargs):
        answer = self.session.request(method, self.url + path, timeout=30, **kwargs)
        route_path = path.split('?', 1)[0]
        pattern = next(pattern for verb, compiled, pattern in _sandbox_routes() if verb == method and compiled.fullmatch(route_path))
        definition = _response_definition(self.spec, method, pattern)
        assert_valid(self.spec, definition, answer.json())
        self.checked.append((method, pattern, answer.status_code))
        return answer


def _csr(name, *alternative_names):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
    if alternative_names:
        csr = csr.add_extension(x509.SubjectAlternativeName([x509.DNSName(entry) for entry in (name, *alternative_names)]), critical=False)
    return csr.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode('ascii')


def _wait_for_poll_message(ssl):
    for _attempt in range(100):
        answer = ssl.call('GET', '/poll').json()
        if answer['data']:
            return answer['data'][0]
        time.sleep(0.05)
    raise AssertionError('no poll message arrived')


def _renewal_flow(ssl, zone):
    """Search, prepare, write the DCV record, renew, follow the job, poll, fetch: the full renewal with every answer checked."""
    ssl.call('GET', '/hello')
    certificate_id = ssl.call('POST', '/certificate/_search?keys[]=expire&keys[]=product', json={
        'filters': [{'key': 'name', 'operator': 'EQUAL', 'value': 'www.example.org'}], 'view': {'limit': 10, 'offset': 0}}).json()['data'][0]['id']
    ssl.call('GET', f'/certificate/{certificate_id}')
    csr = _csr('www.example.org')
    prepared = ssl.call('POST', '/certificate/_prepareOrder', json={'plain': csr, 'product': 'QUICKSSLPREMIUM', 'certificate': {'id': certificate_id}})
    dns_line = next(entry['dns'] for entry in prepared.json()['data'][0]['authentication'] if entry['method'] == 'DNS')
    owner, ttl, _class, record_type, value = dns_line.split('\t')
    virtual_name_server = zone.call('POST', '/zone/_search', json={
        'filters': [{'key': 'name', 'operator': 'EQUAL', 'value': 'example.org'}]}).json()['data'][0]['virtualNameServer']
    zone.call('GET', f'/zone/example.org/{virtual_name_server}')
    record = {'name': owner, 'ttl': int(ttl), 'type': record_type, 'value': value.strip('"')}
    zone.call('POST', '/zone/example.org/_stream', json={'adds': [record], 'rems': []})
    zone.call('POST', '/zone/example.org/_stream', json={'adds': [record]})
    job_id = ssl.call('PUT', f'/certificate/{certificate_id}/_renew', json={
        'id': certificate_id, 'product': 'QUICKSSLPREMIUM', 'lifetime': {'unit': 'MONTH', 'period': 12}, 'csr': csr,
        'authentication': {'method': 'DNS', 'provisioning': False, 'dns': dns_line}}).json()['data'][0]['id']
    ssl.call('PUT', f'/certificate/{certificate_id}/_renew', json={})
    ssl.call('GET', f'/job/{job_id}')
    ssl.call('POST', '/job/_search', json={'filters': [{'key': 'id', 'operator': 'EQUAL', 'value': str(job_id)}]})
    message = _wait_for_poll_message(ssl)
    ssl.call('GET', f'/job/{job_id}')
    ssl.call('GET', f'/job/history/{job_id}')
    ssl.call('POST', '/job/history/_search', json={'filters': [{'key': 'object', 'operator': 'EQUAL', 'value': 'www.example.org'}],
                                                   'view': {'limit': 1, 'offset': 0}})
    ssl.call('PUT', f"/poll/{message['id']}")
    ssl.call('GET', f"/certificate/{message['object']['data']['id']}")
    zone.call('POST', '/zone/example.org/_stream', json={'rems': [record]})


def _reissue_flow(ssl, control):
    """A reissue in the middle of a 24-month term, kept under the same id, with the subscription fields of the view checked."""
    # The poll message of this job carries the whole certificate, so that it is checked against the spec too.
    control.settings(id_policy='same', poll_object_data='certificate')
    certificate_id = control.add_certificate('api.example.com', owner=SSL_OWNER, term=24, payable_days=300, reissue_required=True)['id']
    ssl.call('POST', '/certificate/_search?keys[]=payable&keys[]=multiyear&keys[]=reissueRequired&keys[]=reissueStatus', json={
        'filters': [{'key': 'name', 'operator': 'EQUAL', 'value': 'api.example.com'}]})
    before = ssl.call('GET', f'/certificate/{certificate_id}').json()['data'][0]
    assert before['reissueStatus'] == 'REQUIRED' and before['multiyear'] is True
    csr = _csr('api.example.com')
    ssl.call('POST', '/certificate/_prepareOrder', json={
        'plain': csr, 'product': 'QUICKSSLPREMIUM', 'certificate': {'id': certificate_id}, 'businessCase': 'REISSUE'})
    assert ssl.call('PUT', f'/certificate/{certificate_id}', json={'lifetime': {'unit': 'MONTH', 'period': 12}}).status_code == 400
    answer = ssl.call('PUT', f'/certificate/{certificate_id}?keys[]=dnsProvisioning', json={
        'id': certificate_id, 'product': 'QUICKSSLPREMIUM', 'lifetime': {'unit': 'MONTH', 'period': 24}, 'csr': csr,
        'authentication': {'method': 'DNS', 'provisioning': True}})
    assert answer.json()['status']['code'] == 'N400102'
    message = _wait_for_poll_message(ssl)
    assert message['object']['data']['serialNumber'] and message['object']['data']['server']
    ssl.call('GET', f"/job/history/{answer.json()['data'][0]['id']}")
    ssl.call('PUT', f"/poll/{message['id']}")
    after = ssl.call('GET', f'/certificate/{certificate_id}').json()['data'][0]
    assert after['histories'] == [{'serialNumber': before['serialNumber'], 'orderId': before['orderId']}]


def test_every_answer_of_a_renewal_flow_matches_the_spec(spec):
    closed_spec = closed(spec)
    with start_sandbox(seed='demo') as sandbox:
        control = SandboxControl(sandbox.control_url)
        control.settings(**FAST_SETTINGS)
        control.add_certificate('www.example.org', owner=SSL_OWNER)
        ssl = RecordingClient(sandbox.url, closed_spec, 'ssl-user', 'ssl-password', 9)
        zone = RecordingClient(sandbox.url, closed_spec, 'zone-user', 'zone-password', 4)
        _renewal_flow(ssl, zone)
        _reissue_flow(ssl, control)
    statuses = {status for _method, _pattern, status in ssl.checked + zone.checked}
    assert {200, 400, 404} <= statuses
    checked_routes = {(method, pattern) for method, pattern, _status in ssl.checked + zone.checked}
    assert checked_routes == {(method, pattern) for method, pattern, _task, _body in ROUTES}


def test_answers_under_the_other_behaviour_profiles_match_the_spec(spec):
    """Nested DCV entries of a two-name order, minimal job and poll views, ended jobs in the job search and a refused info."""
    with start_sandbox(seed='demo') as sandbox:
        control = SandboxControl(sandbox.control_url)
        control.settings(**FAST_SETTINGS, **OTHER_PROFILES)
        ssl = RecordingClient(sandbox.url, closed(spec), 'ssl-user', 'ssl-password', 9)
        certificate_id = ssl.call('POST', '/certificate/_search', json={
            'filters': [{'key': 'name', 'operator': 'EQUAL', 'value': 'www.example.com'}]}).json()['data'][0]['id']
        csr = _csr('www.example.com', 'shop.example.com')
        prepared = ssl.call('POST', '/certificate/_prepareOrder', json={'plain': csr, 'product': 'QUICKSSLPREMIUM'}).json()['data'][0]
        common_name_dns = prepared['authentication'][0]
        assert [domain['name'] for domain in common_name_dns['domains']] == ['shop.example.com']
        job_id = ssl.call('PUT', f'/certificate/{certificate_id}/_renew', json={'csr': csr, 'authentication': {
            'method': 'DNS', 'provisioning': True, 'dns': common_name_dns['dns'], 'domains': common_name_dns['domains']}}).json()['data'][0]['id']
        ordered = ssl.call('GET', f'/certificate/{certificate_id}').json()['data'][0]
        assert [domain['name'] for domain in ordered['authentication']['domains']] == ['shop.example.com']
        message = _wait_for_poll_message(ssl)
        assert 'data' not in message['object'] and 'events' not in message['job']
        assert ssl.call('GET', f'/job/{job_id}').status_code == 400
        ended = [ssl.call('GET', f'/job/history/{job_id}').json()['data'][0], ssl.call('POST', '/job/_search', json={}).json()['data'][0],
                 ssl.call('POST', '/job/history/_search', json={}).json()['data'][0]]
        assert all(object_job['job']['id'] == job_id and 'data' not in object_job['object'] for object_job in ended)
        ssl.call('PUT', f"/poll/{message['id']}")


def _agrees(sandbox_property, spec_property, definitions):
    if '$ref' in sandbox_property:
        return spec_property.get('$ref') == f"#/definitions/{sandbox_property['$ref']}"
    if 'enum' in sandbox_property:
        target = definitions[spec_property['$ref'].rsplit('/', 1)[1]] if '$ref' in spec_property else spec_property
        return target.get('type') == 'string' and set(sandbox_property['enum']) <= set(target.get('enum', sandbox_property['enum']))
    if sandbox_property['type'] == 'array':
        return spec_property.get('type') == 'array' and _agrees(sandbox_property['items'], spec_property['items'], definitions)
    return spec_property.get('type') == sandbox_property['type']


@pytest.mark.parametrize('definition', sorted(REQUEST_DEFINITIONS))
def test_request_schema_agrees_with_spec(spec, definition):
    spec_properties = spec['definitions'][definition]['properties']
    for name, sandbox_property in REQUEST_DEFINITIONS[definition].items():
        assert name in spec_properties, f'{definition}.{name} is not in the spec'
        assert _agrees(sandbox_property, spec_properties[name], spec['definitions']), f'{definition}.{name} differs from the spec'


@pytest.mark.parametrize('method, pattern, body_definition', [(method, pattern, body) for method, pattern, _task, body in ROUTES])
def test_routes_exist_in_spec_with_the_same_body(spec, method, pattern, body_definition):
    body_parameters = [parameter for parameter in _spec_operation(spec, method, pattern).get('parameters', []) if parameter['in'] == 'body']
    spec_body = body_parameters[0]['schema']['$ref'].rsplit('/', 1)[1] if body_parameters else None
    assert spec_body == body_definition


@pytest.mark.parametrize('file_name, definition', sorted(EXAMPLE_ENVELOPES.items()))
def test_captured_examples_match_the_spec(spec, file_name, definition):
    assert_valid(spec, definition, example_envelope(file_name))
