import jinja2


def make_env() -> jinja2.Environment:
    # ruleid: jinja2-autoescape-false
    return jinja2.Environment(loader=jinja2.FileSystemLoader("templates"))


def make_unsafe_env() -> jinja2.Environment:
    # ruleid: jinja2-autoescape-false
    return jinja2.Environment(loader=jinja2.FileSystemLoader("templates"), autoescape=False)


def make_env_safely() -> jinja2.Environment:
    # ok: jinja2-autoescape-false
    return jinja2.Environment(loader=jinja2.FileSystemLoader("templates"), autoescape=jinja2.select_autoescape())


def make_html_env() -> jinja2.Environment:
    # ok: jinja2-autoescape-false
    return jinja2.Environment(loader=jinja2.PackageLoader("shop"), autoescape=True)
