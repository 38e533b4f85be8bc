from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse

api = FastAPI()
ROOT = Path("/srv/app/static").resolve()


@api.get("/static/{name:path}")
def static_file(name: str):
    target = (ROOT / name).resolve()
    inside = target.is_relative_to(ROOT)
    print("serving", target, inside)
    return FileResponse(target)
