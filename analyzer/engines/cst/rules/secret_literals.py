"""Credentials recognised by their shape, not by the name of the variable holding them (DS35x).

Bandit's B105-B107 look for string literals assigned to names like `password`; they miss a key
pasted into a call or a dict, and fire on `token_type = "bearer"`. Provider tokens have fixed
prefixes and lengths (AWS `AKIA…`, GitHub `ghp_…`, OpenAI `sk-…T3BlbkFJ…`, Slack `xoxb-…`), and
PEM private keys have a header and a base64 body, so the text itself says what it is. The whole
file is searched (strings, comments, docstrings): a key in a comment is as leaked as one in code.
Documentation placeholders (`AKIAIOSFODNN7EXAMPLE`, `sk-xxxx…`, `ghp_your_token_here`) and
low-entropy fillers are skipped.

Passwords and framework secret keys have no shape; DS352 takes them where the code says what
they are (a `password=` argument, `SECRET_KEY = ...`) and the literal itself is random-looking,
which keeps `password="postgres"` in a test fixture and `token_type="bearer"` quiet.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter

import libcst as cst

from analyzer.engines.cst.framework import CstRule
from analyzer.findings import Confidence, Region, Severity

# (provider, pattern, needles). Each pattern matches the whole token; look-arounds keep it from
# matching inside a longer word. Every match contains one of the needles (a literal part of the
# pattern): a file without any is not searched with that pattern (19 regex scans of every file
# were this rule's cost; `needle in text` is a fast scan).
TOKEN_SHAPES: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (provider, re.compile(pattern), needles)
    for provider, pattern, needles in (
        ("AWS access key id", r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Za-z0-9])", ("AKIA", "ASIA", "ABIA", "ACCA")),
        ("GitHub token", r"(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}(?![A-Za-z0-9])", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
        ("GitHub fine-grained token", r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9])", ("github_pat_",)),
        ("GitLab token", r"(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_-]{20}(?![A-Za-z0-9_-])", ("glpat-",)),
        ("Anthropic API key", r"(?<![A-Za-z0-9_])sk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,}", ("sk-ant-",)),
        ("OpenAI API key", r"(?<![A-Za-z0-9_])sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}", ("T3BlbkFJ",)),
        ("OpenAI API key", r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9]{48}(?![A-Za-z0-9_-])", ("sk-",)),
        ("DeepSeek/DashScope API key", r"(?<![A-Za-z0-9_-])sk-[a-f0-9]{32}(?![A-Za-z0-9_-])", ("sk-",)),
        ("Slack token", r"(?<![A-Za-z0-9_])xox[abposre]-\d{6,}-[A-Za-z0-9-]{10,}", ("xox",)),
        ("Slack webhook URL", r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}", ("https://hooks.slack.com/services/",)),
        ("Discord webhook URL", r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d{15,}/[A-Za-z0-9_-]{60,}", ("/api/webhooks/",)),
        ("Stripe live key", r"(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{20,}", ("_live_",)),
        ("Google API key", r"(?<![A-Za-z0-9_])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])", ("AIza",)),
        ("Hugging Face token", r"(?<![A-Za-z0-9_])hf_[A-Za-z]{34}(?![A-Za-z0-9])", ("hf_",)),
        ("npm token", r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", ("npm_",)),
        ("PyPI token", r"(?<![A-Za-z0-9_])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", ("pypi-AgEIcHlwaS5vcmc",)),
        ("SendGrid API key", r"(?<![A-Za-z0-9_])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])", ("SG.",)),
        ("Telegram bot token", r"(?<![0-9])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])", (":AA",)),
        ("Groq API key", r"(?<![A-Za-z0-9_])gsk_[A-Za-z0-9]{52}(?![A-Za-z0-9])", ("gsk_",)),
    )
)
# Words that mark documentation placeholders rather than real credentials.
PLACEHOLDER = re.compile(r"(?i)example|x{4}|your|dummy|fake|sample|placeholder|redacted|changeme|0{6}|12345678|abcdefgh")
MIN_ENTROPY = 3.0  # bits per character of the random part; real tokens sit at 3.7-5.9
PRIVATE_KEY_HEADER = re.compile(r"-----BEGIN (?:(?:RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----")
# A key body: base64 across lines, possibly written with "\n" escapes and string concatenation.
KEY_BODY = re.compile(r"[A-Za-z0-9+/]{40,}")
KEY_BODY_NOISE = re.compile(r"""\\n|\\r|["'\s+()]""")
KEY_LOOKAHEAD = 400


