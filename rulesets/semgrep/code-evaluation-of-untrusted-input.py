import ast
import importlib
import operator
import sys
import tokenize
from argparse import ArgumentParser

import gradio
import streamlit
from fastapi import FastAPI
from flask import Flask, jsonify, request

app = Flask(__name__)
api = FastAPI()
OPERATIONS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul}
EXPORTERS = {"csv": "myapp.exporters.csv", "json": "myapp.exporters.json"}


@app.route("/calculate")
def calculate():
    expression = request.args.get("expr", "0")
    # ruleid: code-evaluation-of-untrusted-input
    result = eval(expression, {"__builtins__": {}})
    return jsonify(result=result)


@api.post("/rules/apply")
async def apply_rule(rule: str, record: dict):
    scope = {"record": record}
    # ruleid: code-evaluation-of-untrusted-input
    exec(f"result = {rule}", {}, scope)
    return {"result": scope["result"]}


def load_plugin() -> None:
    plugin = sys.argv[1]
    # ruleid: code-evaluation-of-untrusted-input
    module = importlib.import_module(plugin)
    module.register()


def repl() -> None:
    while True:
        line = input(">>> ")
        # ruleid: code-evaluation-of-untrusted-input
        print(eval(line))


@app.route("/calculate-safe")
def calculate_safely():
    a = float(request.args["a"])
    b = float(request.args["b"])
    op = OPERATIONS[request.args["op"]]
    # ok: code-evaluation-of-untrusted-input
    return jsonify(result=eval("op(a, b)", {"op": op, "a": a, "b": b}))


@app.route("/config/parse", methods=["POST"])
def parse_literal():
    # ok: code-evaluation-of-untrusted-input
    return jsonify(value=ast.literal_eval(request.get_data(as_text=True)))


@app.route("/export/<fmt>")
def export(fmt):
    # ok: code-evaluation-of-untrusted-input
    exporter = importlib.import_module(EXPORTERS[fmt])
    return exporter.render()


def run_script() -> None:
    # setuptools.launch: runs the script named on the command line, like `python script.py`.
    script_name = sys.argv[1]
    open_ = getattr(tokenize, "open", open)
    with open_(script_name) as fid:
        script = fid.read()
    # ok: code-evaluation-of-untrusted-input
    code = compile(script, script_name, "exec")
    # ok: code-evaluation-of-untrusted-input
    exec(code, {"__name__": "__main__", "__file__": script_name})


def run_source(path: str) -> None:
    with tokenize.open(path) as source:
        # ok: code-evaluation-of-untrusted-input
        exec(source.read())


def run_argument() -> None:
    opener = getattr(tokenize, "open", open)
    with opener(sys.argv[1]) as source:
        header = source.readline()
    # ruleid: code-evaluation-of-untrusted-input
    exec(sys.argv[2] + header)


def run_expression() -> None:
    # ruleid: code-evaluation-of-untrusted-input
    code = compile(sys.argv[1], "<command line>", "eval")
    # ruleid: code-evaluation-of-untrusted-input
    print(eval(code))


def run_maintenance_script() -> None:
    # django's scripts/manage_translations.py: the command name is one of `choices`.
    parser = ArgumentParser()
    parser.add_argument("cmd", nargs=1, choices=("update_catalogs", "lang_stats", "fetch"))
    parser.add_argument("--expression")
    options = parser.parse_args()
    # ok: code-evaluation-of-untrusted-input
    eval(options.cmd[0])()
    # ruleid: code-evaluation-of-untrusted-input
    print(eval(options.expression))

PLUGIN_MODULES = {"upper": "plugins.upper"}


# --- sources beyond web requests (shared block) and their safe look-alikes ---

formula = streamlit.text_input("Column formula", "price * quantity")
# ruleid: code-evaluation-of-untrusted-input
streamlit.write(eval(formula))
chosen = streamlit.selectbox("Column", ["price", "quantity"])
# ok: code-evaluation-of-untrusted-input
streamlit.write(eval(chosen))


def apply_discount(price_expression):
    # ruleid: code-evaluation-of-untrusted-input
    return eval(price_expression) * 0.9


def apply_fixed_discount(price_text):
    # ok: code-evaluation-of-untrusted-input
    return eval(str(float(price_text))) * 0.9


def enqueue_discount(queue, expression):
    return queue.enqueue(apply_discount, expression)


def run_plugin(plugin_name, text):
    # ruleid: code-evaluation-of-untrusted-input
    return importlib.import_module(plugin_name).transform(text)


def run_known_plugin(plugin_name, text):
    # ok: code-evaluation-of-untrusted-input
    return importlib.import_module(PLUGIN_MODULES[plugin_name]).transform(text)


demo = gradio.Interface(fn=run_plugin, inputs=["text", "text"], outputs="text")
known = gradio.Interface(run_known_plugin, inputs=["text", "text"], outputs="text")
