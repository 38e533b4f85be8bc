import anthropic


def propose(task):
    message = anthropic.Anthropic().messages.create(
        model="claude-x", max_tokens=200, messages=[{"role": "user", "content": task}]
    )
    return message.content[0].text
