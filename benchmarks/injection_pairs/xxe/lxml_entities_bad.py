from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.post("/invoices/import")
def import_invoice():
    parser = etree.XMLParser(resolve_entities=True, load_dtd=True)
    tree = etree.fromstring(request.files["invoice"].read(), parser)
    return {"total": tree.findtext("total")}
