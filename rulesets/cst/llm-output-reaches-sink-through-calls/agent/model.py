from openai import OpenAI

_client = OpenAI()


def complete(prompt):
    response = _client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
    return response.choices[0].message.content
