"""The Flask notes service of the review-flow scenario (tests/test_review_flow.py), before and
after an assistant's change; tests/test_precommit.py commits the same files through the hooks."""

VIEWS = '''\
"""Notes API views."""

import subprocess

import yaml
from flask import Flask, abort, request
from flask_login import current_user, login_required

app = Flask(__name__)


def load_settings(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=yaml.Loader)  # diffsentry: ignore[B506] settings file ships with the app


@app.get("/version")
def version():
    return subprocess.check_output("git describe --tags", shell=True)


@app.post("/notes/<int:note_id>/delete")
@login_required
def delete_note(note_id):
    note = Note.query.get_or_404(note_id)
    if note.owner_id != current_user.id:
        abort(403)
    db.session.delete(note)
    return {"deleted": note_id}
'''

# What the assistant wrote on the branch.
VIEWS_AFTER = '''\
"""Notes API views."""

import subprocess

import yaml
from flask import Flask, abort, request
from flask_login import current_user

app = Flask(__name__)


def _clean(name: str) -> str:
    return name.strip()


def load_settings(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=yaml.Loader)  # diffsentry: ignore[B506] settings file ships with the app


@app.post("/convert")
def convert_note():
    source = request.form["path"]
    return subprocess.check_output(f"pandoc {source} -t plain", shell=True)  # nosec


@app.post("/notes/<int:note_id>/delete")
def delete_note(note_id):
    note = Note.query.get_or_404(note_id)
    if note.owner_id != current_user.id:
        abort(403)
    db.session.delete(note)
    return {"deleted": note_id}
'''
