from pathlib import Path


def repository_text(root):
    return "\n".join(p.read_text() for p in Path(root).rglob("*.py"))


def one_file(path):
    return Path(path).read_text()
