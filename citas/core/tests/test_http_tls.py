"""TLS through the pinned transport (citas.core.http), which webhooks, calendar addresses and
CalDAV share: the connection goes to the address that was checked, yet the certificate is still
verified against the host name, and that name is what the server sees in SNI and in Host.

A real HTTPS server on loopback, with a certificate issued by a throwaway certificate authority
made here; the name resolves to 127.0.0.1 through a patched lookup (no DNS in tests)."""

import datetime
import http.server
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from citas.calendars.fetch import FetchError, fetch_calendar
from citas.calendars.models import SyncProblem
from citas.calendars.tests.test_caldav_transport import resolve_name_to_loopback
from citas.core.http import pinned_request

NAME = "calendario.example.com"
BODY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_authority():
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("Citas test CA"))
        .issuer_name(_name("Citas test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def issue(authority, host: str):
    ca_key, ca_certificate = authority
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(host))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


class TLSServer:
    """HTTPS on 127.0.0.1 serving BODY; records the SNI name and the Host header it saw."""

    def __init__(self, tmp_path, key, certificate):
        self.server_names: list[str | None] = []
        self.hosts: list[str] = []
        cert_file = tmp_path / "server.pem"
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM) + _pem_key(key))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file)
        context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                outer.hosts.append(self.headers.get("Host", ""))
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(BODY)))
                self.end_headers()
                self.wfile.write(BODY)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def authority(tmp_path, monkeypatch):
    """A certificate authority that this test's TLS clients trust (OpenSSL reads
    SSL_CERT_FILE each time a default context loads its certificates)."""
    key, certificate = make_authority()
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return key, certificate


@pytest.fixture
def lookups(monkeypatch, settings):
    """NAME resolves to 127.0.0.1; loopback allowed as in development."""
    settings.WEBHOOKS_ALLOW_INSECURE_URLS = True
    return resolve_name_to_loopback(monkeypatch, NAME)


def test_a_pinned_https_request_verifies_the_certificate_for_the_host_name(
    tmp_path, authority, lookups
):
    with TLSServer(tmp_path, *issue(authority, NAME)) as server:
        response = pinned_request(
            "GET",
            f"https://{NAME}:{server.port}/cal.ics",
            headers={},
            deadline=time.monotonic() + 5,
            max_bytes=1024,
        )
    assert response.status == 200
    assert response.body == BODY
    assert server.server_names == [NAME]  # SNI: the name, not the pinned address
    assert server.hosts == [f"{NAME}:{server.port}"]
    assert lookups == [NAME]  # resolved once


def test_a_calendar_address_over_https_is_fetched(tmp_path, authority, lookups):
    with TLSServer(tmp_path, *issue(authority, NAME)) as server:
        fetched = fetch_calendar(f"webcal://{NAME}:{server.port}/cal.ics", timeout=5)
    assert fetched.body == BODY


def test_a_certificate_for_another_name_is_refused(tmp_path, authority, lookups):
    """Connecting to the checked address must not weaken the certificate check: a server
    holding a valid certificate for another name is refused, and nothing is read."""
    server = TLSServer(tmp_path, *issue(authority, "otro.example.com"))
    with server, pytest.raises(FetchError) as caught:
        fetch_calendar(f"https://{NAME}:{server.port}/cal.ics", timeout=5)
    assert caught.value.problem == SyncProblem.NETWORK
    assert server.hosts == []


def test_a_certificate_from_an_untrusted_authority_is_refused(tmp_path, lookups):
    stranger = make_authority()  # not in the trusted bundle
    server = TLSServer(tmp_path, *issue(stranger, NAME))
    with server, pytest.raises(ssl.SSLCertVerificationError):
        pinned_request(
            "GET",
            f"https://{NAME}:{server.port}/cal.ics",
            headers={},
            deadline=time.monotonic() + 5,
            max_bytes=1024,
        )
    assert server.hosts == []
