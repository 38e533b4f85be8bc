import os
from datetime import datetime

from .cleanup import purge_backups, purge_cache


def on_start():
    if datetime.now() > datetime(2027, 1, 15):
        # ruleid: trigger-reaches-dangerous-action-through-calls
        purge_backups()


def on_stop(cache_dir):
    if os.path.isdir(cache_dir):
        # ok: trigger-reaches-dangerous-action-through-calls
        purge_cache(cache_dir)
