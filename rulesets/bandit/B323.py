import ssl
import urllib.request


def fetch(url: str) -> bytes:
    # ruleid: unverified-context
    context = ssl._create_unverified_context()
    return urllib.request.urlopen(url, context=context).read()


def fetch_legacy(url: str) -> bytes:
    # ruleid: unverified-context
    return urllib.request.urlopen(url, context=ssl._create_unverified_context()).read()


def fetch_safely(url: str) -> bytes:
    # ok: unverified-context
    context = ssl.create_default_context()
    return urllib.request.urlopen(url, context=context).read()


def fetch_private(url: str) -> bytes:
    # ok: unverified-context
    context = ssl.create_default_context(cafile="/etc/ssl/certs/internal-ca.pem")
    return urllib.request.urlopen(url, context=context).read()
