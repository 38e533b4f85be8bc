import json
import urllib.request


def latest(url):
    urllib.request.urlretrieve(url, "release.json")
    with open("release.json") as fh:
        return json.load(fh)["version"]
