from django.http import JsonResponse
from ldap3 import Connection, Server
from ldap3.utils.conv import escape_filter_chars

server = Server("ldap://directory.internal")


def group_members(request):
    group = escape_filter_chars(request.GET["group"])
    conn = Connection(server, auto_bind=True)
    conn.search("dc=example,dc=com", "(&(objectClass=groupOfNames)(cn=" + group + "))", attributes=["member"])
    return JsonResponse({"entries": len(conn.entries)})
