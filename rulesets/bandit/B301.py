import base64
import json
import pickle


def load_session(cookie: str) -> dict:
    # ruleid: pickle
    return pickle.loads(base64.b64decode(cookie))


def load_model(path: str):
    with open(path, "rb") as handle:
        # ruleid: pickle
        return pickle.load(handle)


def load_session_safely(cookie: str) -> dict:
    # ok: pickle
    return json.loads(base64.b64decode(cookie))


def save_model(model, path: str) -> None:
    with open(path, "wb") as handle:
        # ok: pickle
        pickle.dump(model, handle)
