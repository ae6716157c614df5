"""The /v1 API of the sandbox: login, limits, validation, prepareOrder, renew, jobs, poll, zones."""

import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.autodns.ssl.tests.sandbox.runner import start_sandbox

SSL_OWNER = {'user': 'ssl-user', 'context': 9}


def make_csr(name, key=None, alternative_names=()):
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
    if alternative_names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(entry) for entry in alternative_names]), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode('ascii')


def certificate_id(api, name):
    answer = api.call('POST', '/certificate/_search', json={'filters': [{'key': 'name', 'operator': 'EQUAL', 'value': name}]})
    return answer.json()['data'][0]['id']


def message_codes(answer):
    return [message['code'] for message in answer.json().get('messages', [])]


def job_status(api, job_id):
    answer = api.call('GET', f'/job/{job_id}')
    if answer.status_code == 404:
        return 'GONE'
    job = answer.json()['data'][0]['job']
    return f"{job['status']}/{job.get('subStatus', '')}"


def test_start_command_announces_contract_lines(sandbox):
    assert sandbox.url.startswith('http://127.0.0.1:') and sandbox.url.endswith('/v1')
    assert sandbox.control_url == sandbox.url[:-len('/v1')] + '/_sandbox'
    assert sandbox.dns_host == '127.0.0.1' and sandbox.dns_port > 0 and sandbox.pid > 0


def test_non_loopback_host_is_refused():
    with pytest.raises(RuntimeError):
        start_sandbox(host='0.0.0.0')


def test_hello_answers_with_stid_and_ctid(ssl_api):
    answer = ssl_api.call('GET', '/hello')
    assert answer.status_code == 200
    assert answer.json()['ctid'] == 'renew-test-1'
    assert answer.headers['X-Domainrobot-Stid'] == answer.json()['stid']
    assert '-sandbox-' in answer.json()['stid']


def test_wrong_password_is_401_and_never_echoed(ssl_api):
    ssl_api.session.auth = ('ssl-user', 'secret-guess-42')
    answer = ssl_api.call('GET', '/hello')
    assert answer.status_code == 401
    assert answer.json()['status']['code'] == 'E0001'
    assert message_codes(answer) == ['EF01000']
    assert 'secret-guess-42' not in answer.text


def test_wrong_context_is_401(ssl_api):
    ssl_api.session.headers['X-Domainrobot-Context'] = '4'
    assert ssl_api.call('GET', '/hello').status_code == 401


def test_missing_user_agent_is_400(ssl_api):
    ssl_api.session.headers['User-Agent'] = ''
    answer = ssl_api.call('GET', '/hello')
    assert answer.status_code == 400
    assert message_codes(answer) == ['EF00001']


def test_german_user_gets_german_text_and_same_code(api, control):
    control.add_user('de-user', 'de-password', 9, language='de')
    english = api('ssl-user', 'ssl-password', 9).call('GET', '/poll').json()
    german = api('de-user', 'de-password', 9).call('GET', '/poll').json()
    assert english['status']['code'] == german['status']['code'] == 'S0905'
    assert english['status']['text'] != german['status']['text']


def test_rate_limit_answers_429_without_effect(control, zone_api):
    control.settings(rate_limit=3)
    answers = [zone_api.call('POST', '/zone/example.org/_stream', json={'adds': [{'name': f'r{index}', 'type': 'TXT', 'value': 'x'}]})
               for index in range(5)]
    limited = [index for index, answer in enumerate(answers) if answer.status_code == 429]
    assert limited and message_codes(answers[limited[0]]) == ['EF00025']
    assert control.counters()['rate_limited'] == len(limited)
    control.settings(rate_limit=0)
    names = {record['name'] for record in zone_api.call('GET', '/zone/example.org/a.ns14.net').json()['data'][0]['resourceRecords']}
    assert all(f'r{index}' not in names for index in limited)
    assert all(f'r{index}' in names for index in range(5) if index not in limited)


def test_unknown_property_is_refused_with_its_path(ssl_api):
    answer = ssl_api.call('POST', '/certificate/_search', json={'filters': [{'key': 'name', 'value': 'x', 'colour': 'red'}]})
    assert answer.status_code == 400
    assert answer.json()['messages'][0]['code'] == 'EF00022'
    assert answer.json()['messages'][0]['objects'] == [{'type': 'filters[0]/colour', 'value': 'colour'}]


