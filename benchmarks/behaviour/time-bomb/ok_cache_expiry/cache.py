import os
import shutil
import time


def _drop(path):
    shutil.rmtree(path, ignore_errors=True)


def prune(root, max_age=86400):
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if time.time() - os.path.getmtime(path) > max_age:
            _drop(path)
