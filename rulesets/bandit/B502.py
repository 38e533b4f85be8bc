import socket
import ssl

from OpenSSL import SSL


def connect_legacy(host: str):
    # ruleid: ssl-with-bad-version
    return ssl.wrap_socket(socket.create_connection((host, 443)), ssl_version=ssl.PROTOCOL_SSLv3)


def legacy_context():
    # ruleid: ssl-with-bad-version
    return SSL.Context(method=SSL.TLSv1_METHOD)


def connect(host: str):
    context = ssl.create_default_context()
    # ok: ssl-with-bad-version
    return context.wrap_socket(socket.create_connection((host, 443)), server_hostname=host)


def client_context():
    # ok: ssl-with-bad-version
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
