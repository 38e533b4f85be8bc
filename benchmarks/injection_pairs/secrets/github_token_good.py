import os

import requests

GITHUB_TOKEN = os.environ["GITHUB_TOKEN"]


def open_issue(repo: str, title: str) -> int:
    reply = requests.post(f"https://api.github.com/repos/{repo}/issues", json={"title": title},
                          headers={"Authorization": f"Bearer {GITHUB_TOKEN}"}, timeout=10)
    return reply.json()["number"]