def entropy(text: str) -> float:
    """Shannon entropy of `text` in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


def looks_random(token: str) -> bool:
    """Real credentials: not a placeholder, mixed character classes, high entropy."""
    body = re.sub(r"^[A-Za-z]{2,6}[_-](?:[a-z]{3,8}\d*[_-])?", "", token)  # drop the provider prefix
    classes = sum(bool(re.search(p, body)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return not PLACEHOLDER.search(token) and classes >= 2 and entropy(body) >= MIN_ENTROPY


def _offsets(text: str) -> list[int]:
    starts = [0]
    starts += [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    return starts


def _region(starts: list[int], begin: int, end: int) -> Region:
    line = bisect.bisect_right(starts, begin) - 1
    end_line = bisect.bisect_right(starts, max(begin, end - 1)) - 1
    return Region(line + 1, begin - starts[line] + 1, end_line + 1, end - starts[end_line] + 1)


class ApiTokenLiteral(CstRule):
    id = "DS350"
    name = "api-token-literal"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (798,)
    security_severity = "8.6"
    group = "hard-coded-credential"
    summary = "A provider API token (AWS, GitHub, OpenAI, Anthropic, Slack, Stripe...) is written in the source."
    what = (
        "Finds credentials by their published shape anywhere in the file (code, strings, comments): "
        "AWS access key ids (`AKIA`/`ASIA`…), GitHub (`ghp_`, `gho_`, `ghs_`, `github_pat_`), GitLab "
        "(`glpat-`), OpenAI (`sk-…T3BlbkFJ…`, legacy `sk-` + 48), Anthropic (`sk-ant-api03-`), "
        "DeepSeek/DashScope (`sk-` + 32 hex), Slack tokens and webhooks, Discord webhooks, Stripe "
        "live keys, Google API keys (`AIza`), Hugging Face (`hf_`), npm, PyPI, SendGrid, Telegram "
        "bot and Groq tokens. Documentation placeholders (`…EXAMPLE`, `xxxx`, `your…`) and "
        "low-entropy fillers are skipped. The variable name does not matter."
    )
    why = (
        "A key in source is a key in every clone, fork, CI log, package and AI-assistant context "
        "that ever sees the file; scrapers find new GitHub pushes within minutes, and deleting the "
        "line later does not remove it from history. Assistants paste the key the user showed them "
        "into the code \"for now\"."
    )
    fix = "Revoke the key now, then read it from the environment or a secret manager at run time."
    example = 'import openai\n\nclient = openai.OpenAI(api_key="sk-proj-' + "Xy7Qm2Lp9Rt4Vb8N" + "T3BlbkFJ" + 'q8Zk3Wn5Hs2Jd7Fg")\n'
    use_instead = 'import os\nimport openai\n\nclient = openai.OpenAI(api_key=os.environ["OPENAI_API_KEY"])\n'
    references = (
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://docs.github.com/en/code-security/secret-scanning/introduction/supported-secret-scanning-patterns",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds-programmatic-access.html",
    )

    VALID = (
        'import os\n\nAWS_KEY = os.environ["AWS_ACCESS_KEY_ID"]\n'
        '# ok: api-token-literal\nDOC_KEY = "AKIAIOSFODNN7EXAMPLE"  # the AWS documentation example\n',
        '# ok: api-token-literal\nOPENAI_KEY = os.getenv("OPENAI_API_KEY", "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")\n'
        '# ok: api-token-literal\nGITHUB_TOKEN = "ghp_your_token_here"\n',
        'def is_github_token(value: str) -> bool:\n    # ok: api-token-literal\n'
        '    return value.startswith(("ghp_", "gho_", "github_pat_")) and len(value) >= 40\n',
        '# ok: api-token-literal\nSKU = "sk-' + "0" * 32 + '"\n',
    )
    INVALID = (
        "import boto3\n\ns3 = boto3.client(\n    's3',\n"
        "    # ruleid: api-token-literal\n    aws_access_key_id='AKIA" + "4NQ7RZ2LXKTV6PWM" + "',\n"
        "    aws_secret_access_key=SECRET,\n)\n",
        "import requests\n\ndef create_issue(title):\n    headers = {\n"
        "        # ruleid: api-token-literal\n"
        "        'Authorization': 'token ghp_" + "8fK2mQ9xLr4Tz7Wc1Vb6Ny3Hd5Jp0Gs2Ae4R" + "',\n    }\n"
        "    return requests.post(URL, json={'title': title}, headers=headers, timeout=10)\n",
        "from anthropic import Anthropic\n\n# ruleid: api-token-literal\n"
        "client = Anthropic(api_key='sk-ant-api03-" + "Qw3rT8yU2iO9pA4sD7fG1hJ6kL5zX0cV" * 3 + "')\n",
        "# Old key, rotate later: xoxb-" + "284756193021-4829371650284-Zq8Lm2Nc7Rt4Vx9Wb1Kd3Hs6" + "\n"
        "SLACK_CHANNEL = '#alerts'\n",
        "# ruleid: api-token-literal\nDASHSCOPE_API_KEY = 'sk-" + "3f9a1c7e5b2d48e6a0c9f17b4d2e8a35" + "'\n",
    )

    def check_text(self) -> None:
        text = self.context.text
        starts: list[int] | None = None
        for provider, pattern, needles in TOKEN_SHAPES:
            if not any(needle in text for needle in needles):
                continue
            for match in pattern.finditer(text):
                if not looks_random(match.group()):
                    continue
                starts = starts or _offsets(text)
                self.report_at(
                    _region(starts, match.start(), match.end()),
                    f"{provider} written in the source: revoke it and load it from the environment or a secret store.",
                )


class PrivateKeyLiteral(CstRule):
    id = "DS351"
    name = "private-key-literal"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (798, 321)
    security_severity = "8.6"
    group = "hard-coded-credential"
    summary = "A PEM/OpenSSH/PGP private key is embedded in the source."
    what = (
        "Finds `-----BEGIN … PRIVATE KEY-----` headers (RSA, DSA, EC, OpenSSH, encrypted PKCS#8, PGP) "
        "followed by a base64 key body, whether written over several lines, with `\\n` escapes, or "
        "as concatenated strings. Code that only checks for the header (`pem.startswith(\"-----BEGIN "
        "RSA PRIVATE KEY-----\")`) has no body and is not reported."
    )
    why = (
        "A private key in source lets anyone with the repository impersonate the server, sign "
        "releases or tokens, or log in over SSH as the key's owner, and it stays in history after "
        "the line is removed. Assistants inline keys to make a TLS, JWT or SSH example self-contained."
    )
    fix = "Revoke and replace the key, then load it from a file outside the repository or a secret store."
    example = (
        'JWT_PRIVATE_KEY = """-----BEGIN RSA PRIVATE' ' KEY-----\n'
        "MIIEpAIBAAKCAQEA1x8mZq3Vb7Nc2Lr9Tz4Wk6Hd0Jp5Gs8Ae1Rf3Yu7Io2Pl4Km9\n"
        '-----END RSA PRIVATE KEY-----"""\n'
    )
    use_instead = 'from pathlib import Path\n\nJWT_PRIVATE_KEY = Path(os.environ["JWT_KEY_FILE"]).read_text()\n'
    references = (
        "https://cwe.mitre.org/data/definitions/321.html",
        "https://cwe.mitre.org/data/definitions/798.html",
    )

    VALID = (
        "def is_pem_key(data: str) -> bool:\n"
        '    # ok: private-key-literal\n    return data.startswith("-----BEGIN RSA PRIVATE KEY-----")\n',
        'HEADER = "-----BEGIN PRIVATE KEY-----"\n# ok: private-key-literal\nFOOTER = "-----END PRIVATE KEY-----"\n',
        'PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----\n'
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq3Vb7Nc2Lr9Tz4Wk6Hd0Jp5Gs8Ae1Rf3Yu7Io2Pl4Km9\n"
        '-----END PUBLIC KEY-----"""\n',
        '# ok: private-key-literal\nKEY = "-----BEGIN OPENSSH PRIVATE KEY-----\\n...\\n-----END OPENSSH PRIVATE KEY-----"\n',
    )
    INVALID = (
        "# ruleid: private-key-literal\n"
        'SIGNING_KEY = """-----BEGIN RSA PRIVATE' ' KEY-----\n'
        "MIIEpAIBAAKCAQEA1x8mZq3Vb7Nc2Lr9Tz4Wk6Hd0Jp5Gs8Ae1Rf3Yu7Io2Pl4Km9\n"
        "Xc6Vb1Nm8Qw2Er5Ty9Ui3Op7As4Df0Gh6Jk1Lz8Xc5Vb2Nm9Qw3Er6Ty0Ui4Op8As\n"
        '-----END RSA PRIVATE KEY-----"""\n',
        "import paramiko, io\n\ndef connect(host):\n"
        "    # ruleid: private-key-literal\n"
        '    key = paramiko.Ed25519Key.from_private_key(io.StringIO("-----BEGIN OPENSSH PRIVATE' ' KEY-----\\n"\n'
        '        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\\n"\n'
        '        "-----END OPENSSH PRIVATE KEY-----\\n"))\n'
        "    return key\n",
    )

    def check_text(self) -> None:
        text = self.context.text
        starts: list[int] | None = None
        for match in PRIVATE_KEY_HEADER.finditer(text):
            following = KEY_BODY_NOISE.sub("", text[match.end() : match.end() + KEY_LOOKAHEAD])
            if not KEY_BODY.match(following):
                continue
            starts = starts or _offsets(text)
            self.report_at(
                _region(starts, match.start(), match.end()),
                "Private key embedded in the source: replace it and load it from outside the repository.",
            )


