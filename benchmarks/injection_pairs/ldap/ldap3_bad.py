from django.http import JsonResponse
from ldap3 import Connection, Server

server = Server("ldap://directory.internal")


def group_members(request):
    group = request.GET["group"]
    conn = Connection(server, auto_bind=True)
    conn.search("dc=example,dc=com", "(&(objectClass=groupOfNames)(cn=" + group + "))", attributes=["member"])
    return JsonResponse({"entries": len(conn.entries)})
