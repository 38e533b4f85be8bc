from flask import Flask

app = Flask(__name__)
app.config["SECRET_KEY"] = "U2aC13Fa61ESYhD1NfFPb9jTo6z5xcIcQPzMuEGQ"
