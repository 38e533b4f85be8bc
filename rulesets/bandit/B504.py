import socket
import ssl


def connect(host: str):
    # ruleid: ssl-with-no-version
    return ssl.wrap_socket(socket.create_connection((host, 443)))


def connect_with_cert(host: str, cert: str):
    sock = socket.create_connection((host, 443))
    # ruleid: ssl-with-no-version
    return ssl.wrap_socket(sock, certfile=cert)


def connect_safely(host: str):
    context = ssl.create_default_context()
    # ok: ssl-with-no-version
    return context.wrap_socket(socket.create_connection((host, 443)), server_hostname=host)


def server_context(cert: str):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # ok: ssl-with-no-version
    context.load_cert_chain(cert)
    return context
