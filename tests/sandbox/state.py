"""The sandbox world (users, zones, certificates, jobs, poll queues) and the clock that moves jobs on.

Every access happens under Sandbox.lock. Jobs move on lazily: whoever takes the lock calls
advance(now) first, which replays every job event that fell due, in time order.
"""

import collections
import dataclasses
import datetime
import itertools
import threading

from .ca import read_csr
from .formats import format_date
from .products import add_months, validity_limit
from .views import job_poll_message, owner_view

DEFAULT_SETTINGS = {
    'rate_limit': 3,
    'job_running_seconds': 1.0,
    'issuance_delay': 2.0,
    'dns_visibility_delay': 0.0,
    'deferred_recheck_seconds': 1.0,
    'dcv_timeout_seconds': 600.0,
    'search_max_limit': 100,
    'id_policy': 'new',
    'job_search': 'active',
    'poll_detail': 'full',
    'poll_object_data': 'summary',
    'ended_job_info': 'not_found',
    'dcv_layout': 'flat',
}
FIRST_CERTIFICATE_ID = 1658000
FIRST_JOB_ID = 4297539521
FIRST_POLL_MESSAGE_ID = 1005360985
DCV_MEMORY = datetime.timedelta(days=30)


@dataclasses.dataclass
class User:
    """An API user; owner keys are (user name, context)."""

    name: str
    password: str
    context: int
    language: str = 'en'

    @property
    def key(self):
        return (self.name, self.context)


@dataclasses.dataclass
class ZoneRecord:
    """A resource record; name relative to the origin ('' for the apex), TXT values unquoted."""

    name: str
    record_type: str
    value: str
    ttl: int
    visible_from: datetime.datetime
    pref: int = None

    def same_record(self, other):
        return (self.name, self.record_type, self.value) == (other.name, other.record_type, other.value)


@dataclasses.dataclass
class Zone:
    """A DNS zone; owner None means a zone outside AutoDNS (only DNS and the control surface see it)."""

    origin: str
    owner: tuple
    provisioning: bool
    virtual_name_server: str
    created: datetime.datetime
    updated: datetime.datetime
    records: list = dataclasses.field(default_factory=list)

    def relative_name(self, fqdn):
        """The name inside this zone ('' for the apex), or None when fqdn lies outside."""
        name = fqdn.lower().rstrip('.')
        if name == self.origin:
            return ''
        return name[:-len(self.origin) - 1] if name.endswith('.' + self.origin) else None

    def absolute_target(self, value):
        """A name-valued rdata in bind notation: without trailing dot it is relative to the origin."""
        value = value.lower()
        return value if value.endswith('.') else f'{value}.{self.origin}.'

    def rdata_matches(self, record, value):
        if record.record_type == 'CNAME':
            return self.absolute_target(record.value) == value.lower()
        return record.value == value


@dataclasses.dataclass(frozen=True)
class CertificateHistory:
    """An earlier version of a certificate that was replaced under the same id."""

    serial_number: str
    order_id: str


@dataclasses.dataclass
class Certificate:
    """An issued certificate as the SSL Manager keeps it; payable ends the paid term, which may outlive expire."""

    id: int
    name: str
    owner: tuple
    product: str
    term: int
    csr_pem: str
    server_pem: str
    serial_number: str
    expire: datetime.datetime
    payable: datetime.datetime
    created: datetime.datetime
    updated: datetime.datetime
    names: list
    key_pem: str = None
    authentication: dict = dataclasses.field(default_factory=lambda: {'method': 'DNS'})
    renewal_outcome: str = 'SUCCESS'
    successor_id: int = None
    contacts: dict = dataclasses.field(default_factory=dict)
    reissue_required: bool = False
    histories: list = dataclasses.field(default_factory=list)

    @property
    def order_id(self):
        return f'SBX{self.id}'


