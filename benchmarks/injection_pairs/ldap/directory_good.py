import ldap
import ldap.filter
from flask import Flask, request

app = Flask(__name__)
conn = ldap.initialize("ldap://directory.internal")


@app.get("/people")
def find_person():
    user = request.args["user"]
    query = ldap.filter.filter_format("(uid=%s)", [user])
    results = conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, query)
    return {"found": len(results)}
