import io
import shutil
import tarfile

import requests
from flask import Flask, request

app = Flask(__name__)


@app.route("/themes", methods=["POST"])
def upload_theme():
    archive = request.files["theme"]
    with tarfile.open(fileobj=archive.stream, mode="r:gz") as tar:
        # ruleid: tar-extraction-without-member-filter
        tar.extractall("/srv/themes")
    return {"installed": True}


def install_release(url: str, dest: str) -> None:
    payload = requests.get(url, timeout=30).content
    tar = tarfile.open(fileobj=io.BytesIO(payload))
    for member in tar.getmembers():
        if member.name.endswith(".py"):
            # ruleid: tar-extraction-without-member-filter
            tar.extract(member, dest)


def unpack(path: str) -> None:
    # ruleid: tar-extraction-without-member-filter
    shutil.unpack_archive(path, "/opt/plugins")


@app.route("/themes-safe", methods=["POST"])
def upload_theme_safely():
    archive = request.files["theme"]
    with tarfile.open(fileobj=archive.stream, mode="r:gz") as tar:
        # ok: tar-extraction-without-member-filter
        tar.extractall("/srv/themes", filter="data")
    return {"installed": True}


def unpack_zip(path: str) -> None:
    # ok: tar-extraction-without-member-filter
    shutil.unpack_archive(path, "/opt/plugins", format="zip")


def unpack_safely(path: str) -> None:
    # ok: tar-extraction-without-member-filter
    shutil.unpack_archive(path, "/opt/plugins", filter="data")


def extract_reports(zip_file, dest: str) -> None:
    # ok: tar-extraction-without-member-filter
    zip_file.extractall(dest)


def unpack_fixture_sdist(archive: str, dest: str) -> None:
    # setuptools' tests: the filter chosen on the archive object, not as an argument.
    with tarfile.open(archive) as tf:
        tf.extraction_filter = lambda member, path: member
        # ok: tar-extraction-without-member-filter
        tf.extractall(dest)
