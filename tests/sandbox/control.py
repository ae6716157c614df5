"""A thin stdlib client of the sandbox control surface (/_sandbox), for tests and the demo."""

import json
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 30


class SandboxControlError(Exception):
    """The control surface refused a request; status and the JSON answer are kept."""

    def __init__(self, status, answer):
        super().__init__(f'{status}: {answer}')
        self.status = status
        self.answer = answer


class SandboxControl:
    """Methods are named like the control routes."""

    def __init__(self, control_url):
        self.control_url = control_url.rstrip('/')

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode('utf-8')
        request = urllib.request.Request(self.control_url + path, data=data, method=method,
                                         headers={'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise SandboxControlError(error.code, json.loads(error.read() or b'null')) from error

    def reset(self, seed=None):
        return self._call('POST', '/reset', {'seed': seed} if seed else {})

    def add_user(self, user, password, context, language='en'):
        return self._call('POST', '/users', {'user': user, 'password': password, 'context': context, 'language': language})

    def add_zone(self, origin, owner=None, provisioning=False, virtual_name_server='a.ns14.net', records=()):
        return self._call('POST', '/zones', {
            'origin': origin, 'owner': owner, 'provisioning': provisioning, 'virtual_name_server': virtual_name_server,
            'records': list(records),
        })

    def add_zone_record(self, origin, name, record_type, value, ttl=300):
        return self._call('POST', f'/zones/{urllib.parse.quote(origin)}/records',
                          {'name': name, 'type': record_type, 'value': value, 'ttl': ttl})

    def remove_zone_record(self, origin, name, record_type, value, ttl=300):
        return self._call('DELETE', f'/zones/{urllib.parse.quote(origin)}/records',
                          {'name': name, 'type': record_type, 'value': value, 'ttl': ttl})

    def add_certificate(self, name, **spec):
        """spec: owner, product, term, days_remaining, payable_days, reissue_required, san, key_type, key_size, renewal_outcome, csr,
        authentication_method."""
        return self._call('POST', '/certificates', {'name': name, **spec})

    def certificate(self, certificate_id):
        return self._call('GET', f'/certificates/{certificate_id}')

    def update_certificate(self, certificate_id, **changes):
        """changes: reissue_required."""
        return self._call('PATCH', f'/certificates/{certificate_id}', changes)

    def add_poll_message(self, owner, message):
        return self._call('POST', '/poll', {'owner': owner, 'message': message})

    def settings(self, **changes):
        return self._call('PUT', '/settings', changes)

    def add_fault(self, path, kind, method='*', times=1, delay=5, retry_after=1):
        return self._call('POST', '/faults', {
            'method': method, 'path': path, 'kind': kind, 'times': times, 'delay': delay, 'retry_after': retry_after,
        })

    def log(self):
        return self._call('GET', '/log')

    def counters(self):
        return self._call('GET', '/counters')

    def ca(self):
        return self._call('GET', '/ca')
