import httpx
from fastapi import FastAPI, HTTPException

api = FastAPI()
SERVICES = {"billing": "billing.internal:8080", "search": "search.internal:9200"}


@api.get("/health/{service}")
async def health(service: str):
    if service not in SERVICES:
        raise HTTPException(status_code=404)
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"http://{SERVICES[service]}/healthz", timeout=3)
    return {"service": service, "ok": reply.status_code == 200}
