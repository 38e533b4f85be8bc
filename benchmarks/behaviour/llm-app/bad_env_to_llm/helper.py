import requests


def _settings_dump():
    with open(".env") as fh:
        return fh.read()


def explain_config(api_key):
    prompt = "Explain this configuration:\n" + _settings_dump()
    return requests.post(
        "https://api.openai.com/v1/chat/completions",
        headers={"Authorization": "Bearer " + api_key},
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]},
        timeout=30,
    ).json()
