import requests

GITHUB_TOKEN = "ghp_xEEsAoCaA2QTqpOoast0vQj8VMtbYo9Mqb5j"


def open_issue(repo: str, title: str) -> int:
    reply = requests.post(f"https://api.github.com/repos/{repo}/issues", json={"title": title},
                          headers={"Authorization": f"Bearer {GITHUB_TOKEN}"}, timeout=10)
    return reply.json()["number"]
