import xml.sax
from xml.dom import minidom, pulldom
from xml.etree import ElementTree

import defusedxml.ElementTree
from defusedxml import minidom as safe_minidom
from flask import Flask, request

app = Flask(__name__)


@app.post("/feeds")
def add_feed():
    # ruleid: untrusted-xml-parsed-by-stdlib
    document = minidom.parseString(request.get_data())
    # ok: untrusted-xml-parsed-by-stdlib
    checked = safe_minidom.parseString(request.get_data())
    return {"titles": len(document.getElementsByTagName("title")) + len(checked.childNodes)}


@app.post("/orders")
def import_orders():
    upload = request.files["orders"]
    # ruleid: untrusted-xml-parsed-by-stdlib
    for event, node in pulldom.parse(upload.stream):
        print(event, node)
    # ruleid: untrusted-xml-parsed-by-stdlib
    root = ElementTree.fromstring(upload.read())
    # ok: untrusted-xml-parsed-by-stdlib
    safe_root = defusedxml.ElementTree.fromstring(upload.read())
    return {"orders": len(root) + len(safe_root)}


def load_bundled_schema():
    # ok: untrusted-xml-parsed-by-stdlib
    return ElementTree.parse("schemas/orders.xsd")


def count_items(handler, path):
    # ok: untrusted-xml-parsed-by-stdlib
    xml.sax.parse(path, handler)
