# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fault campaign: the role renews certificates against the sandbox while the API, the network, the hosts and the play fail.

Each batch seeds 10-25 due certificates (3 with --short) of the sandbox's ssl-user, reissues and paid renewals, three in
five validated by AutoDNS provisioning and two by zone_api, and two or three local hosts whose directories hold each
certificate's current files. Each batch also sets the sandbox's behaviour profiles at random.
It runs fault_campaign_playbook.yml (the role on every host) once with faults of one kind (two with --short), chosen at
random from the seed, then once more without faults, as the next scheduled run would. Afterwards it reads the sandbox's
counters and every host's files and counts what must never happen:

- a certificate with more than one paid order or reissue in its due period (an order after a job that ended FAILED is
  a new attempt and does not count);
- a notification of someone else confirmed (the role leaves messages it does not own in the queue);
- a host whose files of a certificate, after any run, are incomplete or whose key does not match the certificate;
- a certificate not renewed and installed on every host after the clean rerun (except those seeded to fail validation).

It exits 1 when one of them happened. Batches run in --lanes lanes at once, each against its own sandbox.
"""

import argparse
import base64
import collections
import contextlib
import dataclasses
import json
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.sandbox.control import SandboxControl  # noqa: E402  pylint: disable=wrong-import-position
from tests.sandbox.runner import start_sandbox  # noqa: E402  pylint: disable=wrong-import-position

PLAYBOOK = ROOT / 'tests' / 'utils' / 'fault_campaign_playbook.yml'
DEFAULT_SEED = 20260401

API_FAULT_KINDS = ('http_500', 'http_502', 'http_503', 'http_429', 'drop_before', 'drop_after', 'slow', 'malformed_json')
ORDER_FAULT_KINDS = ('late_answer', 'drop_after_job_ends')
FAULT_KINDS = API_FAULT_KINDS + ORDER_FAULT_KINDS + ('zone_write', 'validation_failure', 'unwritable_dir', 'interrupted')
ZONE_WRITE_FAULTS = ('http_500', 'http_502', 'http_503', 'drop_before', 'drop_after', 'slow', 'malformed_json')

# The routes the role calls, as fault globs. Every run calls the first ones; the first fault of a kind goes there, so that
# each kind meets the run at least once. The order routes count twice: a lost order answer is what could lead to a second order.
ORDER_ROUTES = {'renew': ('PUT', '/certificate/*/_renew'), 'reissue': ('PUT', '/certificate/*')}
CERTAIN_ROUTES = (('POST', '/certificate/_search'), ('GET', '/certificate/*'), ('POST', '/certificate/_prepareOrder'), ('GET', '/poll'))
OTHER_ROUTES = (('PUT', '/poll/*'), ('GET', '/job/*'), ('GET', '/job/history/*'), ('POST', '/job/_search'), ('POST', '/job/history/_search'),
                ('POST', '/zone/_search'), ('GET', '/zone/*/*'), ('POST', '/zone/*/_stream'))
ZONE_STREAM_ROUTE = ('POST', '/zone/*/_stream')

API_TIMEOUT = 3
SLOW_SECONDS = API_TIMEOUT + 2
FAST_JOBS = {'job_running_seconds': 0.5, 'issuance_delay': 0.5, 'deferred_recheck_seconds': 0.5}
PROFILES = {'id_policy': ('new', 'same'), 'job_search': ('active', 'all'), 'poll_detail': ('full', 'minimal'),
            'poll_object_data': ('summary', 'certificate'), 'ended_job_info': ('not_found', 'refused'), 'dcv_layout': ('flat', 'nested')}
ROLE_SETTINGS = {'certificate_renewal_wait_timeout': 60, 'certificate_renewal_dns_timeout': 30, 'fault_campaign_api_timeout': API_TIMEOUT}
PLAY_TIME_LIMIT = 900
# The sandbox allows 3 requests per second per address, and the role and the drain of unused faults share that address.
RATE_LIMIT_PAUSE = 1.2
SSL_OWNER = {'user': 'ssl-user', 'context': 9}
PROVISIONED_ZONE = 'example.com'
ZONE_API_ZONE = 'example.org'
FOREIGN_JOB_IDS = 3_000_000_000
ENDED_JOB_STATUSES = ('SUCCESS', 'FAILED')
FILE_PARTS = ('key', 'cert', 'chain', 'fullchain')
OUTCOMES = ('renewed', 'not installed', 'pending', 'failed', 'not ordered')
TABLE_GROUPS = (('', ('runs', 'renewals', 'hits')), ('after the faulted run', (*OUTCOMES, 'play failed')),
                ('after the clean rerun', ('renewed', 'seeded to fail', 'not renewed', 'play failed')))


@dataclasses.dataclass
class Certificate:
    name: str
    seed_id: int
    seed_serial: str
    seeded_to_fail: bool
    after_fault: str = ''
    after_rerun: str = ''


@dataclasses.dataclass
class Batch:
    index: int
    kinds: tuple
    size: int
    hosts: int
    directory: pathlib.Path = None
    orders: set = dataclasses.field(default_factory=set)
    certificates: list = dataclasses.field(default_factory=list)
    profiles: dict = dataclasses.field(default_factory=dict)
    armed: list = dataclasses.field(default_factory=list)
    hits: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    faulted_rc: int = None
    rerun_rc: int = None
    seconds: float = 0.0
    paid_orders: int = 0
    reissues: int = 0
    duplicates: list = dataclasses.field(default_factory=list)
    foreign: list = dataclasses.field(default_factory=list)
    foreign_confirmed: list = dataclasses.field(default_factory=list)
    broken_files: list = dataclasses.field(default_factory=list)
    left_records: int = 0
    notes: list = dataclasses.field(default_factory=list)

    def label(self):
        return f'batch {self.index} ({"+".join(self.kinds)})'


def plan_batches(seed, renewals, short):
    """Batch sizes and fault kinds, from the seed alone: every kind at least once, and at least `renewals` certificates."""
    rng = random.Random(seed)
    kinds_per_batch, sizes = (2, (3, 3)) if short else (1, (10, 25))
    deck, unused, batches, planned = [], set(FAULT_KINDS), [], 0
    while planned < renewals or unused:
        kinds = []
        while len(kinds) < kinds_per_batch:
            if not deck:
                deck = rng.sample(FAULT_KINDS, len(FAULT_KINDS))
            if deck[-1] in kinds:
                deck.insert(0, deck.pop())
            # A play killed early would keep the other kind's faults from ever meeting it.
            if kinds and 'interrupted' in (kinds[0], deck[-1]):
                break
            kinds.append(deck.pop())
        unused -= set(kinds)
        batch = Batch(index=len(batches) + 1, kinds=tuple(kinds), size=rng.randint(*sizes), hosts=rng.randint(2, 3))
        batches.append(batch)
        planned += batch.size
    return batches


def make_unwritable(path, writable=False):
    """chmod is no obstacle for root, so root also sets the immutable attribute (which in turn forbids chmod)."""
    if not writable:
        path.chmod(0o555)
    if os.geteuid() == 0:
        subprocess.run(['chattr', '-i' if writable else '+i', str(path)], check=True)
    if writable:
        path.chmod(0o755)


def check_unwritable_directories(work):
    probe = work / 'probe'
    probe.mkdir()
    make_unwritable(probe)
    try:
        (probe / 'file').touch()
    except OSError:
        return
    finally:
        make_unwritable(probe, writable=True)
    raise SystemExit('A directory cannot be made unwritable here (as root this needs chattr on a file system with the immutable attribute).')


def restore_writable(batch_dirs):
    """Undo make_unwritable on every host directory of the batches, so that they can be removed even after an interruption."""
    for batch_dir in batch_dirs:
        for directory in batch_dir.glob('host-*/*'):
            if directory.is_dir():
                make_unwritable(directory, writable=True)


def public_key_der(key):
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def file_paths(host_dir, name):
    """Each file of a certificate on a host, in a directory per kind of file, so that one of them can become unwritable alone."""
    return {part: host_dir / part / f'{name}.pem' for part in FILE_PARTS}


def file_set_problem(host_dir, name):
    """What is wrong with the files of one certificate on one host, or None; with the installed certificate."""
    paths = file_paths(host_dir, name)
    missing = [part for part, path in paths.items() if not path.is_file()]
    if missing:
        return f'missing {", ".join(missing)}', None
    try:
        key = serialization.load_pem_private_key(paths['key'].read_bytes(), password=None)
        certificate = x509.load_pem_x509_certificate(paths['cert'].read_bytes())
        chain = x509.load_pem_x509_certificates(paths['chain'].read_bytes())
        fullchain = x509.load_pem_x509_certificates(paths['fullchain'].read_bytes())
    except ValueError as error:
        return f'unreadable: {error}', None
    common_names = [attribute.value for attribute in certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)]
    if common_names != [name]:
        return f'the certificate is of {common_names}', certificate
    if public_key_der(key.public_key()) != public_key_der(certificate.public_key()):
        return 'the key does not match the certificate', certificate
    if fullchain != [certificate, *chain]:
        return 'the full chain is not the certificate followed by the chain', certificate
    if chain[0].subject != certificate.issuer:
        return 'the chain does not belong to the certificate', certificate
    return None, certificate


class Lane:
    """One sandbox and the batches run against it, one after the other."""

    def __init__(self, number, sandbox, work, build, running):
        self.number = number
        self.sandbox = sandbox
        self.control = SandboxControl(sandbox.control_url)
        self.work = work
        self.running = running
        state = work / 'state'
        state.mkdir(mode=0o700)
        self.environment = dict(
            os.environ, ANSIBLE_COLLECTIONS_PATH=str(build), ANSIBLE_NOCOLOR='1', ANSIBLE_PIPELINING='1',
            ANSIBLE_LOCAL_TEMP=str(work / 'ansible-local'), ANSIBLE_REMOTE_TEMP=str(work / 'ansible-remote'),
            # The modules' shared files (rate limit, order locks) stay inside the campaign.
            XDG_RUNTIME_DIR=str(state),
            AUTODNS_API_URL=sandbox.url, AUTODNS_USERNAME='ssl-user', AUTODNS_PASSWORD='ssl-password', AUTODNS_CONTEXT='9',
            AUTODNS_ZONE_USERNAME='zone-user', AUTODNS_ZONE_PASSWORD='zone-password', AUTODNS_ZONE_CONTEXT='4',
        )

    def run(self, batch, seed):
        rng = random.Random(f'{seed}:{batch.index}')
        batch.directory = self.work / f'batch-{batch.index}'
        batch.directory.mkdir()
        started = time.monotonic()
        self._seed(batch, rng)
        if rng.random() < 0.5:
            self._add_foreign_messages(batch, rng)
        batch.faulted_rc = self._run_play(batch, 'faulted', self._fault_actions(batch, rng))
        restore_writable([batch.directory])
        self._count_fired(batch)
        self._drain_faults(batch)
        self._look(batch, 'after_fault')
        if 'validation_failure' in batch.kinds:
            batch.hits['validation_failure'] = sum(1 for certificate in batch.certificates if certificate.after_fault == 'failed')
        if rng.random() < 0.3:
            self._add_foreign_messages(batch, rng)
        batch.rerun_rc = self._run_play(batch, 'rerun', [])
        self._look(batch, 'after_rerun')
        self._count_orders_and_messages(batch)
        batch.left_records = self._validation_records_left()
        batch.seconds = time.monotonic() - started

    # --- setting up -------------------------------------------------------------------------------------

    def _seed(self, batch, rng):
        self.control.reset(seed='none')
        batch.profiles = {name: rng.choice(values) for name, values in PROFILES.items()}
        self.control.settings(**FAST_JOBS, **batch.profiles)
        for origin, provisioning in ((PROVISIONED_ZONE, True), (ZONE_API_ZONE, False)):
            self.control.add_zone(origin, owner={'user': 'zone-user', 'context': 4}, provisioning=provisioning)
        failing = rng.sample(range(batch.size), rng.randint(1, 2)) if 'validation_failure' in batch.kinds else []
        entries = []
        for number in range(batch.size):
            zone_api = number % 5 in (1, 3) or 'zone_write' in batch.kinds and number == 0
            name = f'b{batch.index}-c{number}.{ZONE_API_ZONE if zone_api else PROVISIONED_ZONE}'
            # A 12-month term that ends with the certificate is renewed (paid); a 24-month term with 520 days left is reissued.
            term, payable_days = rng.choice(((12, 20), (24, 520)))
            batch.orders.add('renew' if term == 12 else 'reissue')
            view = self.control.add_certificate(
                name, owner=SSL_OWNER, product=rng.choice(('QUICKSSLPREMIUM', 'QUICKSSLPREMIUM', 'COMODO_SSL')), term=term,
                days_remaining=20, payable_days=payable_days, key_type=rng.choice(('rsa', 'ec')),
                san=[f'alt-{name}'] if rng.random() < 0.3 else [], renewal_outcome='FAILED' if number in failing else 'SUCCESS')
            batch.certificates.append(Certificate(name, view['id'], view['serial_number'], number in failing))
            for host in range(batch.hosts):
                self._install(batch.directory / f'host-{host}', name, view)
            entries.append({'name': name, 'dns_method': 'zone_api' if zone_api else 'provisioning',
                            **{f'{part}_path': f'{{{{ fault_campaign_host_dir }}}}/{part}/{name}.pem' for part in FILE_PARTS}})
        hosts = {f'host-{host}': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
                                  'fault_campaign_host_dir': str(batch.directory / f'host-{host}')} for host in range(batch.hosts)}
        (batch.directory / 'inventory.yml').write_text(yaml.safe_dump({'fault_campaign_hosts': {'hosts': hosts}}))
        variables = dict(ROLE_SETTINGS, certificate_renewal_certificates=entries,
                         certificate_renewal_dns_nameservers=[f'{self.sandbox.dns_host}:{self.sandbox.dns_port}'])
        (batch.directory / 'variables.yml').write_text(yaml.safe_dump(variables))

    @staticmethod
    def _install(host_dir, name, view):
        contents = {'key': view['key_pem'], 'cert': view['cert_pem'], 'chain': view['chain_pem'], 'fullchain': view['cert_pem'] + view['chain_pem']}
        for part, path in file_paths(host_dir, name).items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(contents[part])
        file_paths(host_dir, name)['key'].chmod(0o600)

    def _add_foreign_messages(self, batch, rng):
        """Messages the role must leave: a domain job, a renewal of one of its names by another tool, and another run's certificate."""
        for _message in range(rng.randint(1, 2)):
            job_id = FOREIGN_JOB_IDS + batch.index * 100 + len(batch.foreign)
            name = rng.choice(batch.certificates).name
            message = rng.choice((
                {'job': {'id': job_id, 'status': 'SUCCESS', 'action': 'update'}, 'object': {'type': 'Domain', 'value': 'other.example.net'},
                 'ctid': f'registrar-{job_id}'},
                {'job': {'id': job_id, 'status': 'SUCCESS', 'action': 'renew'}, 'object': {'type': 'Certificate', 'value': name},
                 'ctid': f'another-tool-{job_id}'},
                {'job': {'id': job_id, 'status': 'SUCCESS', 'action': 'reissue'},
                 'object': {'type': 'Certificate', 'value': f'other-{name}', 'data': {'id': job_id}}, 'ctid': f'autodns-ssl-other-{job_id}'},
            ))
            batch.foreign.append(self.control.add_poll_message(SSL_OWNER, message)['id'])

    # --- the faulted run --------------------------------------------------------------------------------

    def _fault_actions(self, batch, rng):
        """(delay in seconds, action) pairs for the faulted run; an action gets the play's process."""
        # About how long a faulted run takes: mostly the API's rate limit, some 16 requests per certificate.
        estimate = 8 + 6.5 * batch.size
        order_routes = tuple(ORDER_ROUTES[order] for order in sorted(batch.orders))
        actions = []
        for kind in batch.kinds:
            if kind in API_FAULT_KINDS or kind in ORDER_FAULT_KINDS or kind == 'zone_write':
                if kind in ORDER_FAULT_KINDS:
                    first_routes = routes = order_routes
                elif kind == 'zone_write':
                    first_routes = routes = (ZONE_STREAM_ROUTE,)
                else:
                    first_routes, routes = CERTAIN_ROUTES + order_routes, CERTAIN_ROUTES + order_routes * 2 + OTHER_ROUTES
                for number in range(rng.randint(1, 3)):
                    method, path = rng.choice(routes if number else first_routes)
                    spec = {'method': method, 'path': path, 'kind': rng.choice(ZONE_WRITE_FAULTS) if kind == 'zone_write' else kind,
                            'times': rng.randint(1, 2), 'delay': SLOW_SECONDS, 'retry_after': rng.randint(1, 3)}
                    # Armed at the start a fault meets the first such request; armed later, one further into the run.
                    delay = rng.uniform(0, 0.8 * estimate) if number and rng.random() < 0.5 else 0
                    actions.append((delay, lambda _process, kind=kind, spec=spec: self._arm(batch, kind, spec)))
            elif kind == 'unwritable_dir':
                # Only the certificate and the full chain change in a renewal (same key, same intermediate).
                host_dir = batch.directory / f'host-{rng.randrange(batch.hosts)}'
                target = host_dir / rng.choice(('cert', 'fullchain'))
                when = rng.choice(('at the start', 'at a random moment', 'mid-deploy', 'mid-deploy'))
                delay = rng.uniform(0, estimate) if when == 'at a random moment' else 0
                actions.append((delay, lambda process, host_dir=host_dir, target=target, when=when:
                                self._make_unwritable(batch, process, host_dir, target, when)))
            elif kind == 'interrupted':
                how = rng.choice((signal.SIGTERM, signal.SIGKILL))
                delay = rng.uniform(1, estimate)
                actions.append((delay, lambda process, how=how, delay=delay: self._interrupt(batch, process, how, delay)))
        return actions

    def _arm(self, batch, kind, spec):
        self.control.add_fault(**spec)
        batch.armed.append((kind, spec))

    @staticmethod
    def _make_unwritable(batch, process, host_dir, target, when):
        """Mid-deploy: as soon as the first new file (the deploy writes beside each target, then renames) shows on the host."""
        if when == 'mid-deploy':
            before = set(host_dir.glob('*/*'))
            while process.poll() is None and before.issuperset(host_dir.glob('*/*')):
                time.sleep(0.005)
        if process.poll() is None:
            make_unwritable(target)
            batch.hits['unwritable_dir'] += 1
            batch.notes.append(f'{target.parent.name}/{target.name} unwritable {when}')

    @staticmethod
    def _interrupt(batch, process, how, delay):
        if process.poll() is None:
            os.killpg(process.pid, how)
            batch.hits['interrupted'] += 1
            batch.notes.append(f'{how.name} to the play after {delay:.0f} s')

    def _run_play(self, batch, label, actions):
        """Run the play in a process group of its own, with each action started at its delay; the play's exit code."""
        command = [str(pathlib.Path(sys.executable).parent / 'ansible-playbook'), '-i', 'inventory.yml', '-e', '@variables.yml', str(PLAYBOOK)]
        with open(batch.directory / f'{label}.log', 'wb') as log:
            process = subprocess.Popen(command, cwd=batch.directory, env=self.environment, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.running.add(process)
        interrupts_before = batch.hits['interrupted']
        timers = [threading.Timer(delay, action, args=(process,)) for delay, action in actions]
        try:
            for timer in timers:
                timer.start()
            try:
                return process.wait(PLAY_TIME_LIMIT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                raise RuntimeError(f'{batch.label()}: the {label} play took longer than {PLAY_TIME_LIMIT} s') from None
        finally:
            for timer in timers:
                timer.cancel()
                timer.join()
            if batch.hits['interrupted'] > interrupts_before:
                # Module processes of an interrupted play may outlive ansible-playbook; nothing of it may run on.
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            process.wait()
            self.running.discard(process)

    def _count_fired(self, batch):
        """The sandbox faults that fired, by the batch's fault kind they were armed for."""
        for entry in self.control.log():
            if entry['fault'] is None:
                continue
            if 'zone_write' in batch.kinds and entry['method'] == 'POST' and entry['path'].endswith('/_stream'):
                batch.hits['zone_write'] += 1
            elif entry['fault'] in batch.kinds:
                batch.hits[entry['fault']] += 1

    def _drain_faults(self, batch):
        """Use up the faults the faulted run did not meet, by unauthenticated requests that the sandbox refuses without effect."""
        armed = sum(spec['times'] for _kind, spec in batch.armed)
        routes = sorted({(spec['method'], spec['path'].replace('*', 'fault-campaign')) for _kind, spec in batch.armed})
        for _attempt in range(armed + 1):
            if self.control.counters()['faults_fired'] >= armed:
                break
            for method, path in routes:
                request = urllib.request.Request(self.sandbox.url + path, method=method, data=b'{}' if method in ('POST', 'PUT') else None)
                try:
                    with urllib.request.urlopen(request, timeout=1):
                        pass
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(RATE_LIMIT_PAUSE)
        else:
            raise RuntimeError(f'{batch.label()}: armed faults could not be used up')
        time.sleep(RATE_LIMIT_PAUSE)

    # --- measuring --------------------------------------------------------------------------------------

    def _lineage(self, certificate):
        """The sandbox views from the seeded certificate to its newest successor."""
        views = [self.control.certificate(certificate.seed_id)]
        while views[-1]['successor_id']:
            views.append(self.control.certificate(views[-1]['successor_id']))
        return views

    def _look(self, batch, moment):
        """Set each certificate's outcome at this moment (after_fault, after_rerun) and check its files on every host."""
        jobs = self.control.counters()['jobs']
        host_dirs = [batch.directory / f'host-{host}' for host in range(batch.hosts)]
        for certificate in batch.certificates:
            lineage = self._lineage(certificate)
            newest = x509.load_pem_x509_certificate(lineage[-1]['cert_pem'].encode())
            installed = []
            for host_dir in host_dirs:
                problem, on_host = file_set_problem(host_dir, certificate.name)
                if problem:
                    batch.broken_files.append(f'{moment}: {host_dir.name} {certificate.name}: {problem}')
                installed.append(on_host == newest)
            ids = {view['id'] for view in lineage}
            statuses = [job['status'] for job in jobs if job['certificate_id'] in ids]
            if lineage[-1]['serial_number'] != certificate.seed_serial:
                outcome = 'renewed' if all(installed) else 'not installed'
            elif any(status not in ENDED_JOB_STATUSES for status in statuses):
                outcome = 'pending'
            elif 'FAILED' in statuses:
                outcome = 'failed'
            else:
                outcome = 'not ordered'
            setattr(certificate, moment, outcome)

    def _count_orders_and_messages(self, batch):
        counters = self.control.counters()
        batch.paid_orders = sum(counters['orders'].values())
        batch.reissues = sum(counters['reissues'].values())
        for certificate in batch.certificates:
            ids = {str(view['id']) for view in self._lineage(certificate)}
            orders = sum(counters['orders'].get(id_, 0) + counters['reissues'].get(id_, 0) for id_ in ids)
            failed = sum(1 for job in counters['jobs'] if str(job['certificate_id']) in ids and job['status'] == 'FAILED')
            if orders - failed > 1:
                batch.duplicates.append(f'{certificate.name}: {orders} orders, {failed} of them failed')
        batch.foreign_confirmed = [message for message in batch.foreign if message in counters['confirmed']]

    def _validation_records_left(self):
        """Validation records in the zone the role writes to (zone_api), read as the zone's owner; for information."""
        request = urllib.request.Request(f'{self.sandbox.url}/zone/{ZONE_API_ZONE}/a.ns14.net', headers={
            'User-Agent': 'fault-campaign', 'X-Domainrobot-Context': '4',
            'Authorization': 'Basic ' + base64.b64encode(b'zone-user:zone-password').decode()})
        with urllib.request.urlopen(request, timeout=30) as answer:
            records = json.loads(answer.read())['data'][0]['resourceRecords']
        time.sleep(RATE_LIMIT_PAUSE)
        return sum(1 for record in records if record['name'].startswith('_'))


def run_lane(lane, batches, seed, results, failures, stop):
    """Run batches from the shared list until it is empty, or until the campaign stops."""
    try:
        while batches and not stop.is_set():
            batch = batches.pop(0)
            lane.run(batch, seed)
            results.append(batch)
            print(progress_line(batch, len(results)), flush=True)
    except Exception as error:  # pylint: disable=broad-exception-caught
        failures.append(f'lane {lane.number}: {error!r}')
        stop.set()
        raise


def progress_line(batch, done):
    after_rerun = collections.Counter(certificate.after_rerun for certificate in batch.certificates)
    problems = len(batch.duplicates) + len(batch.foreign_confirmed) + len(batch.broken_files)
    return (f'{done:>3}. {batch.label()}: {batch.size} certificates on {batch.hosts} hosts, '
            f'{", ".join(f"{name}={value}" for name, value in batch.profiles.items())}; {"; ".join(batch.notes + [""])}'
            f'faulted run rc {batch.faulted_rc}, rerun rc {batch.rerun_rc}; after the rerun {dict(after_rerun)}; '
            f'{batch.left_records} validation records left; {problems} problems; {batch.seconds:.0f} s')


def table_line(first, groups):
    """One line of the table: the first column, then each group's cells right-aligned under the group's titles."""
    return f'{first:<20} ' + ' | '.join(' '.join(f'{cell:>{len(title)}}' for cell, title in zip(cells, titles))
                                        for cells, (_group, titles) in zip(groups, TABLE_GROUPS))


def kind_table(results):
    """One row per fault kind, over the batches whose faulted run had it."""
    lines = [table_line('', [[group.ljust(len(' '.join(titles)))] for group, titles in TABLE_GROUPS]),
             table_line('fault kind', [titles for _group, titles in TABLE_GROUPS])]
    lines.append('-' * len(lines[-1]))
    for kind in FAULT_KINDS:
        batches = [batch for batch in results if kind in batch.kinds]
        certificates = [certificate for batch in batches for certificate in batch.certificates]
        after_fault = collections.Counter(certificate.after_fault for certificate in certificates)
        # A rerun fails, as it should, where a certificate is seeded to fail validation.
        rerun_failed = sum(1 for batch in batches if batch.rerun_rc != 0 and not any(certificate.seeded_to_fail for certificate in batch.certificates))
        lines.append(table_line(kind, [
            [len(batches), len(certificates), sum(batch.hits[kind] for batch in batches)],
            [*(after_fault[outcome] for outcome in OUTCOMES), sum(1 for batch in batches if batch.faulted_rc != 0)],
            [sum(1 for certificate in certificates if certificate.after_rerun == 'renewed'),
             sum(1 for certificate in certificates if certificate.seeded_to_fail), len(not_renewed(certificates)), rerun_failed],
        ]))
    lines.append('hits: sandbox faults that fired, directories made unwritable and plays interrupted while the play ran, jobs that failed validation')
    return lines


def not_renewed(certificates):
    return [certificate for certificate in certificates if certificate.after_rerun != 'renewed' and not certificate.seeded_to_fail]


def totals(results):
    """The totals as (label, value, must be 0)."""
    certificates = [certificate for batch in results for certificate in batch.certificates]
    seeded = sum(1 for certificate in certificates if certificate.seeded_to_fail)
    return [
        ('renewals attempted', len(certificates), False),
        ('paid orders placed', sum(batch.paid_orders for batch in results), False),
        ('reissues placed', sum(batch.reissues for batch in results), False),
        ('duplicate orders', sum(len(batch.duplicates) for batch in results), True),
        ('notifications of others seeded', sum(len(batch.foreign) for batch in results), False),
        ('notifications of others confirmed without being returned', sum(len(batch.foreign_confirmed) for batch in results), True),
        ('host file sets with a key that does not match the certificate or a partial set', sum(len(batch.broken_files) for batch in results), True),
        (f'certificates not renewed after the clean rerun ({seeded} seeded to fail validation not counted)', len(not_renewed(certificates)), True),
        ('validation records left in the zone after the clean rerun', sum(batch.left_records for batch in results), False),
    ]


def findings(results, seed):
    """Every must-be-0 event with what it takes to repeat it."""
    lines = []
    for batch in sorted(results, key=lambda batch: batch.index):
        details = [*(f'duplicate order: {line}' for line in batch.duplicates),
                   *(f'confirmed message of others: {message}' for message in batch.foreign_confirmed),
                   *(f'host files: {line}' for line in batch.broken_files),
                   *(f'not renewed after the rerun: {certificate.name} ({certificate.after_fault} after the faulted run, '
                     f'{certificate.after_rerun} after the rerun)' for certificate in not_renewed(batch.certificates))]
        if details:
            lines.append(f'{batch.label()}, --seed {seed}, profiles {batch.profiles}, faults armed {[spec for _kind, spec in batch.armed]}, '
                         f'logs in {batch.directory}:')
            lines.extend(f'  {detail}' for detail in details)
    return lines


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--renewals', type=int, help='at least this many certificates renewed (default 500, with --short 0: each fault kind once)')
    parser.add_argument('--seed', type=int, default=DEFAULT_SEED, help=f'seed of every random choice (default {DEFAULT_SEED})')
    parser.add_argument('--short', action='store_true', help='small batches, two fault kinds per batch: every kind once, in a few minutes')
    parser.add_argument('--lanes', type=int, default=3, help='batches run at once, each lane against its own sandbox (default 3)')
    args = parser.parse_args()
    if args.renewals is None:
        args.renewals = 0 if args.short else 500
    return args


def main():
    args = parse_arguments()
    started = time.monotonic()
    batches = plan_batches(args.seed, args.renewals, args.short)
    print(f'{len(batches)} batches, {sum(batch.size for batch in batches)} certificates, seed {args.seed}, {args.lanes} lanes', flush=True)
    # SIGTERM (a test runner giving up) takes the same way out as Ctrl-C, through every finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = pathlib.Path(tempfile.mkdtemp(prefix='fault-campaign-'))
    running, results, failures, stop = set(), [], [], threading.Event()
    keep_work = False
    with contextlib.ExitStack() as sandboxes:
        try:
            check_unwritable_directories(work)
            build = work / 'build'
            subprocess.run(['bash', str(ROOT / 'tests' / 'utils' / 'stage.sh'), str(build)], check=True, stdout=subprocess.DEVNULL)
            lanes = []
            for number in range(1, args.lanes + 1):
                (work / f'lane-{number}').mkdir()
                lane = Lane(number, sandboxes.enter_context(start_sandbox(seed='none')), work / f'lane-{number}', build, running)
                lanes.append(threading.Thread(target=run_lane, args=(lane, batches, args.seed, results, failures, stop), daemon=True))
            for thread in lanes:
                thread.start()
            for thread in lanes:
                while thread.is_alive():
                    thread.join(0.5)
            if failures:
                keep_work = True
                print('The campaign could not finish:', *failures, f'Logs in {work}', sep='\n')
                return 2
            print()
            print('\n'.join(kind_table(results)))
            print()
            violated = False
            for label, value, must_be_zero in totals(results):
                violated |= must_be_zero and value != 0
                print(f'{label}: {value}{" (must be 0)" if must_be_zero else ""}')
            print(f'wall time: {time.monotonic() - started:.0f} s')
            if violated:
                keep_work = True
                print('\nFindings:', *findings(results, args.seed), sep='\n')
                return 1
            return 0
        except KeyboardInterrupt:
            print('Interrupted.')
            return 130
        finally:
            stop.set()
            for process in list(running):
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            restore_writable(work.glob('lane-*/batch-*'))
            if not keep_work:
                shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
