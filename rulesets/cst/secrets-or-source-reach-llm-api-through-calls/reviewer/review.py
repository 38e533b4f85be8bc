import anthropic

from .context import one_file, repository_text


def _ask(prompt):
    return anthropic.Anthropic().messages.create(
        model="claude-x", max_tokens=800, messages=[{"role": "user", "content": prompt}]
    )


def review_repository(root):
    # ruleid: secrets-or-source-reach-llm-api-through-calls
    return _ask("Review this code:\n" + repository_text(root))


def review_file(path):
    # ok: secrets-or-source-reach-llm-api-through-calls
    return _ask("Review this file:\n" + one_file(path))
