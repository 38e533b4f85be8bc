import ldap
from flask import Flask, request

app = Flask(__name__)
conn = ldap.initialize("ldap://directory.internal")


@app.get("/people")
def find_person():
    user = request.args["user"]
    results = conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={user})")
    return {"found": len(results)}
