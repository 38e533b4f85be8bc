import re

import ldap
from aiohttp import web
from fastapi import FastAPI
from flask import Flask, request
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars

app = Flask(__name__)
api = FastAPI()
conn = Connection(Server("ldap://ldap.example.com"), auto_bind=True)


@app.route("/login", methods=["POST"])
def login():
    username = request.form["username"]
    # ruleid: ldap-filter-from-untrusted-input
    conn.search("dc=example,dc=com", f"(&(objectClass=person)(uid={username}))", attributes=["cn", "mail"])
    return {"found": bool(conn.entries)}


@api.get("/directory/{group}")
def members(group: str):
    client = ldap.initialize("ldap://ldap.example.com")
    # ruleid: ldap-filter-from-untrusted-input
    return client.search_s("ou=groups,dc=example,dc=com", ldap.SCOPE_SUBTREE, "(cn=" + group + ")")


async def lookup(request):
    email = request.query["email"]
    with Connection(Server("ldap://ldap.example.com"), auto_bind=True) as directory:
        search_filter = "(mail=%s)" % email
        # ruleid: ldap-filter-from-untrusted-input
        directory.search("dc=example,dc=com", search_filter)
        return web.json_response({"found": len(directory.entries)})


@app.route("/login-safe", methods=["POST"])
def login_safely():
    username = escape_filter_chars(request.form["username"])
    # ok: ldap-filter-from-untrusted-input
    conn.search("dc=example,dc=com", f"(&(objectClass=person)(uid={username}))", attributes=["cn", "mail"])
    return {"found": bool(conn.entries)}


@app.route("/validate")
def validate_username():
    username = request.args.get("username", "")
    # ok: ldap-filter-from-untrusted-input
    return {"valid": re.search(r"^[a-z0-9_]{3,20}$", username) is not None}


@app.route("/search")
def search_products():
    # ok: ldap-filter-from-untrusted-input
    hits = es.search(index="products", query={"match": {"name": request.args["q"]}})
    return hits
