import os
import ssl

import aiohttp
import httpx
import requests
import urllib3
import warnings
from urllib3.exceptions import InsecureRequestWarning


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


# ok: tls-verification-disabled
# ruleid: tls-warning-silenced
urllib3.disable_warnings()
# ruleid: tls-warning-silenced
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
# ruleid: tls-warning-silenced
warnings.filterwarnings("ignore", category=InsecureRequestWarning)
# ok: tls-warning-silenced
urllib3.disable_warnings(urllib3.exceptions.SubjectAltNameWarning)
# ok: tls-warning-silenced
warnings.filterwarnings("ignore", category=DeprecationWarning)


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


async def fetch_internal(url: str) -> str:
    async with aiohttp.ClientSession() as session:
        # ruleid: tls-verification-disabled
        async with session.get(url, ssl=False) as response:
            return await response.text()


# ruleid: tls-verification-disabled
os.environ["CURL_CA_BUNDLE"] = ""


async def fetch_internal_checked(url: str, ca_context: ssl.SSLContext) -> str:
    async with aiohttp.ClientSession() as session:
        # ok: tls-verification-disabled
        async with session.get(url, ssl=ca_context) as response:
            return await response.text()


# ok: tls-verification-disabled
os.environ["REQUESTS_CA_BUNDLE"] = "/etc/ssl/certs/internal-ca.pem"


def create_context(verify: bool = True) -> ssl.SSLContext:
    # A library implementing its own verify=False option: only the branch that asked for it.
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        # ok: tls-verification-disabled
        context.check_hostname = False
        # ok: tls-verification-disabled
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context()


def test_self_signed_server(https_server) -> None:
    # ok: tls-verification-disabled
    assert requests.get(https_server.url, verify=False).status_code == 200


def verify_with_os_trust_store(ctx: ssl.SSLContext, sock) -> None:
    check_hostname = ctx.check_hostname
    # ok: tls-verification-disabled
    ctx.check_hostname = False
    try:
        verify_chain_with_platform_api(sock)
    finally:
        ctx.check_hostname = check_hostname
