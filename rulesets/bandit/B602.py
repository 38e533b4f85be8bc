import subprocess


def convert(src: str, dst: str) -> None:
    # ruleid: subprocess-popen-with-shell-equals-true
    subprocess.run(f"convert {src} {dst}", shell=True, check=True)


def list_files(folder: str) -> str:
    # ruleid: subprocess-popen-with-shell-equals-true
    return subprocess.check_output("ls -la " + folder, shell=True, text=True)


def convert_safely(src: str, dst: str) -> None:
    # ok: subprocess-popen-with-shell-equals-true
    subprocess.run(["convert", src, dst], check=True)


def list_files_safely(folder: str) -> str:
    # ok: subprocess-popen-with-shell-equals-true
    return subprocess.check_output(["ls", "-la", folder], shell=False, text=True)
