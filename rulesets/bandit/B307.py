import ast


def parse_settings(text: str) -> dict:
    # ruleid: eval-used
    return eval(text)


def compute(expr: str) -> float:
    # ruleid: eval-used
    return eval(expr, {"__builtins__": {}})


def parse_settings_safely(text: str) -> dict:
    # ok: eval-used
    return ast.literal_eval(text)


def evaluate(model, batch):
    # ok: eval-used
    return model.eval()(batch)
