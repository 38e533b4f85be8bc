import os

from fastapi import FastAPI
from starlette.middleware.trustedhost import TrustedHostMiddleware

# ruleid: allowed-hosts-wildcard
ALLOWED_HOSTS = ["*"]

# ruleid: allowed-hosts-wildcard
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "*").split(",")

app = FastAPI()
# ruleid: allowed-hosts-wildcard
app.add_middleware(TrustedHostMiddleware, allowed_hosts=["*"])

# ok: allowed-hosts-wildcard
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost").split(",")

# ok: allowed-hosts-wildcard
ALLOWED_HOSTS = ["shop.example.com", ".shop.example.com"]

# ok: allowed-hosts-wildcard
app.add_middleware(TrustedHostMiddleware, allowed_hosts=["api.example.com", "*.example.com"])
