from xml.dom import minidom

from flask import Flask, request

app = Flask(__name__)


@app.post("/feeds")
def add_feed():
    document = minidom.parseString(request.get_data())
    titles = [node.firstChild.data for node in document.getElementsByTagName("title")]
    return {"titles": titles}
