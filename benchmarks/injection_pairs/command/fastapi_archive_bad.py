import subprocess

from fastapi import FastAPI

api = FastAPI()


@api.post("/exports/{name}")
def export(name: str):
    subprocess.check_call("tar czf /exports/%s.tgz /srv/data/%s" % (name, name), shell=True)
    return {"ok": True}
