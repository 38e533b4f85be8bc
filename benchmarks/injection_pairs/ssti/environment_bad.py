from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment

api = FastAPI()
env = Environment(autoescape=False)


@api.post("/cards", response_class=HTMLResponse)
def render_card(layout: str):
    return env.from_string(layout).render(title="Welcome")
