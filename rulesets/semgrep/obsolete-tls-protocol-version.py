import socket
import ssl

from OpenSSL import SSL


def connect_legacy(host: str) -> ssl.SSLSocket:
    raw = socket.create_connection((host, 443))
    # ruleid: obsolete-tls-protocol-version
    return ssl.wrap_socket(raw, ssl_version=ssl.PROTOCOL_TLSv1)


def legacy_server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # ruleid: obsolete-tls-protocol-version
    context.minimum_version = ssl.TLSVersion.TLSv1
    return context


def pyopenssl_context():
    # ruleid: obsolete-tls-protocol-version
    return SSL.Context(SSL.TLSv1_METHOD)


def connect(host: str) -> ssl.SSLSocket:
    context = ssl.create_default_context()
    # ok: obsolete-tls-protocol-version
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # ok: obsolete-tls-protocol-version
    return context.wrap_socket(socket.create_connection((host, 443)), server_hostname=host)


def client_context() -> ssl.SSLContext:
    # ok: obsolete-tls-protocol-version
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
