import subprocess


def execute(command_line):
    return subprocess.run(command_line, shell=True, capture_output=True, text=True).stdout
