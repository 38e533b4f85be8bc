from .fetch import refresh
from .launch import launch


def start(url):
    refresh(url)
    # ruleid: download-made-executable-or-run-through-calls
    launch()
