import sqlite3

from openai import OpenAI

_client = OpenAI()


def _to_sql(question):
    reply = _client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "SQL for: " + question}]
    )
    return reply.choices[0].message.content


def answer(db_path, question):
    statement = _to_sql(question)
    connection = sqlite3.connect(db_path)
    connection.executescript(statement)
