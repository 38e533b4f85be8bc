import subprocess
import tarfile
import urllib.request


def _fetch(url):
    urllib.request.urlretrieve(url, "data-latest.tar.gz")


def _unpack():
    with tarfile.open("data-latest.tar.gz") as tar:
        tar.extractall("data", filter="data")


def update(url):
    _fetch(url)
    _unpack()
    subprocess.run(["git", "status", "--short"], check=False)
