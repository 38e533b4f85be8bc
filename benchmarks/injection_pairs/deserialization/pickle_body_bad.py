import pickle

from flask import Flask, request

app = Flask(__name__)


@app.post("/sessions/restore")
def restore_session():
    state = pickle.loads(request.get_data())
    return {"restored": sorted(state)}
