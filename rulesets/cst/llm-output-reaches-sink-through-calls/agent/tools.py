import subprocess

from .model import complete


def fix_build(log):
    command = complete("Reply with one shell command that fixes this build:\n" + log)
    # ruleid: llm-output-reaches-sink-through-calls
    subprocess.run(command, shell=True, check=False)


def save_summary(log):
    text = complete("Summarise this build log:\n" + log)
    # ok: llm-output-reaches-sink-through-calls
    with open("build-summary.md", "w") as fh:
        fh.write(text)
