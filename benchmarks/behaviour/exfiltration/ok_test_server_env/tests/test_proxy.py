import requests

from .helpers import environment, start_server


def test_proxy_from_environment():
    server = start_server(8765)
    try:
        with environment(HTTP_PROXY="http://127.0.0.1:8765"):
            response = requests.get("http://example.org/", timeout=5)
        assert response.status_code == 200
    finally:
        server.kill()
