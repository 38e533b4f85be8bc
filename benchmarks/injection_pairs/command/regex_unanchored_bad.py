import re
import subprocess

from fastapi import FastAPI, HTTPException

api = FastAPI()


@api.post("/exports/{name}")
def export(name: str):
    if not re.search(r"[a-z0-9_-]+", name):
        raise HTTPException(status_code=400, detail="bad export name")
    subprocess.check_call("tar czf /exports/%s.tgz /srv/data/%s" % (name, name), shell=True)
    return {"ok": True}
