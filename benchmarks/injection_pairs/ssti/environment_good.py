from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

api = FastAPI()
env = Environment(loader=PackageLoader("cards"), autoescape=select_autoescape())
LAYOUTS = {"simple": "simple.html", "banner": "banner.html"}


@api.post("/cards", response_class=HTMLResponse)
def render_card(layout: str):
    return env.get_template(LAYOUTS.get(layout, "simple.html")).render(title="Welcome")
