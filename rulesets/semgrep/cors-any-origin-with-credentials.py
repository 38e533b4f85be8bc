from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask, request
from flask_cors import CORS

api = FastAPI()
# ruleid: cors-any-origin-with-credentials
api.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"], allow_headers=["*"])

app = Flask(__name__)
# ruleid: cors-any-origin-with-credentials
CORS(app, supports_credentials=True)

CORS_ALLOW_CREDENTIALS = True
# ruleid: cors-any-origin-with-credentials
CORS_ALLOW_ALL_ORIGINS = True


@app.after_request
def add_cors_headers(response):
    # ruleid: cors-any-origin-with-credentials
    response.headers["Access-Control-Allow-Origin"] = request.headers.get("Origin", "*")
    response.headers["Access-Control-Allow-Credentials"] = "true"
    return response


public = FastAPI()
# ok: cors-any-origin-with-credentials
public.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])
# ok: cors-any-origin-with-credentials
api.add_middleware(CORSMiddleware, allow_origins=["https://app.example.com"], allow_credentials=True)
# ok: cors-any-origin-with-credentials
CORS(app, origins=["https://app.example.com"], supports_credentials=True)


@app.after_request
def add_public_cors_headers(response):
    # ok: cors-any-origin-with-credentials
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
