from .llm import propose
from .runner import execute


def do(task):
    step = propose("Give one shell command for: " + task)
    print(execute(step))
