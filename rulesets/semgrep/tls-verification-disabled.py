import ssl

import httpx
import requests
import urllib3


def fetch_status(url: str) -> int:
    # ruleid: tls-verification-disabled
    response = requests.get(url, timeout=10, verify=False)
    return response.status_code


def make_client() -> requests.Session:
    session = requests.Session()
    # ruleid: tls-verification-disabled
    session.verify = False
    return session


def lenient_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    # ruleid: tls-verification-disabled
    context.check_hostname = False
    # ruleid: tls-verification-disabled
    context.verify_mode = ssl.CERT_NONE
    return context


async def post_event(payload: dict) -> None:
    # ruleid: tls-verification-disabled
    async with httpx.AsyncClient(verify=False) as client:
        await client.post("https://events.example/ingest", json=payload)


# ruleid: tls-verification-disabled
urllib3.disable_warnings()


def fetch_with_private_ca(url: str) -> bytes:
    # ok: tls-verification-disabled
    return requests.get(url, timeout=10, verify="/etc/ssl/certs/internal-ca.pem").content


def strict_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    # ok: tls-verification-disabled
    context.check_hostname = True
    # ok: tls-verification-disabled
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def form_flag(request) -> bool:
    # ok: tls-verification-disabled
    return requests.utils.to_key_val_list({"verify": False}) is not None
