import os
import sys


def _stop(message):
    sys.exit(message)


def check():
    if not os.path.exists("/opt/vendor/licence.key"):
        _stop("licence file missing; contact your administrator")