@dataclasses.dataclass
class Job:
    """A renew or reissue job; phase is queued (RUNNING), dcv (DEFERRED/WF_DNS_AUTH), issuing (RUNNING) or done.

    dcv maps each name, the common name first, to its DcvRecord; provisioned maps a name to the (zone, record) the sandbox wrote for it.
    """

    id: int
    action: str
    certificate_id: int
    owner: tuple
    name: str
    product: str
    term: int
    csr_pem: str
    dcv: dict
    ctid: str
    stid: str
    created: datetime.datetime
    execution: datetime.datetime
    status: str = 'RUNNING'
    sub_status: str = None
    phase: str = 'queued'
    updated: datetime.datetime = None
    deferred_at: datetime.datetime = None
    provisioned: dict = dataclasses.field(default_factory=dict)
    dcv_passed: bool = False
    issued_certificate_id: int = None

    def authentication(self):
        """The Certificate.authentication of this order: the common name's DCV record, and every name's under domains."""
        common_name = next(iter(self.dcv))
        return {
            'method': 'DNS', 'provisioning': bool(self.provisioned), 'dns': self.dcv[common_name].zone_line(),
            'domains': [{'name': name, 'method': 'DNS', 'dns': record.zone_line(), 'provisioning': name in self.provisioned}
                        for name, record in self.dcv.items()],
        }


