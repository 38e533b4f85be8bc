from flask import Flask, request

app = Flask(__name__)


@app.get("/calc")
def calc():
    expression = request.args["expr"]
    return {"result": eval(expression)}
