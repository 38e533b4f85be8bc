import jinja2
from fastapi.templating import Jinja2Templates
from flask import Flask
from jinja2 import Environment, FileSystemLoader, select_autoescape

app = Flask(__name__)
# ruleid: jinja2-autoescape-disabled
env = Environment(loader=FileSystemLoader("templates"), autoescape=False)
# ruleid: jinja2-autoescape-disabled
app.jinja_env.autoescape = False


def render_comment(comment: str) -> str:
    # ruleid: jinja2-autoescape-disabled
    return jinja2.Template("<p>{{ comment }}</p>", autoescape=False).render(comment=comment)


# ok: jinja2-autoescape-disabled
safe_env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())
# ok: jinja2-autoescape-disabled
templates = Jinja2Templates(directory="templates")
# ok: jinja2-autoescape-disabled
app.jinja_env.autoescape = True


class TestRendering:
    def test_raw_output(self) -> None:
        # ok: jinja2-autoescape-disabled
        env = Environment(autoescape=False)
        assert env.from_string("{{ '<b>' }}").render() == "<b>"
