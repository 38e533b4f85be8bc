import requests


def fetch(url: str) -> bytes:
    # ruleid: request-with-no-cert-validation
    return requests.get(url, timeout=5, verify=False).content


def send(url: str, payload: dict) -> int:
    # ruleid: request-with-no-cert-validation
    return requests.post(url, json=payload, timeout=5, verify=False).status_code


def fetch_checked(url: str) -> bytes:
    # ok: request-with-no-cert-validation
    return requests.get(url, timeout=5).content


def fetch_private(url: str) -> bytes:
    # ok: request-with-no-cert-validation
    return requests.get(url, timeout=5, verify="/etc/ssl/certs/internal-ca.pem").content
