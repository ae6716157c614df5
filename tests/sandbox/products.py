"""The sandbox product table, the DCV records each CA family asks for, and issued validity."""

import calendar
import dataclasses
import datetime
import hashlib
import secrets
import string

DIGICERT_PRODUCTS = ('QUICKSSLPREMIUM', 'RAPID_SSL', 'SSL123', 'BASIC_SSL')
SECTIGO_PRODUCTS = ('COMODO_SSL', 'COMODO_SSL_PREMIUM', 'SECTIGO_SSL')
PRODUCTS = DIGICERT_PRODUCTS + SECTIGO_PRODUCTS
PERIODS = (12, 24)
DCV_TTL = 300
TOKEN_ALPHABET = string.ascii_lowercase + string.digits

# CA/Browser Forum ballot SC-081: maximum TLS validity by issue date
VALIDITY_LIMITS = (
    (datetime.datetime(2026, 3, 15, tzinfo=datetime.timezone.utc), 398),
    (datetime.datetime(2027, 3, 15, tzinfo=datetime.timezone.utc), 200),
    (datetime.datetime(2029, 3, 15, tzinfo=datetime.timezone.utc), 100),
)
VALIDITY_LIMIT_LATEST = 47


@dataclasses.dataclass(frozen=True)
class DcvRecord:
    """One DNS record a CA looks for: owner is an absolute name with trailing dot; TXT values unquoted."""

    owner: str
    record_type: str
    value: str

    def same_as(self, other):
        """DNS names (the owner, a CNAME target) compare without case; TXT values exactly."""
        if self.owner.lower() != other.owner.lower() or self.record_type != other.record_type:
            return False
        return self.value.lower() == other.value.lower() if self.record_type == 'CNAME' else self.value == other.value

    def zone_line(self):
        rdata = f'"{self.value}"' if self.record_type == 'TXT' else self.value
        return f'{self.owner}\t{DCV_TTL}\tIN\t{self.record_type}\t{rdata}'


def parse_zone_line(line):
    """Read a `dns` string of CertAuthentication back into a DcvRecord; None when it is not one."""
    fields = line.split(None, 4) if isinstance(line, str) else []
    if len(fields) != 5 or fields[2].upper() != 'IN' or not fields[1].isdigit():
        return None
    owner, _ttl, _class, record_type, rdata = fields
    record_type = record_type.upper()
    if record_type == 'TXT':
        rdata = rdata.strip().strip('"')
    return DcvRecord(owner.lower(), record_type, rdata.strip())


def _token(moment):
    return moment.strftime('%Y%m%d%H%M%S') + ''.join(secrets.choice(TOKEN_ALPHABET) for _position in range(50))


def validation_name(name, scope):
    """The name a DCV record is made for: the FQDN itself or, for scope BASEDOMAIN, its last two labels."""
    bare = name[2:] if name.startswith('*.') else name
    return '.'.join(bare.split('.')[-2:]) if scope == 'BASEDOMAIN' else bare


def make_dcv_record(product, csr_der, name, moment):
    """A fresh DCV record; DigiCert tokens start with a timestamp, Sectigo CNAMEs carry a unique label."""
    if product in SECTIGO_PRODUCTS:
        digest = hashlib.sha256(csr_der).hexdigest().upper()
        unique = ''.join(secrets.choice(TOKEN_ALPHABET) for _position in range(10))
        return DcvRecord(
            f'_{hashlib.md5(csr_der, usedforsecurity=False).hexdigest().upper()}.{name}.', 'CNAME', f'{digest[:32]}.{digest[32:]}.{unique}.sectigo.com.',
        )
    return DcvRecord(f'_dnsauth.{name}.', 'TXT', _token(moment))


def file_validation(name, moment):
    return {'fileName': f'{name}/.well-known/pki-validation/fileauth.txt', 'fileContent': _token(moment)}


def validity_limit(issue_moment):
    """The longest validity the CA/B Forum allows a certificate issued at issue_moment."""
    return datetime.timedelta(days=next((days for until, days in VALIDITY_LIMITS if issue_moment < until), VALIDITY_LIMIT_LATEST))


def add_months(moment, months):
    """Calendar months later (earlier when negative); a day the target month lacks becomes its last day."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def earliest_issue_moment(not_after, term_start, now):
    """The earliest moment between term_start and now at which the CA/B limit allowed a certificate ending at not_after.

    The earliest feasible moment is always term_start or not_after minus one of the limits, so only those are tried.
    None when no such moment exists.
    """
    limits = [days for _until, days in VALIDITY_LIMITS] + [VALIDITY_LIMIT_LATEST]
    candidates = [term_start] + [not_after - datetime.timedelta(days=days) for days in limits]
    return min((moment for moment in candidates if term_start <= moment <= now and moment + validity_limit(moment) >= not_after), default=None)
