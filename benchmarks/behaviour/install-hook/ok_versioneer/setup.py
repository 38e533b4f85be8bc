import subprocess

from setuptools import setup


def _git_version():
    try:
        return subprocess.check_output(["git", "describe", "--tags"], text=True).strip().lstrip("v")
    except (OSError, subprocess.CalledProcessError):
        return "0.0.0"


setup(name="tidy-tool", version=_git_version())
