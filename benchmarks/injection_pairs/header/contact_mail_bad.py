import smtplib
from email.mime.text import MIMEText

from flask import Flask, request

app = Flask(__name__)


@app.post("/contact")
def contact():
    message = MIMEText(request.form["body"])
    message["Subject"] = "Contact form: " + request.form["subject"]
    message["From"] = "web@example.com"
    message["To"] = "support@example.com"
    with smtplib.SMTP("localhost") as smtp:
        smtp.send_message(message)
    return {"sent": True}
