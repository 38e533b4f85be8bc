import socket


def _hosts(config):
    return [entry["host"] for entry in config["upstreams"]]


def check(config):
    status = {}
    for host in _hosts(config):
        try:
            status[host] = socket.gethostbyname(host)
        except OSError:
            status[host] = None
    return status
