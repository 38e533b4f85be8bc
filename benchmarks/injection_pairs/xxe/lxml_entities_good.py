from defusedxml import ElementTree
from flask import Flask, request

app = Flask(__name__)


@app.post("/invoices/import")
def import_invoice():
    tree = ElementTree.fromstring(request.files["invoice"].read())
    return {"total": tree.findtext("total")}