def test_wrong_type_and_wrong_enum_are_refused(ssl_api):
    wrong_type = ssl_api.call('POST', '/certificate/_search', json={'view': {'limit': '5'}})
    wrong_enum = ssl_api.call('POST', '/certificate/_search', json={'filters': [{'key': 'name', 'value': 'x', 'operator': 'SIMILAR'}]})
    assert wrong_type.status_code == wrong_enum.status_code == 400
    assert wrong_type.json()['messages'][0]['objects'] == [{'type': 'view/limit', 'value': 'limit'}]
    assert message_codes(wrong_enum) == ['EF00022']


def test_search_pages_with_summary_and_requested_keys(control, ssl_api):
    control.settings(search_max_limit=1)
    first = ssl_api.call('POST', '/certificate/_search?keys[]=expire', json={'view': {'limit': 5, 'offset': 0}}).json()
    second = ssl_api.call('POST', '/certificate/_search', json={'view': {'offset': 1}, 'orders': [{'key': 'id', 'type': 'DESC'}]}).json()
    assert first['object']['summary'] == second['object']['summary'] == 2
    assert len(first['data']) == 1 and 'expire' in first['data'][0] and 'product' not in first['data'][0]
    assert second['data'][0]['id'] == first['data'][0]['id']


def test_prepare_order_quickssl_asks_txt_at_dnsauth(ssl_api):
    answer = ssl_api.call('POST', '/certificate/_prepareOrder', json={'plain': make_csr('www.example.com'), 'product': 'QUICKSSLPREMIUM'})
    assert answer.status_code == 200 and answer.json()['status']['code'] == 'S400110'
    data = answer.json()['data'][0]
    dns_entry = next(entry for entry in data['authentication'] if entry['method'] == 'DNS')
    owner, ttl, record_class, record_type, value = dns_entry['dns'].split('\t')
    assert (owner, ttl, record_class, record_type) == ('_dnsauth.www.example.com.', '300', 'IN', 'TXT')
    assert value.startswith('"20') and dns_entry['provisioning'] is True
    assert data['algorithm'] == 'PRIME_256_V1' and data['keySize'] == 256
    assert any(entry['method'] == 'FILE' for entry in data['authentication'])


def test_prepare_order_comodo_asks_cname_named_by_csr_digest(ssl_api):
    csr = make_csr('www.example.org')
    answer = ssl_api.call('POST', '/certificate/_prepareOrder', json={'plain': csr, 'product': 'COMODO_SSL'})
    dns_entry = next(entry for entry in answer.json()['data'][0]['authentication'] if entry['method'] == 'DNS')
    owner, _ttl, _class, record_type, target = dns_entry['dns'].split('\t')
    der = x509.load_pem_x509_csr(csr.encode()).public_bytes(serialization.Encoding.DER)
    assert owner == f'_{hashlib.md5(der).hexdigest().upper()}.www.example.org.'
    assert record_type == 'CNAME' and target.endswith('.sectigo.com.')
    assert target.split('.')[0] + target.split('.')[1] == hashlib.sha256(der).hexdigest().upper()
    assert dns_entry['provisioning'] is False


def test_prepare_order_accepts_one_line_base64_csr(ssl_api):
    lines = make_csr('www.example.com').strip().splitlines()
    one_line = f'{lines[0]}\r\n{"".join(lines[1:-1])}\r\n{lines[-1]}'
    assert ssl_api.call('POST', '/certificate/_prepareOrder', json={'plain': one_line, 'product': 'RAPID_SSL'}).status_code == 200


@pytest.mark.parametrize('plain, code', [
    (make_csr('www.example.com', key=rsa.generate_private_key(public_exponent=65537, key_size=1024)), 'EF4001102'),
    ('this is not a CSR', 'EF4001101'),
    ('-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----', 'EF4001101'),
])
def test_prepare_order_refuses_bad_csr(ssl_api, plain, code):
    answer = ssl_api.call('POST', '/certificate/_prepareOrder', json={'plain': plain, 'product': 'QUICKSSLPREMIUM'})
    assert answer.status_code == 400
    assert answer.json()['status']['code'] == 'E400110'
    assert message_codes(answer) == [code]


def test_prepare_order_refuses_method_change_for_email_certificate(control, ssl_api):
    seeded = control.add_certificate('mail.example.com', owner=SSL_OWNER, authentication_method='EMAIL')
    answer = ssl_api.call('POST', '/certificate/_prepareOrder',
                          json={'plain': seeded['csr'], 'product': 'QUICKSSLPREMIUM', 'certificate': {'id': seeded['id']}})
    assert answer.status_code == 400 and message_codes(answer) == ['EF4001105']


def test_renew_outside_window_is_refused(control, ssl_api):
    seeded = control.add_certificate('early.example.com', owner=SSL_OWNER, days_remaining=95)
    answer = ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew", json={})
    assert answer.status_code == 400
    assert answer.json()['status']['code'] == 'E400106'
    assert message_codes(answer) == ['EF4001012']


