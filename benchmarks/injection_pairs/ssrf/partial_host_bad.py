import httpx
from fastapi import FastAPI

api = FastAPI()


@api.get("/health/{service}")
async def health(service: str):
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"http://{service}/healthz", timeout=3)
    return {"service": service, "ok": reply.status_code == 200}