class Sandbox:
    """All sandbox state plus the operations the API and the control surface share."""

    def __init__(self, ca):
        self.ca = ca
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        self.settings = dict(DEFAULT_SETTINGS)
        self.users = {}
        self.zones = {}
        self.certificates = {}
        self.active_jobs = {}
        self.finished_jobs = {}
        self.poll_queues = collections.defaultdict(list)
        self.dcv_memory = {}
        self.faults = {}
        self.request_log = []
        self.request_times = collections.defaultdict(collections.deque)
        self.counters = {'requests': 0, 'rate_limited': 0, 'orders': {}, 'reissues': {}, 'confirmed': [], 'faults_fired': 0}
        self.certificate_ids = itertools.count(FIRST_CERTIFICATE_ID)
        self.job_ids = itertools.count(FIRST_JOB_ID)
        self.poll_message_ids = itertools.count(FIRST_POLL_MESSAGE_ID)
        self.fault_ids = itertools.count(1)

    def find_zone(self, fqdn):
        """The zone with the longest origin that contains fqdn, or None."""
        holders = [zone for zone in self.zones.values() if zone.relative_name(fqdn) is not None]
        return max(holders, key=lambda zone: len(zone.origin), default=None)

    def dcv_visible(self, dcv_record, moment):
        zone = self.find_zone(dcv_record.owner)
        if zone is None:
            return False
        name = zone.relative_name(dcv_record.owner)
        return any(
            record.name == name and record.record_type == dcv_record.record_type and record.visible_from <= moment
            and zone.rdata_matches(record, dcv_record.value)
            for record in zone.records
        )

    def remember_dcv(self, csr_der, name, dcv_record, now):
        self.dcv_memory.setdefault((csr_der, name), []).append((dcv_record, now + DCV_MEMORY))

    def remembered_dcv(self, csr_der, name, now):
        return [record for record, until in self.dcv_memory.get((csr_der, name), []) if until > now]

    def _signed_fields(self, request, public_key, not_before, not_after):
        server_pem, serial_number = self.ca.issue(public_key, request['names'], not_before, not_after)
        return dict(request, server_pem=server_pem, serial_number=serial_number, expire=not_after, updated=not_before)

    def issue_certificate(self, request, public_key, not_before, not_after):
        """Store a certificate signed by the sandbox CA under a new id; request holds name, owner, product, term, payable, csr_pem, names."""
        certificate = Certificate(id=next(self.certificate_ids), created=not_before, **self._signed_fields(request, public_key, not_before, not_after))
        self.certificates[certificate.id] = certificate
        return certificate

    def replace_certificate(self, certificate, request, public_key, not_before, not_after):
        """Sign a new version under the same id; the replaced serial goes to histories, a key the sandbox made stays only with its CSR."""
        histories = certificate.histories + [CertificateHistory(certificate.serial_number, certificate.order_id)]
        key_pem = certificate.key_pem if request['csr_pem'] == certificate.csr_pem else None
        replaced = dataclasses.replace(certificate, key_pem=key_pem, reissue_required=False, histories=histories,
                                       **self._signed_fields(request, public_key, not_before, not_after))
        self.certificates[certificate.id] = replaced
        return replaced

    def queue_poll_message(self, owner_key, message, now):
        message = {'id': next(self.poll_message_ids), 'owner': owner_view(owner_key), 'created': format_date(now), **message}
        self.poll_queues[owner_key].append(message)
        return message['id']

    def advance(self, now):
        """Replay every job event due up to now, earliest first."""
        while True:
            due = [job for job in self.active_jobs.values() if job.execution <= now]
            if not due:
                return
            self._step(min(due, key=lambda job: (job.execution, job.id)))

    def _step(self, job):
        moment = job.execution
        job.updated = moment
        if job.phase == 'queued':
            job.phase, job.status, job.sub_status, job.deferred_at = 'dcv', 'DEFERRED', 'WF_DNS_AUTH', moment
            job.execution = moment + self._seconds('deferred_recheck_seconds')
        elif job.phase == 'dcv':
            self._check_dcv(job, moment)
        else:
            self._conclude(job, moment)

    def finish_now(self, job, moment):
        """End a job at once as if its DCV had passed (fault drop_after_job_ends): issued or FAILED, polled, in the history."""
        job.updated, job.execution, job.dcv_passed = moment, moment, True
        self._conclude(job, moment)

    def _conclude(self, job, moment):
        if self.certificates[job.certificate_id].renewal_outcome == 'FAILED':
            self._finish(job, 'FAILED', moment)
        else:
            self._issue(job, moment)

    def _check_dcv(self, job, moment):
        if all(self.dcv_visible(record, moment) for record in job.dcv.values()):
            job.phase, job.status, job.sub_status, job.dcv_passed = 'issuing', 'RUNNING', None, True
            job.execution = moment + self._seconds('issuance_delay')
        elif moment - job.deferred_at >= self._seconds('dcv_timeout_seconds'):
            self._finish(job, 'FAILED', moment)
        else:
            job.execution = moment + self._seconds('deferred_recheck_seconds')

    def _issue(self, job, moment):
        """A renew pays a new term from the end of the paid one (or from now, when it has ended); a reissue keeps the term."""
        current = self.certificates[job.certificate_id]
        csr = read_csr(job.csr_pem)
        payable = add_months(max(current.payable, moment), job.term) if job.action == 'renew' else current.payable
        request = {
            'name': current.name, 'owner': current.owner, 'product': job.product, 'term': job.term, 'payable': payable,
            'csr_pem': csr.pem, 'names': csr.names, 'contacts': dict(current.contacts),
            'authentication': job.authentication(),
        }
        not_after = min(moment + validity_limit(moment), payable)
        if self.settings['id_policy'] == 'same':
            issued = self.replace_certificate(current, request, csr.public_key, moment, not_after)
        else:
            issued = self.issue_certificate(request, csr.public_key, moment, not_after)
            current.successor_id = issued.id
        job.issued_certificate_id = issued.id
        self._finish(job, 'SUCCESS', moment)

    def _finish(self, job, status, moment):
        job.status, job.sub_status, job.phase = status, None, 'done'
        for zone, record in job.provisioned.values():
            zone.records = [kept for kept in zone.records if not kept.same_record(record)]
        del self.active_jobs[job.id]
        self.finished_jobs[job.id] = job
        self.queue_poll_message(job.owner, job_poll_message(self, job), moment)

    def _seconds(self, setting):
        return datetime.timedelta(seconds=self.settings[setting])