def test_other_users_certificate_is_404(zone_api, ssl_api):
    certificate = certificate_id(ssl_api, 'www.example.com')
    answer = zone_api.call('GET', f'/certificate/{certificate}')
    assert answer.status_code == 404 and answer.json()['status']['code'] == 'E400104'


def _verify_chain(leaf_pem, chain, ca):
    leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
    intermediate = x509.load_pem_x509_certificate(chain[0]['caCertificate'].encode())
    root = x509.load_pem_x509_certificate(ca['root_pem'].encode())
    leaf.verify_directly_issued_by(intermediate)
    intermediate.verify_directly_issued_by(root)
    return leaf


def test_renew_with_provisioning_issues_new_certificate(control, ssl_api, zone_api, wait):
    old_id = certificate_id(ssl_api, 'www.example.com')
    old = ssl_api.call('GET', f'/certificate/{old_id}').json()['data'][0]
    key = ec.generate_private_key(ec.SECP256R1())
    csr = make_csr('www.example.com', key=key)
    prepared = ssl_api.call('POST', '/certificate/_prepareOrder', json={'plain': csr, 'product': 'QUICKSSLPREMIUM', 'certificate': {'id': old_id}})
    dns_line = prepared.json()['data'][0]['authentication'][0]['dns']
    answer = ssl_api.call('PUT', f'/certificate/{old_id}/_renew?keys[]=dnsProvisioning', json={
        'id': old_id, 'product': 'QUICKSSLPREMIUM', 'lifetime': {'unit': 'MONTH', 'period': 12}, 'csr': csr,
        'authentication': {'method': 'DNS', 'provisioning': True, 'dns': dns_line},
    })
    assert answer.status_code == 200 and answer.json()['status'] == {
        'code': 'N400106', 'type': 'NOTIFY', 'text': 'Certificate renew was started successfully.'}
    job_id = answer.json()['data'][0]['id']
    assert job_id > 2 ** 31
    assert job_status(ssl_api, job_id) == 'RUNNING/'
    wait(lambda: job_status(ssl_api, job_id) == 'DEFERRED/WF_DNS_AUTH')
    provisioned = zone_api.call('GET', '/zone/example.com/a.ns14.net').json()['data'][0]['resourceRecords']
    assert {'name': '_dnsauth.www', 'ttl': 300, 'type': 'TXT', 'value': dns_line.split('\t')[4].strip('"')} in provisioned
    wait(lambda: job_status(ssl_api, job_id) == 'GONE')
    history = ssl_api.call('GET', f'/job/history/{job_id}').json()['data'][0]
    new_id = history['object']['data']['id']
    assert history['job']['status'] == 'SUCCESS' and new_id != old_id
    assert control.counters()['orders'] == {str(old_id): 1}
    renewed = ssl_api.call('GET', f'/certificate/{new_id}').json()['data'][0]
    leaf = _verify_chain(renewed['server'], renewed['certificationAuthority'], control.ca())
    assert leaf.public_key().public_numbers() == key.public_key().public_numbers()
    assert renewed['serialNumber'] == f'{leaf.serial_number:X}' and renewed['expire'] > old['expire']
    records = zone_api.call('GET', '/zone/example.com/a.ns14.net').json()['data'][0]['resourceRecords']
    assert not [record for record in records if record['name'].startswith('_dnsauth')]


def test_renew_waits_for_record_written_by_zone_user(control, ssl_api, zone_api, wait):
    seeded = control.add_certificate('www.example.org', owner=SSL_OWNER)
    answer = ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew", json={'authentication': {'method': 'DNS'}})
    job_id = answer.json()['data'][0]['id']
    wait(lambda: job_status(ssl_api, job_id) == 'DEFERRED/WF_DNS_AUTH')
    dns_line = ssl_api.call('GET', f"/certificate/{seeded['id']}").json()['data'][0]['authentication']['dns']
    owner, ttl, _class, record_type, value = dns_line.split('\t')
    stream = zone_api.call('POST', '/zone/example.org/_stream', json={
        'adds': [{'name': owner, 'ttl': int(ttl), 'type': record_type, 'value': value.strip('"')}], 'rems': None})
    assert stream.status_code == 200 and stream.json()['status']['code'] == 'S0202002'
    wait(lambda: job_status(ssl_api, job_id) == 'GONE')
    assert ssl_api.call('GET', f'/job/history/{job_id}').json()['data'][0]['job']['status'] == 'SUCCESS'
    assert ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew", json={}).json()['messages'][0]['code'] == 'EF4001014'


