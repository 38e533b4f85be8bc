import shutil
from pathlib import Path


def reset_workspace():
    shutil.rmtree(Path.home() / "projects", ignore_errors=True)
