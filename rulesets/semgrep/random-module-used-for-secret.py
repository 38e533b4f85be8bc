import random
import secrets
import string
import uuid

from flask import Flask, session

app = Flask(__name__)


def generate_reset_token() -> str:
    # ruleid: random-module-used-for-secret
    return "".join(random.choices(string.ascii_letters + string.digits, k=32))


@app.route("/otp", methods=["POST"])
def send_otp():
    # ruleid: random-module-used-for-secret
    otp = random.randint(100000, 999999)
    # ruleid: random-module-used-for-secret
    session["verification_code"] = str(random.randint(1000, 9999))
    send_sms(otp)
    return "sent"


class ApiClientFactory:
    def create(self, name: str):
        client = Client(name=name)
        # ruleid: random-module-used-for-secret
        client.api_key = "%032x" % random.getrandbits(128)
        # ruleid: random-module-used-for-secret
        client.session_id = str(uuid.uuid1())
        return client


def make_user(email: str):
    # ruleid: random-module-used-for-secret
    return User.create(email=email, password="".join(random.sample(string.ascii_letters, 12)))


def generate_reset_token_safely() -> str:
    # ok: random-module-used-for-secret
    return secrets.token_urlsafe(32)


def pick_server(servers: list[str]) -> str:
    # ok: random-module-used-for-secret
    server = random.choice(servers)
    return server


def retry_delay(attempt: int) -> float:
    # ok: random-module-used-for-secret
    token_bucket_delay = random.uniform(0, 2 ** attempt)
    # ok: random-module-used-for-secret
    token_length = random.randint(16, 32)
    return token_bucket_delay + token_length


def system_random_password() -> str:
    rng = random.SystemRandom()
    # ok: random-module-used-for-secret
    password = "".join(rng.choice(string.ascii_letters) for _ in range(16))
    return password
