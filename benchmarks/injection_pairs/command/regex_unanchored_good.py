import re
import subprocess

from fastapi import FastAPI, HTTPException

api = FastAPI()
NAME = re.compile(r"^[a-z0-9_-]{1,40}$")


@api.post("/exports/{name}")
def export(name: str):
    if not NAME.match(name):
        raise HTTPException(status_code=400, detail="bad export name")
    subprocess.check_call("tar czf /exports/%s.tgz /srv/data/%s" % (name, name), shell=True)
    return {"ok": True}