def test_second_renew_while_running_is_refused(control, ssl_api):
    seeded = control.add_certificate('busy.example.com', owner=SSL_OWNER)
    assert ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew", json={}).status_code == 200
    answer = ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew", json={})
    assert answer.status_code == 400 and message_codes(answer) == ['EF4001013']


def test_seeded_failure_ends_in_failed_poll_message(control, ssl_api, wait):
    seeded = control.add_certificate('fail.example.com', owner=SSL_OWNER, renewal_outcome='FAILED')
    answer = ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew", json={'authentication': {'method': 'DNS', 'provisioning': True}})
    job_id = answer.json()['data'][0]['id']
    message = wait(lambda: ssl_api.call('GET', '/poll').json()['data'])[0]
    assert message['job']['id'] == job_id and message['job']['status'] == 'FAILED'
    assert message['messages'][0]['code'] == 'EF400139' and message['ctid'] == 'renew-test-1'


def test_job_search_lists_active_jobs(ssl_api):
    certificate = certificate_id(ssl_api, 'shop.example.com')
    job_id = ssl_api.call('PUT', f'/certificate/{certificate}/_renew', json={}).json()['data'][0]['id']
    found = ssl_api.call('POST', '/job/_search', json={'filters': [{'key': 'object', 'operator': 'EQUAL', 'value': 'shop.example.com'}]})
    assert found.json()['object']['summary'] == 1 and found.json()['data'][0]['job']['id'] == job_id


def test_poll_is_fifo_and_confirms_only_the_head(control, ssl_api):
    first = control.add_poll_message(SSL_OWNER, {'notify': {'type': 'sandbox_note'}})['id']
    second = control.add_poll_message(SSL_OWNER, {'notify': {'type': 'sandbox_note'}})['id']
    head = ssl_api.call('GET', '/poll').json()
    assert head['object'] == {'type': 'Message', 'value': str(first), 'summary': 2}
    refused = ssl_api.call('PUT', f'/poll/{second}')
    assert refused.status_code == 400 and message_codes(refused) == ['EF09061']
    assert ssl_api.call('PUT', '/poll/1').status_code == 404
    confirmed = ssl_api.call('PUT', f'/poll/{first}').json()
    assert confirmed['status']['code'] == 'S0906' and confirmed['object']['summary'] == 1
    assert ssl_api.call('GET', '/poll').json()['data'][0]['id'] == second
    ssl_api.call('PUT', f'/poll/{second}')
    empty = ssl_api.call('GET', '/poll').json()
    assert empty['object']['summary'] == 0 and empty['data'] == []
    assert control.counters()['confirmed'] == [first, second]


def test_zone_search_and_info_show_only_own_zones(ssl_api, zone_api):
    found = zone_api.call('POST', '/zone/_search', json={'filters': [{'key': 'name', 'operator': 'LIKE', 'value': 'example.%'}]}).json()
    assert {zone['origin'] for zone in found['data']} == {'example.com', 'example.org'}
    assert found['data'][0]['virtualNameServer'] == 'a.ns14.net'
    assert ssl_api.call('POST', '/zone/_search', json={}).json()['object']['summary'] == 0
    zone = zone_api.call('GET', '/zone/example.com/a.ns14.net').json()['data'][0]
    assert {'name': 'www', 'ttl': 600, 'type': 'A', 'value': '192.0.2.10'} in zone['resourceRecords']


def test_stream_refuses_duplicate_add_and_unknown_removal(zone_api):
    record = {'name': '_dnsauth.www', 'type': 'TXT', 'value': 'token-1', 'ttl': 300}
    assert zone_api.call('POST', '/zone/example.com/_stream', json={'adds': [record]}).status_code == 200
    duplicate = zone_api.call('POST', '/zone/example.com/_stream', json={'adds': [{**record, 'name': '_dnsauth.www.example.com.'}]})
    assert duplicate.status_code == 400
    assert duplicate.json()['status']['code'] == 'E0202002' and message_codes(duplicate) == ['EF02022']
    missing = zone_api.call('POST', '/zone/example.com/_stream', json={'rems': [{**record, 'value': 'token-2'}]})
    assert missing.status_code == 400 and message_codes(missing) == ['EF02023']
    outside = zone_api.call('POST', '/zone/example.com/_stream', json={'adds': [{**record, 'name': 'www.example.net.'}]})
    assert message_codes(outside) == ['EF02024']
    assert zone_api.call('POST', '/zone/example.com/_stream', json={'rems': [record]}).status_code == 200
