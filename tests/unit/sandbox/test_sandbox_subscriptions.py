"""Paid terms that outlive certificates: payable, reissue, id policies, the subscriptions seed and their control routes."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControl, SandboxControlError
from ansible_collections.autodns.ssl.tests.sandbox.formats import format_date as api_date
from ansible_collections.autodns.ssl.tests.sandbox.products import add_months, validity_limit
from ansible_collections.autodns.ssl.tests.sandbox.runner import start_sandbox
from ansible_collections.autodns.ssl.tests.sandbox.state import FIRST_CERTIFICATE_ID
from ansible_collections.autodns.ssl.tests.unit.sandbox.test_sandbox_api import SSL_OWNER, certificate_id, job_status, make_csr, message_codes

DATE_FORMAT = '%Y-%m-%dT%H:%M:%S.%f%z'


def parse_date(text):
    return datetime.datetime.strptime(text, DATE_FORMAT)


def certificate(api, certificate_number):
    return api.call('GET', f'/certificate/{certificate_number}').json()['data'][0]


def reissue(api, certificate_number, body=None):
    return api.call('PUT', f'/certificate/{certificate_number}?keys[]=dnsProvisioning', json={} if body is None else body)


def finished_job(api, job_id, wait):
    wait(lambda: job_status(api, job_id) == 'GONE')
    return api.call('GET', f'/job/history/{job_id}').json()['data'][0]


def subscription(control, name='sub.example.com', **spec):
    """A certificate of ssl-user in the middle of a 24-month term (zone example.com provisions DCV records)."""
    return control.add_certificate(name, **{'owner': SSL_OWNER, 'term': 24, 'days_remaining': 20, 'payable_days': 300, **spec})


@pytest.mark.parametrize('id_policy', ['new', 'same'])
def test_reissue_issues_a_new_certificate_in_the_paid_term(control, ssl_api, wait, id_policy):
    control.settings(id_policy=id_policy)
    seeded = subscription(control, reissue_required=True)
    before = certificate(ssl_api, seeded['id'])
    key = ec.generate_private_key(ec.SECP256R1())
    answer = reissue(ssl_api, seeded['id'], {
        'id': seeded['id'], 'product': 'QUICKSSLPREMIUM', 'lifetime': {'unit': 'MONTH', 'period': 24},
        'csr': make_csr('sub.example.com', key=key), 'authentication': {'method': 'DNS', 'provisioning': True},
    })
    assert answer.status_code == 200 and answer.json()['status'] == {
        'code': 'N400102', 'type': 'NOTIFY', 'text': 'Certificate reissue was started successfully.'}
    assert answer.json()['object'] == {'type': 'Certificate', 'value': 'sub.example.com'}
    job_id = answer.json()['data'][0]['id']
    assert ssl_api.call('GET', f'/job/{job_id}').json()['data'][0]['job']['action'] == 'reissue'
    history = finished_job(ssl_api, job_id, wait)
    issued_id = history['object']['data']['id']
    message = ssl_api.call('GET', '/poll').json()['data'][0]
    assert message['job']['action'] == 'reissue' and message['job']['status'] == 'SUCCESS'
    assert message['object']['data']['id'] == issued_id
    issued = certificate(ssl_api, issued_id)
    issue_moment = parse_date(history['job']['updated'])
    assert issued['serialNumber'] != before['serialNumber']
    assert issued['payable'] == before['payable'] and issued['lifetime'] == {'unit': 'MONTH', 'period': 24}
    assert issued['expire'] == api_date(min(issue_moment + validity_limit(issue_moment), parse_date(before['payable'])))
    assert issued['reissueRequired'] is False and 'reissueStatus' not in issued and issued['multiyear'] is True
    leaf = x509.load_pem_x509_certificate(issued['server'].encode())
    assert leaf.public_key().public_numbers() == key.public_key().public_numbers()
    assert control.counters()['reissues'] == {str(seeded['id']): 1} and control.counters()['orders'] == {}
    if id_policy == 'same':
        assert issued_id == seeded['id'] and issued['histories'] == [{'serialNumber': before['serialNumber'], 'orderId': before['orderId']}]
        assert control.certificate(seeded['id'])['successor_id'] is None
        assert reissue(ssl_api, seeded['id']).json()['status']['code'] == 'N400102'
    else:
        assert issued_id != seeded['id'] and issued['histories'] == []
        assert control.certificate(seeded['id'])['successor_id'] == issued_id
        assert message_codes(reissue(ssl_api, seeded['id'])) == ['EF4001014']


def test_reissue_expire_is_capped_by_the_paid_term(control, ssl_api, wait):
    seeded = subscription(control, payable_days=30)
    job_id = reissue(ssl_api, seeded['id']).json()['data'][0]['id']
    issued = certificate(ssl_api, finished_job(ssl_api, job_id, wait)['object']['data']['id'])
    assert issued['expire'] == issued['payable'] == seeded['payable']


def test_reissue_has_no_renewal_window(control, ssl_api):
    seeded = subscription(control, days_remaining=95, payable_days=400)
    assert reissue(ssl_api, seeded['id']).json()['status']['code'] == 'N400102'


def test_renew_in_a_paid_term_adds_a_term_to_payable(control, ssl_api, wait):
    seeded = subscription(control)
    answer = ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew?keys[]=dnsProvisioning",
                          json={'lifetime': {'unit': 'MONTH', 'period': 12}})
    assert answer.json()['status']['code'] == 'N400106'
    history = finished_job(ssl_api, answer.json()['data'][0]['id'], wait)
    assert history['job']['action'] == 'renew'
    renewed = certificate(ssl_api, history['object']['data']['id'])
    issue_moment = parse_date(history['job']['updated'])
    assert renewed['payable'] == api_date(add_months(parse_date(seeded['payable']), 12))
    assert renewed['expire'] == api_date(issue_moment + validity_limit(issue_moment))
    assert renewed['lifetime'] == {'unit': 'MONTH', 'period': 12} and renewed['multiyear'] is False
    assert control.counters()['orders'] == {str(seeded['id']): 1} and control.counters()['reissues'] == {}


def test_renew_after_the_term_ended_pays_from_now(control, ssl_api, wait):
    seeded = control.add_certificate('late.example.com', owner=SSL_OWNER, days_remaining=-3)
    answer = ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew?keys[]=dnsProvisioning", json={})
    history = finished_job(ssl_api, answer.json()['data'][0]['id'], wait)
    renewed = certificate(ssl_api, history['object']['data']['id'])
    assert renewed['payable'] == api_date(add_months(parse_date(history['job']['updated']), 12))


def test_reissue_refusals_for_owner_and_body_id(control, ssl_api, zone_api):
    seeded = subscription(control)
    for answer in (reissue(ssl_api, 999), reissue(zone_api, seeded['id'])):
        assert answer.status_code == 404
        assert answer.json()['status']['code'] == 'E400102' and message_codes(answer) == ['EF400104']
    other_id = reissue(ssl_api, seeded['id'], {'id': seeded['id'] + 1})
    assert other_id.status_code == 400 and 'code' not in other_id.json()['status'] and message_codes(other_id) == ['EF00022']


def _refusal(answer):
    assert answer.status_code == 400, answer.text
    return answer.json()['status']['code'], message_codes(answer)


def test_reissue_checks_in_order_on_an_ended_term(control, ssl_api):
    ended = control.add_certificate('ended.example.com', owner=SSL_OWNER, days_remaining=-1)
    body = {'product': 'RAPID_SSL', 'authentication': {'method': 'EMAIL'}, 'lifetime': {'unit': 'MONTH', 'period': 24},
            'csr': make_csr('other.example.com')}
    assert _refusal(reissue(ssl_api, ended['id'], body)) == ('E400102', ['EF4001016'])
    del body['product']
    assert _refusal(reissue(ssl_api, ended['id'], body)) == ('E400102', ['EF4001105'])
    del body['authentication']
    assert _refusal(reissue(ssl_api, ended['id'], body)) == ('E400102', ['EF4001017'])


def test_reissue_checks_in_order_in_a_running_term(control, ssl_api):
    seeded = subscription(control)
    body = {'lifetime': {'unit': 'MONTH', 'period': 12}, 'csr': make_csr('other.example.com')}
    assert _refusal(reissue(ssl_api, seeded['id'], body)) == ('E400102', ['EF4001015'])
    del body['lifetime']
    assert _refusal(reissue(ssl_api, seeded['id'], body)) == ('E400102', ['EF4001106'])


def test_reissue_refuses_a_certificate_with_another_authentication_method(control, ssl_api):
    seeded = subscription(control, authentication_method='EMAIL')
    assert _refusal(reissue(ssl_api, seeded['id'])) == ('E400102', ['EF4001105'])


def test_renew_and_reissue_refuse_while_either_job_runs(control, ssl_api):
    seeded = subscription(control)
    assert reissue(ssl_api, seeded['id']).status_code == 200
    assert _refusal(reissue(ssl_api, seeded['id'])) == ('E400102', ['EF4001013'])
    assert _refusal(ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew", json={})) == ('E400106', ['EF4001013'])
    found = ssl_api.call('POST', '/job/_search', json={'filters': [{'key': 'action', 'operator': 'EQUAL', 'value': 'reissue'}]}).json()
    assert found['object']['summary'] == 1 and found['data'][0]['job']['action'] == 'reissue'


def test_seeded_failure_fails_a_reissue(control, ssl_api, wait):
    seeded = subscription(control, renewal_outcome='FAILED')
    job_id = reissue(ssl_api, seeded['id']).json()['data'][0]['id']
    message = wait(lambda: ssl_api.call('GET', '/poll').json()['data'])[0]
    assert message['job']['id'] == job_id and message['job']['status'] == 'FAILED' and message['job']['action'] == 'reissue'
    assert message['messages'][0]['code'] == 'EF400139' and message['object']['data']['id'] == seeded['id']


def test_prepare_order_business_case(control, ssl_api):
    ended = control.add_certificate('ended.example.com', owner=SSL_OWNER, days_remaining=-1)
    running = subscription(control)

    def prepare(certificate_number, business_case):
        return ssl_api.call('POST', '/certificate/_prepareOrder', json={
            'plain': make_csr(control.certificate(certificate_number)['name']), 'product': 'QUICKSSLPREMIUM',
            'certificate': {'id': certificate_number}, 'businessCase': business_case})

    assert _refusal(prepare(ended['id'], 'REISSUE')) == ('E400110', ['EF4001017'])
    assert prepare(ended['id'], 'RENEW').json()['status']['code'] == 'S400110'
    assert prepare(running['id'], 'REISSUE').json()['status']['code'] == 'S400110'
    unknown = prepare(running['id'], 'UPGRADE')
    assert unknown.status_code == 400 and unknown.json()['messages'][0]['objects'] == [{'type': 'businessCase', 'value': 'businessCase'}]


def test_certificate_view_and_search_show_the_term(control, ssl_api):
    seeded = subscription(control, reissue_required=True)
    view = certificate(ssl_api, seeded['id'])
    assert view['payable'] == seeded['payable'] != view['expire'] == seeded['expire']
    assert view['multiyear'] is True and view['reissueRequired'] is True and view['reissueStatus'] == 'REQUIRED'
    assert view['histories'] == []
    found = ssl_api.call('POST', '/certificate/_search?keys[]=payable&keys[]=reissueRequired', json={
        'filters': [{'key': 'payable', 'operator': 'GREATER', 'value': api_date(parse_date(seeded['expire']) + datetime.timedelta(days=1))}]}).json()
    assert found['object']['summary'] == 1
    assert found['data'][0]['payable'] == seeded['payable'] and found['data'][0]['reissueRequired'] is True
    assert 'expire' not in found['data'][0]


def test_control_view_and_patch_of_reissue_required(control, ssl_api):
    seeded = control.add_certificate('plain.example.com', owner=SSL_OWNER)
    assert seeded['payable'] == seeded['expire'] and seeded['reissue_required'] is False and seeded['histories'] == []
    assert control.update_certificate(seeded['id'], reissue_required=True)['reissue_required'] is True
    assert certificate(ssl_api, seeded['id'])['reissueStatus'] == 'REQUIRED'
    control.update_certificate(seeded['id'], reissue_required=False)
    assert 'reissueStatus' not in certificate(ssl_api, seeded['id'])
    for changes in ({}, {'reissue_required': 'yes'}, {'reissue_required': True, 'term': 24}):
        with pytest.raises(SandboxControlError) as refused:
            control.update_certificate(seeded['id'], **changes)
        assert refused.value.status == 400
    with pytest.raises(SandboxControlError):
        control.update_certificate(999, reissue_required=True)


@pytest.mark.parametrize('spec', [
    {'days_remaining': 30, 'payable_days': 29}, {'reissue_required': 'yes'}, {'payable_days': '400'}, {'days_remaining': 300},
])
def test_add_certificate_refuses_impossible_terms(control, spec):
    with pytest.raises(SandboxControlError) as refused:
        control.add_certificate('odd.example.com', owner=SSL_OWNER, **spec)
    assert refused.value.status == 400


def test_seeded_certificates_respect_the_validity_limit_of_their_issue(control):
    for seeded in (subscription(control), control.add_certificate('one.example.com', owner=SSL_OWNER, days_remaining=60)):
        leaf = x509.load_pem_x509_certificate(seeded['cert_pem'].encode())
        issued = leaf.not_valid_before_utc
        assert leaf.not_valid_after_utc - issued <= validity_limit(issued)
        assert issued <= datetime.datetime.now(datetime.timezone.utc)


def test_id_policy_setting_is_validated(control):
    assert control.settings()['id_policy'] == 'new'
    assert control.settings(id_policy='same')['id_policy'] == 'same'
    for value in ('reuse', 1, None):
        with pytest.raises(SandboxControlError) as refused:
            control.settings(id_policy=value)
        assert refused.value.status == 400
    assert control.settings()['id_policy'] == 'same'
    control.reset()
    assert control.settings()['id_policy'] == 'new'


def test_subscriptions_seed_by_reset(control, ssl_api):
    control.reset(seed='subscriptions')
    control.settings(rate_limit=0)
    www = certificate(ssl_api, certificate_id(ssl_api, 'www.example.com'))
    shop = certificate(ssl_api, certificate_id(ssl_api, 'shop.example.com'))
    assert www['lifetime']['period'] == 12 and www['payable'] == www['expire'] and www['multiyear'] is False
    assert shop['lifetime']['period'] == 24 and shop['multiyear'] is True
    assert parse_date(shop['payable']) - parse_date(shop['expire']) == datetime.timedelta(days=500)
    assert ssl_api.call('PUT', f"/certificate/{shop['id']}?keys[]=dnsProvisioning", json={}).json()['status']['code'] == 'N400102'
    with pytest.raises(SandboxControlError):
        control.reset(seed='plenty')
    assert ssl_api.call('GET', f"/certificate/{shop['id']}").status_code == 200


def test_subscriptions_seed_from_the_command_line():
    with start_sandbox(seed='subscriptions') as process:
        control = SandboxControl(process.control_url)
        first = control.certificate(FIRST_CERTIFICATE_ID)
        second = control.certificate(FIRST_CERTIFICATE_ID + 1)
    assert (first['name'], second['name']) == ('www.example.com', 'shop.example.com')
    assert first['payable'] == first['expire'] and second['payable'] != second['expire']


@pytest.mark.parametrize('moment, months, expected', [
    ((2027, 1, 31), 1, (2027, 2, 28)), ((2028, 2, 29), 12, (2029, 2, 28)), ((2026, 12, 15), 1, (2027, 1, 15)),
    ((2026, 11, 30), 24, (2028, 11, 30)), ((2027, 3, 31), -1, (2027, 2, 28)), ((2027, 1, 15), -12, (2026, 1, 15)),
])
def test_add_months_counts_calendar_months(moment, months, expected):
    start = datetime.datetime(*moment, 10, 30, tzinfo=datetime.timezone.utc)
    assert add_months(start, months) == datetime.datetime(*expected, 10, 30, tzinfo=datetime.timezone.utc)
