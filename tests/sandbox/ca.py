"""The sandbox certification authority (root and intermediate) and CSR handling."""

import base64
import binascii
import dataclasses
import datetime
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CSR_ARMOR = re.compile(r'-----(BEGIN|END) (NEW )?CERTIFICATE REQUEST-----')
EC_ALGORITHMS = {'secp256r1': 'PRIME_256_V1', 'secp384r1': 'SECP_384_R1'}
MIN_RSA_BITS = 2048
EC_CURVES_FOR_KEYS = {256: ec.SECP256R1, 384: ec.SECP384R1}
CA_VALIDITY = datetime.timedelta(days=3650)


class CsrProblem(Exception):
    """The CSR is refused; code is the API message code."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


@dataclasses.dataclass
class CsrInfo:
    """What the sandbox reads from a CSR."""

    pem: str
    der: bytes
    common_name: str
    names: list
    key_size: int
    algorithm: str
    public_key: object
    subject: dict


def pem_text(der, label):
    body = base64.encodebytes(der).decode('ascii').replace('\n', '')
    lines = [body[start:start + 64] for start in range(0, len(body), 64)]
    return '\n'.join([f'-----BEGIN {label}-----', *lines, f'-----END {label}-----']) + '\n'


def _csr_der(plain):
    """Accept PEM with LF, CRLF or the whole base64 body on one line, like the SDKs send it."""
    if not isinstance(plain, str) or not CSR_ARMOR.search(plain):
        raise CsrProblem('EF4001101')
    try:
        return base64.b64decode(''.join(CSR_ARMOR.sub('', plain).split()), validate=True)
    except (binascii.Error, ValueError) as error:
        raise CsrProblem('EF4001101') from error


def _key_facts(public_key):
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise CsrProblem('EF4001102')
        return public_key.key_size, 'RSA'
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name in EC_ALGORITHMS:
        return public_key.curve.key_size, EC_ALGORITHMS[public_key.curve.name]
    raise CsrProblem('EF4001102')


def _subject_field(subject, oid):
    attributes = subject.get_attributes_for_oid(oid)
    return attributes[0].value if attributes else None


def _alternative_names(csr):
    try:
        extension = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return [name.lower() for name in extension.value.get_values_for_type(x509.DNSName)]


def read_csr(plain):
    """Parse and check a CSR the way prepareOrder does; raises CsrProblem."""
    der = _csr_der(plain)
    try:
        csr = x509.load_der_x509_csr(der)
        signature_valid = csr.is_signature_valid
    except ValueError as error:
        raise CsrProblem('EF4001101') from error
    if not signature_valid:
        raise CsrProblem('EF4001101')
    key_size, algorithm = _key_facts(csr.public_key())
    common_name = _subject_field(csr.subject, NameOID.COMMON_NAME)
    if not common_name:
        raise CsrProblem('EF4001103')
    common_name = common_name.lower()
    names = [common_name] + [name for name in _alternative_names(csr) if name != common_name]
    subject = {
        'countryCode': _subject_field(csr.subject, NameOID.COUNTRY_NAME),
        'state': _subject_field(csr.subject, NameOID.STATE_OR_PROVINCE_NAME),
        'city': _subject_field(csr.subject, NameOID.LOCALITY_NAME),
        'organization': _subject_field(csr.subject, NameOID.ORGANIZATION_NAME),
        'organizationUnit': _subject_field(csr.subject, NameOID.ORGANIZATIONAL_UNIT_NAME),
    }
    return CsrInfo(
        pem=pem_text(der, 'CERTIFICATE REQUEST'), der=der, common_name=common_name, names=list(dict.fromkeys(names)),
        key_size=key_size, algorithm=algorithm, public_key=csr.public_key(), subject=subject,
    )


def make_key_and_csr(name, alternative_names=(), key_type='rsa', key_size=2048):
    """A fresh private key (PEM) and a CSR (PEM) for seeded certificates."""
    if key_type == 'ec':
        key = ec.generate_private_key(EC_CURVES_FOR_KEYS[key_size]())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    names = list(dict.fromkeys([name, *alternative_names]))
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(entry) for entry in names]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem.decode('ascii'), csr.public_bytes(serialization.Encoding.PEM).decode('ascii')


def _ca_certificate(subject, key, issuer, issuer_key, path_length, now):
    return (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
        ), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def _ca_name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'AutoDNS Sandbox'),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


class SandboxCA:
    """A root and an intermediate created at start; issues leaf certificates from CSR public keys."""

    def __init__(self, now):
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _ca_name('AutoDNS Sandbox Root CA')
        self.root = _ca_certificate(root_name, root_key, root_name, root_key, 1, now)
        self._intermediate_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = _ca_certificate(
            _ca_name('AutoDNS Sandbox Issuing CA'), self._intermediate_key, root_name, root_key, 0, now,
        )

    @property
    def root_pem(self):
        return self.root.public_bytes(serialization.Encoding.PEM).decode('ascii')

    @property
    def intermediate_pem(self):
        return self.intermediate.public_bytes(serialization.Encoding.PEM).decode('ascii')

    def issue(self, public_key, names, not_before, not_after):
        """Sign a TLS server certificate; returns (leaf PEM, serial number as upper-case hex)."""
        serial_number = x509.random_serial_number()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.intermediate.subject).public_key(public_key)
            .serial_number(serial_number).not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in names]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._intermediate_key.public_key()), critical=False)
            .sign(self._intermediate_key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM).decode('ascii'), f'{serial_number:X}'
