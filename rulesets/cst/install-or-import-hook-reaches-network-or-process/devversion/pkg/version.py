import datetime
import os
import subprocess


def get_version(version):
    main = ".".join(str(x) for x in version[:3])
    if version[3] == "alpha" and version[4] == 0:
        return main + ".dev" + changeset()
    return main


def changeset():
    repo_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    log = subprocess.run("git log --pretty=format:%ct --quiet -1 HEAD", capture_output=True, shell=True,
                         cwd=repo_dir, text=True)
    stamp = datetime.datetime.fromtimestamp(int(log.stdout), tz=datetime.timezone.utc)
    return stamp.strftime("%Y%m%d%H%M%S")
