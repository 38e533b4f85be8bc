import datetime

import requests


def _send(summary, url):
    requests.post(url, json=summary, timeout=5)


def maybe_send(summary, url):
    if datetime.date.today().weekday() == 0:
        _send(summary, url)
