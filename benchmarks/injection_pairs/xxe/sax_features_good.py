import defusedxml.sax
from xml.sax.handler import ContentHandler

from django.http import JsonResponse


class Counter(ContentHandler):
    def __init__(self):
        super().__init__()
        self.items = 0

    def startElement(self, name, attrs):
        self.items += name == "item"


def count_items(request):
    handler = Counter()
    defusedxml.sax.parseString(request.body, handler)
    return JsonResponse({"items": handler.items})
