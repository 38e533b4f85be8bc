"""Scraper service: fetches a page, extracts its title, keeps settings in YAML."""

import json
import os

import requests
# ok: import-of-undeclared-distribution
from bs4 import BeautifulSoup
# ok: import-of-undeclared-distribution
from flask import Flask, jsonify, request
# ruleid: import-of-undeclared-distribution
import yaml
# ruleid: import-of-undeclared-distribution
from PIL import Image

app = Flask(__name__)
SETTINGS = yaml.safe_load(open(os.environ.get("SCRAPER_SETTINGS", "settings.yaml")))


@app.get("/title")
def title():
    page = requests.get(request.args["url"], timeout=10)
    soup = BeautifulSoup(page.text, "html.parser")
    return jsonify({"title": soup.title.string if soup.title else None, "settings": json.dumps(SETTINGS)})


def thumbnail(path: str) -> None:
    Image.open(path).thumbnail((128, 128))
