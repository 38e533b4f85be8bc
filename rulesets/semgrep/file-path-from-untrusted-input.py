import os
import sys
from pathlib import Path

from fastapi import FastAPI, UploadFile
from fastapi.responses import FileResponse
from flask import Flask, abort, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
api = FastAPI()
REPORTS_DIR = "/srv/reports"
UPLOAD_DIR = Path("/srv/uploads")


@app.route("/download")
def download_report():
    name = request.args.get("name")
    # ruleid: file-path-from-untrusted-input
    return send_file(os.path.join(REPORTS_DIR, name), as_attachment=True)


@app.route("/upload", methods=["POST"])
def upload():
    file = request.files["file"]
    # ruleid: file-path-from-untrusted-input
    file.save(os.path.join("/srv/uploads", file.filename))
    return {"saved": file.filename}


@api.get("/files/{filename}")
async def read_file(filename: str):
    # ruleid: file-path-from-untrusted-input
    return FileResponse(f"/srv/files/{filename}")


@api.post("/notes/{note_id}")
async def save_note(note_id: str, body: dict):
    # ruleid: file-path-from-untrusted-input
    (UPLOAD_DIR / f"{note_id}.txt").write_text(body["text"])
    return {"ok": True}


def show_log() -> None:
    # A command-line tool reading the file its operator names: not a traversal.
    log_name = sys.argv[1]
    # ok: file-path-from-untrusted-input
    with open(f"/var/log/myapp/{log_name}") as handle:
        print(handle.read())


@app.route("/download-safe")
def download_report_safely():
    # ok: file-path-from-untrusted-input
    return send_from_directory(REPORTS_DIR, request.args.get("name"), as_attachment=True)


@app.route("/upload-safe", methods=["POST"])
def upload_safely():
    file = request.files["file"]
    filename = secure_filename(file.filename)
    # ok: file-path-from-untrusted-input
    file.save(os.path.join("/srv/uploads", filename))
    return {"saved": filename}


@api.get("/docs/{path:path}")
async def read_doc(path: str):
    base = os.path.realpath("/srv/docs")
    full = os.path.realpath(os.path.join(base, path))
    if not full.startswith(base + os.sep):
        abort(404)
    # ok: file-path-from-untrusted-input
    return FileResponse(full)


@api.get("/images/{image_id}")
async def image(image_id: int):
    # ok: file-path-from-untrusted-input
    return FileResponse(f"/srv/images/{image_id}.png")


def read_settings(path: str = "settings.toml") -> str:
    # ok: file-path-from-untrusted-input
    return Path(path).read_text()


# --- containment checks: resolved, compared with a separator, failing branch leaves ---

UPLOADS = "/srv/app/uploads"
STATIC_ROOT = Path("/srv/app/static").resolve()


@app.route("/uploads/unresolved")
def read_unresolved():
    path = os.path.join(UPLOADS, request.args["path"])
    if not path.startswith(UPLOADS):
        abort(403)
    # ruleid: file-path-from-untrusted-input
    return send_file(path)


@app.route("/uploads/no-separator")
def read_without_separator():
    path = os.path.realpath(os.path.join(UPLOADS, request.args["path"]))
    if not path.startswith(UPLOADS):
        abort(403)
    # ruleid: file-path-from-untrusted-input
    return send_file(path)


@app.route("/uploads/with-separator")
def read_with_separator():
    path = os.path.realpath(os.path.join(UPLOADS, request.args["path"]))
    if not path.startswith(UPLOADS + os.sep):
        abort(403)
    # ok: file-path-from-untrusted-input
    return send_file(path)


@app.route("/uploads/commonpath")
def read_commonpath():
    path = os.path.abspath(os.path.join(UPLOADS, request.args["path"]))
    if os.path.commonpath([path, UPLOADS]) != UPLOADS:
        raise PermissionError(path)
    # ok: file-path-from-untrusted-input
    return send_file(path)


@app.route("/uploads/logged-only")
def read_logged_only():
    path = os.path.realpath(os.path.join(UPLOADS, request.args["path"]))
    if os.path.commonpath([path, UPLOADS]) != UPLOADS:
        app.logger.warning("outside uploads: %s", path)
    # ruleid: file-path-from-untrusted-input
    return send_file(path)


@api.get("/static/{name:path}")
def static_file(name: str):
    target = (STATIC_ROOT / name).resolve()
    inside = target.is_relative_to(STATIC_ROOT)
    print("serving", target, inside)
    # ruleid: file-path-from-untrusted-input
    FileResponse(target)
    if not target.is_relative_to(STATIC_ROOT):
        raise PermissionError(name)
    # ok: file-path-from-untrusted-input
    return FileResponse(target)


def upload_avatar(request):
    upload = request.FILES["avatar"]
    # ruleid: file-path-from-untrusted-input
    with open("/srv/media/avatars/" + upload.name, "wb") as out:
        out.write(upload.read())
    # ok: file-path-from-untrusted-input
    with open("/srv/media/avatars/" + Path(upload.name).name, "wb") as out:
        out.write(upload.read())


def attach_document(request, invoice):
    upload = request.FILES["document"]
    # Django's FieldFile.save: the storage's get_valid_name/validate_file_name clean the name.
    # ok: file-path-from-untrusted-input
    invoice.document.save(upload.name, upload)
    # ruleid: file-path-from-untrusted-input
    upload.save("/srv/documents/" + upload.name)
