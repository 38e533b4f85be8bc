import subprocess


def git_version():
    return subprocess.check_output(["git", "describe", "--tags"], text=True).strip()
