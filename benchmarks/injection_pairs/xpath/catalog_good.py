from flask import Flask, request
from lxml import etree

app = Flask(__name__)
CATALOG = etree.parse("catalog.xml")


@app.get("/catalog")
def find_item():
    name = request.args["name"]
    items = CATALOG.xpath("//item[@name=$name]/price/text()", name=name)
    return {"prices": items}
