import os

import requests


def _token():
    return os.environ.get("EXAMPLE_API_TOKEN", "")


class Client:
    base = "https://api.example.com/v2"

    def projects(self):
        return self._get("/projects")

    def _get(self, path):
        headers = {"Authorization": f"Bearer {_token()}"}
        return requests.get(self.base + path, headers=headers, timeout=10).json()
