import asyncio
import os

from fastapi import FastAPI
from flask import Flask

app = Flask(__name__)
# ruleid: web-debugger-enabled
app.config["DEBUG"] = True
# ruleid: web-debugger-enabled
api = FastAPI(title="Orders", debug=True)
# ok: web-debugger-enabled
quiet_api = FastAPI(title="Orders", debug=os.environ.get("API_DEBUG") == "1")


async def main() -> None:
    await asyncio.sleep(0)


if __name__ == "__main__":
    # ok: web-debugger-enabled
    asyncio.run(main(), debug=True)
    # ruleid: web-debugger-enabled
    app.run(host="0.0.0.0", port=8000, debug=True)
    # ok: web-debugger-enabled
    app.run(host="127.0.0.1", port=8000, debug=os.environ.get("FLASK_DEBUG") == "1")


def test_debug_error_page(client) -> None:
    # ok: web-debugger-enabled
    app.config["DEBUG"] = True
    assert client.get("/boom").status_code == 500
