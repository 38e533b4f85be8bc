import smtplib
from email.message import EmailMessage
from email.mime.text import MIMEText
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from flask import Flask, request

app = Flask(__name__)


class DownloadHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        name = params.get("name", ["report.csv"])[0]
        self.send_response(200)
        # ruleid: header-value-from-untrusted-input
        self.send_header("Content-Disposition", f'attachment; filename="{name}"')
        self.end_headers()

    def do_POST(self):
        target = self.headers.get("X-Return-To", "/")
        self.send_response(303)
        # ok: header-value-from-untrusted-input
        self.send_header("Location", target.replace("\r", "").replace("\n", ""))
        self.end_headers()


@app.route("/contact", methods=["POST"])
def contact():
    msg = MIMEText(request.form["message"])
    # ruleid: header-value-from-untrusted-input
    msg["Subject"] = request.form["subject"]
    msg["From"] = "noreply@example.com"
    msg["To"] = "support@example.com"
    with smtplib.SMTP("localhost") as smtp:
        smtp.send_message(msg)
    return "sent"


def serve_once(conn) -> None:
    request_line = conn.recv(1024).decode().splitlines()
    lang = request_line[1] if len(request_line) > 1 else "en"
    # ruleid: header-value-from-untrusted-input
    conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Language: {lang}\r\n\r\nhello".encode())


@app.route("/contact-safe", methods=["POST"])
def contact_safely():
    msg = EmailMessage()
    # ok: header-value-from-untrusted-input
    msg["Subject"] = request.form["subject"]
    msg.set_content(request.form["message"])
    with smtplib.SMTP("localhost") as smtp:
        smtp.send_message(msg)
    return "sent"


@app.route("/export")
def export():
    response = app.make_response(build_csv())
    # ok: header-value-from-untrusted-input
    response.headers["X-Export-Name"] = request.args.get("name", "export")
    return response
