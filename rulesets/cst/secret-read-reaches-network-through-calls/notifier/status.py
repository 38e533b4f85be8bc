import platform


def build_status(ok):
    return {"python": platform.python_version(), "ok": ok}