# Keyword arguments and assignment targets that hold a credential (whole name, any case).
CREDENTIAL_NAME = re.compile(
    r"(?i)^(?:[a-z0-9]+_)*(?:password|passwd|pwd|secret|secret_key|client_secret|api_key|apikey|"
    r"access_key|secret_access_key|auth_token|access_token|private_key|signing_key)$"
)
MIN_SECRET_LENGTH = 12


def _credential_literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH and looks_random(value):
            return value
    return None


def _target_name(target: cst.BaseExpression) -> str | None:
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1:
        index = target.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            key = index.value.evaluated_value
            return key if isinstance(key, str) else None
    return None


class CredentialLiteral(CstRule):
    id = "DS352"
    name = "credential-literal"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (798, 259)
    security_severity = "7.5"
    group = "hard-coded-credential"
    summary = "A random-looking password or secret key is written in the source as a credential argument or setting."
    what = (
        "Finds string literals of 12 or more random-looking characters (mixed letters and digits, "
        "high entropy, no placeholder words) passed as a credential keyword argument (`password=`, "
        "`secret=`, `api_key=`, `token=`, `client_secret=`, `private_key=`, with any prefix such "
        "as `db_password=`) or assigned to such a name, attribute or key (`SECRET_KEY = ...`, "
        "`app.secret_key = ...`, `app.config[\"SECRET_KEY\"] = ...`). Short or dictionary-like "
        "values (`\"postgres\"`, `\"hunter2\"`) and placeholders (`\"changeme\"`, `\"your-key\"`) "
        "are not reported: they are test fixtures far more often than leaks."
    )
    why = (
        "A password or signing key in source is known to everyone who can read the repository, its "
        "forks and its CI logs, and it stays in history after the line is removed. A leaked Flask or "
        "Django SECRET_KEY lets anyone forge sessions and password-reset links. Assistants paste "
        "the value the user showed them to make the example run."
    )
    fix = "Rotate the credential, then read it from the environment or a secret store at run time."
    example = (
        "import psycopg2\n\nconn = psycopg2.connect(host=\"db.internal\", user=\"orders\", "
        "password=\"Tq7vLm2Xw9Rk4Bn8\")\n"
    )
    use_instead = (
        "import os\nimport psycopg2\n\nconn = psycopg2.connect(host=\"db.internal\", user=\"orders\", "
        "password=os.environ[\"ORDERS_DB_PASSWORD\"])\n"
    )
    references = (
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html",
    )

    VALID = (
        "import psycopg2\n\n# ok: credential-literal\nconn = psycopg2.connect(user=\"app\", password=\"postgres\")\n",
        "import os\n\n# ok: credential-literal\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n"
        "# ok: credential-literal\nTEST_PASSWORD = \"correct-horse-battery\"\n",
        "# ok: credential-literal\nclient = Client(token_type=\"Bearer\", region=\"eu-west-1a9b8c7d6\")\n"
        "# ok: credential-literal\nAPI_KEY = \"your-api-key-goes-here\"\n",
    )
    INVALID = (
        "import psycopg2\n\n# ruleid: credential-literal\n"
        "conn = psycopg2.connect(host=\"db\", user=\"orders\", password=\"wLfKkaVE!tNMO66iv9\")\n",
        "from flask import Flask\n\napp = Flask(__name__)\n# ruleid: credential-literal\n"
        "app.config[\"SECRET_KEY\"] = \"U2aC13Fa61ESYhD1NfFPb9jTo6z5xcIcQPzMuEGQ\"\n",
        "# ruleid: credential-literal\nSECRET_KEY = \"k3J9x!vQ2mR7tL5wZ8pB4nC6\"\n",
    )

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and CREDENTIAL_NAME.match(node.keyword.value) and _credential_literal(node.value):
            self.report(node, f"`{node.keyword.value}=` is a literal credential: rotate it and read it from the "
                              "environment or a secret store.")

    def visit_Assign(self, node: cst.Assign) -> None:
        if _credential_literal(node.value) is None:
            return
        for target in node.targets:
            name = _target_name(target.target)
            if name is not None and CREDENTIAL_NAME.match(name):
                self.report(node, f"`{name}` is set to a literal credential: rotate it and read it from the "
                                  "environment or a secret store.")
                return
