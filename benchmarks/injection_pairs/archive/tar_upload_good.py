import tarfile
import tempfile

from flask import Flask, request

app = Flask(__name__)


@app.post("/plugins")
def install_plugin():
    with tempfile.TemporaryFile() as buffer:
        request.files["bundle"].save(buffer)
        buffer.seek(0)
        with tarfile.open(fileobj=buffer) as bundle:
            bundle.extractall("/srv/plugins", filter="data")
    return {"installed": True}
