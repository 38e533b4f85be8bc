from django.http import JsonResponse
from fastapi import FastAPI
from flask import Flask, request
from lxml import etree

app = Flask(__name__)
api = FastAPI()
tree = etree.parse("users.xml")


@app.route("/users")
def find_user():
    name = request.args.get("name", "")
    # ruleid: xpath-query-from-untrusted-input
    matches = tree.xpath(f"//user[@name='{name}']/email/text()")
    return {"emails": [str(m) for m in matches]}


@api.post("/login")
def login(username: str, password: str):
    query = "//user[name='" + username + "' and password='" + password + "']"
    # ruleid: xpath-query-from-untrusted-input
    return {"ok": bool(tree.xpath(query))}


def setting_view(request):
    key = request.GET["key"]
    root = etree.parse("settings.xml").getroot()
    # ruleid: xpath-query-from-untrusted-input
    return JsonResponse({"value": root.findtext(f".//setting[@key='{key}']")})


@app.route("/users-safe")
def find_user_safely():
    name = request.args.get("name", "")
    # ok: xpath-query-from-untrusted-input
    matches = tree.xpath("//user[@name=$name]/email/text()", name=name)
    return {"emails": [str(m) for m in matches]}


@app.route("/title")
def title():
    # ok: xpath-query-from-untrusted-input
    return {"title": tree.findtext("./head/title"), "q": request.args.get("q", "").find("x")}
