import ast
import json
import os
import shlex
import sqlite3
import subprocess

import anthropic
import dashscope
import ollama
import requests
from langchain_community.utilities import SQLDatabase
from langchain_openai import ChatOpenAI
from openai import OpenAI

client = OpenAI(base_url="https://api.deepseek.com", api_key=os.environ["DEEPSEEK_API_KEY"])
claude = anthropic.Anthropic()
llm = ChatOpenAI(model="qwen-plus", base_url="https://dashscope.aliyuncs.com/compatible-mode/v1")
COMMANDS = {"disk": ["df", "-h"], "uptime": ["uptime"], "who": ["who"]}


# --- code execution -------------------------------------------------------------------------

def calculate(question: str):
    reply = client.chat.completions.create(
        model="deepseek-chat",
        messages=[{"role": "user", "content": f"Write one Python expression for: {question}"}],
    )
    # ruleid: llm-output-executed-as-code
    return eval(reply.choices[0].message.content)


class CodeAgent:
    def __init__(self) -> None:
        self.client = OpenAI()

    def step(self, task: str) -> dict:
        out = self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": task}])
        plan = json.loads(out.choices[0].message.content)
        scope: dict = {}
        # ruleid: llm-output-executed-as-code
        exec(plan["code"], scope)
        return scope


def qwen_formula(text: str):
    response = dashscope.Generation.call(model="qwen-max", prompt=f"Formula for: {text}", result_format="message")
    formula = response.output.choices[0].message.content
    # ok: llm-output-executed-as-code
    value = ast.literal_eval(formula)
    # ok: llm-output-executed-as-code
    return eval("sum(values)", {"values": value})


# --- commands -------------------------------------------------------------------------------

def run_task(task: str) -> str:
    reply = claude.messages.create(
        model="claude-sonnet-4-5", max_tokens=200,
        messages=[{"role": "user", "content": f"Shell command to {task}? Command only."}],
    )
    command = reply.content[0].text.strip()
    # ruleid: llm-output-run-as-command
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout


def ops_agent(goal: str) -> None:
    answer = ollama.chat(model="qwen2.5-coder", messages=[{"role": "user", "content": goal}])
    argv = answer["message"]["content"].split()
    # ruleid: llm-output-run-as-command
    subprocess.check_call(argv)


def safe_ops(task: str) -> str:
    reply = claude.messages.create(
        model="claude-sonnet-4-5", max_tokens=10,
        messages=[{"role": "user", "content": f"Which of {sorted(COMMANDS)} fits: {task}?"}],
    )
    choice = reply.content[0].text.strip()
    # ok: llm-output-run-as-command
    listing = subprocess.run(COMMANDS[choice], capture_output=True, text=True).stdout
    # ok: llm-output-run-as-command
    subprocess.run(["logger", "-t", "ops-agent"], input=reply.content[0].text, text=True, check=True)
    # ok: llm-output-run-as-command
    os.system("echo " + shlex.quote(choice) + " >> /var/log/agent-choices.log")
    return listing


# --- SQL ------------------------------------------------------------------------------------

def text_to_sql(conn: sqlite3.Connection, question: str):
    sql = llm.invoke(f"Write one SQLite query for: {question}").content.strip("`")
    cursor = conn.cursor()
    # ruleid: llm-output-in-sql-query
    cursor.execute(sql)
    return cursor.fetchall()


def report(db: SQLDatabase, question: str) -> str:
    raw = requests.post(
        "https://api.deepseek.com/chat/completions",
        json={"model": "deepseek-chat", "messages": [{"role": "user", "content": question}]},
        timeout=60,
    ).json()
    query = raw["choices"][0]["message"]["content"]
    # ruleid: llm-output-in-sql-query
    return db.run(query)


def log_answer(conn: sqlite3.Connection, question: str) -> None:
    answer = llm.invoke(question).content
    # ok: llm-output-in-sql-query
    conn.execute("INSERT INTO answers (question, answer) VALUES (?, ?)", (question, answer))
    # ok: llm-output-in-sql-query
    conn.execute("SELECT count(*) FROM answers")


# --- file paths -----------------------------------------------------------------------------

def save_note(topic: str, workspace: str) -> None:
    reply = ollama.chat(model="qwen2.5", messages=[{"role": "user", "content": f"File name for notes on {topic}?"}])
    name = reply["message"]["content"].strip()
    # ruleid: llm-output-used-as-file-path
    with open(f"{workspace}/{name}", "w") as handle:
        handle.write(topic)


def cleanup(workspace: str) -> None:
    plan = client.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": "Files to delete?"}])
    for line in plan.choices[0].message.content.splitlines():
        # ruleid: llm-output-used-as-file-path
        os.remove(os.path.join(workspace, line.strip()))


def save_answer(question: str, workspace: str) -> None:
    reply = client.chat.completions.create(model="deepseek-chat", messages=[{"role": "user", "content": question}])
    text = reply.choices[0].message.content
    # ok: llm-output-used-as-file-path
    with open(os.path.join(workspace, "answer.md"), "w") as handle:
        handle.write(text)
    title = reply.choices[0].message.content.splitlines()[0]
    # ok: llm-output-used-as-file-path
    with open(os.path.join(workspace, os.path.basename(title) + ".md"), "w") as handle:
        handle.write(text)
