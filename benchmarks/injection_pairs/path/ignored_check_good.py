from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

api = FastAPI()
ROOT = Path("/srv/app/static").resolve()


@api.get("/static/{name:path}")
def static_file(name: str):
    target = (ROOT / name).resolve()
    if not target.is_relative_to(ROOT):
        raise HTTPException(status_code=404)
    return FileResponse(target)
