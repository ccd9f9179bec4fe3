"""HTTPS for the simulator: a throw-away CA and a server certificate, made by trustme.

Real OCP installations often use a private CA; clients must be given its bundle rather
than turn verification off. The CA is written as PEM so a client can point at it
(`requests.get(..., verify=PATH)`, Ansible's `ca_path`).
"""

import ssl
import tempfile

import trustme

# Names the certificate is valid for: the addresses the simulator listens on by default.
CERTIFICATE_NAMES = ("127.0.0.1", "localhost", "::1")


def make_ssl_context(ca_out=None):
    """A server SSLContext with a fresh certificate; returns (context, path of the CA PEM).

    The CA goes to `ca_out`, or to a new temporary file when no path is given.
    """
    authority = trustme.CA()
    server_certificate = authority.issue_cert(*CERTIFICATE_NAMES)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_certificate.configure_cert(context)
    ca_path = ca_out or _temporary_pem_path()
    authority.cert_pem.write_to_path(str(ca_path))
    return context, str(ca_path)


def _temporary_pem_path():
    with tempfile.NamedTemporaryFile(prefix="ocp-simulator-ca-", suffix=".pem",
                                     delete=False) as handle:
        return handle.name
