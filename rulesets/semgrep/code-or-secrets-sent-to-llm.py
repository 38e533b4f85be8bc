import os
from pathlib import Path

import anthropic
import ollama
import requests
from openai import OpenAI

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
claude = anthropic.Anthropic(api_key=os.getenv("ANTHROPIC_API_KEY"))


def explain_failure(error: str) -> str:
    context = f"Error: {error}\nEnvironment: {dict(os.environ)}"
    # ruleid: code-or-secrets-sent-to-llm
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": context}])
    return reply.choices[0].message.content


def review_repository(root: str) -> str:
    sources = "\n\n".join(p.read_text() for p in Path(root).rglob("*.py"))
    reply = claude.messages.create(
        model="claude-sonnet-4-5", max_tokens=4000,
        # ruleid: code-or-secrets-sent-to-llm
        messages=[{"role": "user", "content": "Review this code:\n" + sources}],
    )
    return reply.content[0].text


def debug_deploy(log: str) -> dict:
    token = os.environ.get("GITHUB_TOKEN")
    payload = {"model": "deepseek-chat", "messages": [{"role": "user", "content": f"Why does {log} fail with {token}?"}]}
    # ruleid: code-or-secrets-sent-to-llm
    return requests.post("https://api.deepseek.com/chat/completions", json=payload, timeout=60).json()


def check_aws_setup() -> str:
    credentials = (Path.home() / ".aws" / "credentials").read_text()
    # ruleid: code-or-secrets-sent-to-llm
    reply = client.responses.create(model="gpt-4o-mini", input=f"Is this AWS config valid?\n{credentials}")
    return reply.output_text


def review_changed(root: str) -> str:
    paths = sorted(Path(root).rglob("*.py"))
    code = "\n\n".join(p.read_text() for p in paths)
    # todoruleid: code-or-secrets-sent-to-llm
    reply = client.chat.completions.create(model="deepseek-coder", messages=[{"role": "user", "content": code}])
    return reply.choices[0].message.content


def answer(question: str) -> str:
    # ok: code-or-secrets-sent-to-llm
    reply = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    return reply.choices[0].message.content


def summarise_document(path: str) -> str:
    text = Path(path).read_text()
    # ok: code-or-secrets-sent-to-llm
    reply = claude.messages.create(model="claude-sonnet-4-5", max_tokens=500, messages=[{"role": "user", "content": text}])
    return reply.content[0].text


def local_review(root: str) -> str:
    sources = "\n\n".join(p.read_text() for p in Path(root).rglob("*.py"))
    # ok: code-or-secrets-sent-to-llm
    return ollama.chat(model="qwen2.5-coder", messages=[{"role": "user", "content": sources}])["message"]["content"]
