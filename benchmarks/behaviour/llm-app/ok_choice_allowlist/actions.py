import subprocess

from openai import OpenAI

ACTIONS = {"restart": ["systemctl", "restart", "app"], "status": ["systemctl", "status", "app"]}


def _pick(problem):
    out = OpenAI().chat.completions.create(model="m", messages=[{"role": "user", "content": problem}])
    return out.choices[0].message.content.strip()


def remediate(problem):
    choice = _pick(problem)
    if choice in ACTIONS:
        subprocess.run(ACTIONS[choice], check=False)
