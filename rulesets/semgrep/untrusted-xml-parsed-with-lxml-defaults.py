import xml.etree.ElementTree as ET

from fastapi import FastAPI, UploadFile
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
api = FastAPI()
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@app.route("/invoices", methods=["POST"])
def upload_invoice():
    # ruleid: untrusted-xml-parsed-with-lxml-defaults
    root = etree.fromstring(request.data)
    return {"total": root.findtext("total")}


@api.post("/feeds")
async def import_feed(file: UploadFile):
    # ruleid: untrusted-xml-parsed-with-lxml-defaults
    tree = etree.parse(file.file)
    return {"items": len(tree.findall("//item"))}


@app.route("/invoices-safe", methods=["POST"])
def upload_invoice_safely():
    # ok: untrusted-xml-parsed-with-lxml-defaults
    root = etree.fromstring(request.data, SAFE_PARSER)
    return {"total": root.findtext("total")}


@app.route("/invoices-stdlib", methods=["POST"])
def upload_invoice_stdlib():
    # ok: untrusted-xml-parsed-with-lxml-defaults
    root = ET.fromstring(request.data)
    return {"total": root.findtext("total")}


def load_schema(path: str = "schema.xsd"):
    # ok: untrusted-xml-parsed-with-lxml-defaults
    return etree.XMLSchema(etree.parse(path))
