from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse


class ShortLinkHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        query = parse_qs(urlparse(self.path).query)
        campaign = query.get("campaign", ["none"])[0]
        self.send_response(302)
        self.send_header("Location", "/landing")
        self.send_header("X-Campaign", campaign)
        self.end_headers()


HTTPServer(("", 8080), ShortLinkHandler).serve_forever()
