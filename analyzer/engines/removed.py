"""Safeguards a change deletes (DS390 `security-check-removed`).

A change that only deletes lines gives the engines nothing to flag, yet deleting
`@login_required`, `verify=True`, `hmac.compare_digest(...)` or an `abort(403)` can open a hole.
This stage lists the safeguards in a file before and after the change; one that is gone, and sat
on a line the change deleted, is reported where the deletion happened.

Comparing counts per file, not lines, keeps moves and reformatting quiet: a safeguard deleted in
one place and written again elsewhere in the same file is not reported. Access-control decorators
are counted per decorated function, since moving one to another endpoint leaves the first open.
When only the patch is known (no pre-image), the hunks' lines are read one by one, tolerating
fragments.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from analyzer.rulespec import StageCase, StageRule, spec_from_mapping
from analyzer.diff import Removal, change_from_texts, removal_of
from analyzer.findings import Finding, Region

ENGINE = "diff"
RULE_ID = "DS390"

# Decorators whose whole purpose is access control (Flask-Login, Django auth, flask-jwt-extended,
# Flask-HTTPAuth, Flask-Security, django-ratelimit is not one).
_GUARD_DECORATOR_WORDS = frozenset({"auth", "authenticated", "authorized", "authorised", "authorize", "authorise"})
_GUARD_DECORATOR_NOUNS = frozenset(
    {"login", "auth", "permission", "permissions", "perm", "perms", "role", "roles", "admin", "jwt", "token",
     "key", "staff", "superuser", "scope", "scopes", "mfa", "csrf", "signature"}
)
_GUARD_DECORATOR_NAMES = frozenset(
    {"user_passes_test", "csrf_protect", "roles_accepted", "staff_member_required", "sensitive_post_parameters"}
)
# Calls that check, compare safely or neutralise input.
_SAFE_CALLS = frozenset(
    {"compare_digest", "secure_filename", "safe_join", "check_password_hash", "check_password", "verify_password",
     "url_has_allowed_host_and_scheme", "is_safe_url", "validate_csrf", "escape", "conditional_escape",
     "CSRFProtect", "Talisman"}
)
_QUALIFIED_CALLS = {"quote": {"", "shlex"}, "clean": {"bleach"}, "literal_eval": {"ast"}}
_CHECK_CALL = re.compile(
    r"^(?:verify|check|validate|require|requires|ensure|enforce|authorize|authorise|authenticate|assert|has)_"
    r"(?:\w+_)?(?P<noun>auth|authentication|authorization|login|permission|permissions|perm|perms|role|roles|"
    r"admin|csrf|signature|sig|token|hmac|password|access|owner|ownership|scope|scopes|api_key|apikey|"
    r"credentials|mfa|otp)(?:_\w+)?$"
    r"|^(?P<sanitiser>sanitize|sanitise)(?:_\w+)?$|^(?P<verb>authorize|authorise|authenticate)$"
)
_AUTH_DEPENDENCY = re.compile(r"current_user|current_active|auth|token|api_key|apikey|permission|verify|require")
_DENIAL_EXCEPTIONS = frozenset(
    {"PermissionDenied", "Forbidden", "Unauthorized", "Unauthorised", "AuthenticationFailed", "NotAuthenticated",
     "AccessDenied", "PermissionError", "SuspiciousOperation", "HTTPForbidden", "HTTPUnauthorized",
     "InvalidSignature", "InvalidSignatureError", "BadSignature", "AuthenticationError", "AuthError"}
)
_DENIAL_STATUS = re.compile(r"^(401|403)$|FORBIDDEN|UNAUTHORIZED|HTTP_401|HTTP_403")
# keyword / setting -> the values that keep a protection on
_SAFE_SETTINGS = {
    "verify": {"True"}, "verify_ssl": {"True"}, "check_hostname": {"True"}, "cert_reqs": {"CERT_REQUIRED"},
    "verify_mode": {"CERT_REQUIRED"}, "autoescape": {"True", "select_autoescape"}, "weights_only": {"True"},
    "secure": {"True"}, "httponly": {"True"}, "allow_pickle": {"False"}, "trust_remote_code": {"False"},
    "verify_signature": {"True"}, "verify_exp": {"True"}, "verify_aud": {"True"},
    "SESSION_COOKIE_SECURE": {"True"}, "SESSION_COOKIE_HTTPONLY": {"True"}, "CSRF_COOKIE_SECURE": {"True"},
    "CSRF_COOKIE_HTTPONLY": {"True"}, "WTF_CSRF_ENABLED": {"True"}, "SECURE_SSL_REDIRECT": {"True"},
}
# Words one of the safeguards above contains: deleted lines without any are not parsed at all.
_MAYBE = re.compile(
    r"auth|login|perm|role|admin|csrf|sig|token|hmac|passw|access|owner|scope|api_?key|credential|mfa|otp|"
    r"saniti|escape|quote|clean|secure|safe|compare_digest|allowed_host|abort|40[13]|forbidden|unauthori|"
    r"denied|verify|check|cert_reqs|autoescape|weights_only|httponly|allow_pickle|trust_remote_code|"
    r"middleware|talisman|depends|security|require|literal_eval|suspicious|invalid",
    re.IGNORECASE,
)
_SAFE_MIDDLEWARE = ("CsrfViewMiddleware", "AuthenticationMiddleware", "SecurityMiddleware",
                    "XFrameOptionsMiddleware")


@dataclass(frozen=True)
class Safeguard:
    key: str  # compared between before and after
    label: str  # shown to people
    first: int  # lines in the text it was found in
    last: int


# --- finding safeguards in code -----------------------------------------------------------------


def safeguards(text: str) -> list[Safeguard]:
    """Every safeguard in `text`; a text Python cannot parse is read line by line."""
    try:
        trees: Iterable[ast.AST] = [ast.parse(text)]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        trees = _parse_lines(text)
    found = [guard for tree in trees for guard in _in_tree(tree)]
    return sorted(set(found), key=lambda g: (g.first, g.key))


def _parse_lines(text: str) -> Iterator[ast.AST]:
    """Each line parsed on its own, with the wrappings that make a fragment valid Python: a
    header without its body, a decorator without its function, a keyword argument or dict item
    of a call that spans several lines."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip().removesuffix(",")
        if not stripped or stripped.startswith("#"):
            continue
        for candidate in (stripped, stripped + " pass", stripped + "\ndef _f(): pass", f"_f({stripped})",
                          "{" + stripped + "}"):
            try:
                tree = ast.parse(candidate)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
            yield ast.increment_lineno(tree, number - 1)
            break


def _in_tree(tree: ast.AST) -> Iterator[Safeguard]:
    decorators: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in node.decorator_list:
                decorators.add(id(decorator))
                name = _dotted(decorator.func if isinstance(decorator, ast.Call) else decorator)
                if _is_guard_decorator(name):
                    # Keyed by the function too: a decorator moved to another endpoint leaves this one open.
                    yield _guard(f"decorator {name.rsplit('.', 1)[-1]} on {node.name}", f"`@{name}`", decorator)
        if isinstance(node, ast.Call) and id(node) not in decorators:
            yield from _in_call(node)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            name = _dotted(exc).rsplit(".", 1)[-1]
            if name in _DENIAL_EXCEPTIONS or (isinstance(node.exc, ast.Call) and _denial_status(node.exc)):
                yield _guard(f"denial raise {name}", f"`raise {name}`", node)
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and node.value.elts:
            status = _literal(node.value.elts[-1])
            if _DENIAL_STATUS.search(status):
                yield _guard(f"denial return {status}", f"`return ..., {status}`", node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                yield from _setting(_target_name(target), node.value, node)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield from _setting(key.value, value, key)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(_SAFE_MIDDLEWARE):
            yield _guard(f"middleware {node.value.rsplit('.', 1)[-1]}", f"`{node.value}`", node)


def _in_call(node: ast.Call) -> Iterator[Safeguard]:
    name = _dotted(node.func)
    qualifier, _, last = name.rpartition(".")
    check = _CHECK_CALL.match(last) if last else None
    if last in _SAFE_CALLS or qualifier in _QUALIFIED_CALLS.get(last, ()):
        yield _guard(f"call {last}", f"`{name}(...)`", node)
    elif check:
        # By what it checks, so that `validate_password` replaced by `validate_password_for_user` is quiet.
        what = (check.group("noun") or check.group("sanitiser") or check.group("verb")).rstrip("s")
        yield _guard(f"check {what.replace('authorise', 'authorize').replace('sanitise', 'sanitize')}",
                     f"`{name}(...)`", node)
    elif last in ("Depends", "Security") and node.args and _AUTH_DEPENDENCY.search(_dotted(node.args[0]).lower()):
        yield _guard(f"dependency {_dotted(node.args[0])}", f"`{last}({_dotted(node.args[0])})`", node)
    elif last == "abort" and node.args and _DENIAL_STATUS.search(_literal(node.args[0])):
        yield _guard(f"denial abort {_literal(node.args[0])}", f"`abort({_literal(node.args[0])})`", node)
    elif last.startswith(("HttpResponseForbidden", "HTTPForbidden", "HTTPUnauthorized")):
        yield _guard(f"denial {last}", f"`{last}(...)`", node)
    for keyword in node.keywords:
        if keyword.arg in ("status", "status_code") and _DENIAL_STATUS.search(_literal(keyword.value)):
            yield _guard(f"denial status {_literal(keyword.value)}", f"`{keyword.arg}={_literal(keyword.value)}`",
                         keyword)
        elif keyword.arg:
            yield from _setting(keyword.arg, keyword.value, keyword)


def _setting(name: str, value: ast.AST, where: ast.AST) -> Iterator[Safeguard]:
    safe = _SAFE_SETTINGS.get(name)
    if not safe:
        return
    shown = _literal(value)
    if shown.rsplit(".", 1)[-1].strip("'\"") in safe or (isinstance(value, ast.Call) and _dotted(value.func) in safe):
        yield _guard(f"setting {name}={shown}", f"`{name}={shown}`", where)


def _denial_status(call: ast.Call) -> bool:
    values = [*call.args[:1], *(k.value for k in call.keywords if k.arg in ("status_code", "status", "code"))]
    return any(_DENIAL_STATUS.search(_literal(v)) for v in values)


def _is_guard_decorator(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    parts = set(re.split(r"[._]", name.lower()))
    return (
        last in _GUARD_DECORATOR_NAMES
        or bool(parts & _GUARD_DECORATOR_WORDS)
        or ("required" in parts and bool(parts & _GUARD_DECORATOR_NOUNS))
        or last.startswith(("requires_", "require_"))
    )


def _guard(key: str, label: str, node: ast.AST) -> Safeguard:
    first = getattr(node, "lineno", 1)
    return Safeguard(key, label, first, getattr(node, "end_lineno", None) or first)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    return ""


def _target_name(node: ast.AST) -> str:
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return str(node.slice.value)
    return _dotted(node).rsplit(".", 1)[-1]


def _literal(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    return _dotted(node) or ast.unparse(node)


# --- the stage ----------------------------------------------------------------------------------


def find(removals: Iterable[Removal]) -> list[Finding]:
    """One finding per place where a change deleted safeguards it did not write again."""
    findings = []
    for removal in removals:
        lines = removal.before.split("\n")  # numbered as git numbers them
        if not _MAYBE.search("\n".join(lines[n - 1] for n in removal.removed if 0 < n <= len(lines))):
            continue
        before = safeguards(removal.before)
        remaining = Counter(g.key for g in safeguards(removal.after))
        candidates = []
        for guard in before:
            deleted = [n for n in range(guard.first, guard.last + 1) if n in removal.removed]
            if deleted:
                candidates.append((guard, deleted[0]))
            else:
                remaining[guard.key] -= 1  # untouched: it is one of those still there
        gone: dict[int, list[Safeguard]] = {}
        for guard, first_deleted in candidates:
            if remaining[guard.key] > 0:  # written again elsewhere (moved, reformatted)
                remaining[guard.key] -= 1
                continue
            gone.setdefault(removal.anchors[first_deleted], []).append(guard)
        findings += [_finding(removal, anchor, guards) for anchor, guards in sorted(gone.items())]
    return findings


def _finding(removal: Removal, anchor: int, guards: Sequence[Safeguard]) -> Finding:
    labels = list(dict.fromkeys(g.label for g in guards))
    lines = sorted({g.first for g in guards})
    shown = ", ".join(map(str, lines[:4])) + (f" and {len(lines) - 4} more" if len(lines) > 4 else "")
    where = f"line {lines[0]}" if len(lines) == 1 else f"lines {shown}"
    what = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    last_line = max(1, len(removal.after.splitlines()))
    return Finding(
        rule_id=RULE_ID,
        path=removal.path,
        region=Region(min(anchor, last_line)),
        message=(f"This change deletes {what} ({where} before the change) and adds nothing equivalent to this "
                 "file. Check that the protection still happens somewhere."),
        severity=SPEC.severity,
        confidence=SPEC.confidence,
        engines=(ENGINE,),
    )


def _check(case: StageCase, catalogue: object) -> list[Finding]:
    change = change_from_texts(case.path, case.before or "", case.after)
    removal = removal_of(change, case.before, case.after)
    return find([removal] if removal else [])


SPEC = spec_from_mapping(
    {
        "id": RULE_ID,
        "name": "security-check-removed",
        "severity": "warning",
        "confidence": "medium",
        "cwe": [693, 306],
        "security-severity": "6.8",
        "summary": "The change deletes an authentication, verification or sanitising step.",
        "what": (
            "Reports, in diff modes, safeguards on lines the change deleted that are not written again elsewhere "
            "in the file (a decorator: on the same function): access-control decorators (`@login_required`, `@permission_required`, "
            "`@jwt_required`...), auth dependencies (`Depends(get_current_user)`), check calls "
            "(`hmac.compare_digest`, `check_password_hash`, `verify_signature`, `has_permission`...), "
            "sanitisers (`shlex.quote`, `secure_filename`, `html.escape`, `bleach.clean`), denials "
            "(`abort(403)`, `raise PermissionDenied`), protective settings (`verify=True`, "
            "`check_hostname=True`, `autoescape=True`, `weights_only=True`, secure cookies) and Django's CSRF, "
            "auth and security middleware."
        ),
        "why": (
            "Deleting a check is as dangerous as adding a hole, but no line is added for a scanner to flag "
            "and a reviewer reads red lines less carefully than green ones. Assistants remove checks that make "
            "a test or a request fail (a 403, a certificate error, a signature mismatch) to make it pass."
        ),
        "fix": "Keep the check, or show in the same change where the protection now happens.",
        "example": (
            "-@login_required\n"
            " @app.post(\"/notes/<int:note_id>/delete\")\n"
            " def delete_note(note_id):\n"
        ),
        "use-instead": (
            " @login_required\n"
            " @app.post(\"/notes/<int:note_id>/delete\")\n"
            " def delete_note(note_id):\n"
        ),
        "references": [
            "https://cwe.mitre.org/data/definitions/693.html",
            "https://cwe.mitre.org/data/definitions/306.html",
        ],
        "scope": "lines",
    },
    engine=ENGINE,
    source="analyzer/engines/removed.py",
)

_VIEW = '''from flask import Flask, abort, request
from flask_login import current_user, login_required

app = Flask(__name__)


@app.post("/notes/<int:note_id>/delete")
@login_required
def delete_note(note_id):
    note = Note.query.get_or_404(note_id)
    if note.owner_id != current_user.id:
        abort(403)
    db.session.delete(note)
    return {"deleted": note_id}
'''
_WEBHOOK = '''import hashlib
import hmac


def handle_webhook(request, secret: bytes):
    expected = hmac.new(secret, request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, request.headers["X-Signature"]):
        raise PermissionDenied("bad signature")
    return process(request.json)
'''
_CLIENT = '''import requests


def fetch_config(url: str) -> dict:
    response = requests.get(
        url,
        timeout=10,
        verify=True,
    )
    return response.json()
'''

RULES = (
    StageRule(
        spec=SPEC,
        invalid=(
            # The assistant "fixes" a 401 in tests by dropping the decorator.
            StageCase(_VIEW.replace("@login_required\n", ""), _VIEW),
            # A signature check deleted from a webhook handler.
            StageCase(_WEBHOOK.replace(
                '    if not hmac.compare_digest(expected, request.headers["X-Signature"]):\n'
                '        raise PermissionDenied("bad signature")\n', ""), _WEBHOOK),
            # The owner check goes, the decorator stays.
            StageCase(_VIEW.replace("    if note.owner_id != current_user.id:\n        abort(403)\n", ""), _VIEW),
            # `verify=True` deleted from a multi-line call.
            StageCase(_CLIENT.replace("        verify=True,\n", ""), _CLIENT),
        ),
        valid=(
            # Unrelated lines deleted next to the checks.
            StageCase(_VIEW.replace("    db.session.delete(note)\n", ""), _VIEW),
            # The decorator moved above the route: deleted and written again.
            StageCase(
                _VIEW.replace('@app.post("/notes/<int:note_id>/delete")\n@login_required\n',
                              '@login_required\n@app.post("/notes/<int:note_id>/delete")\n'),
                _VIEW,
            ),
            # The call reformatted onto one line: `verify=True` is still there.
            StageCase(_CLIENT.replace("(\n        url,\n        timeout=10,\n        verify=True,\n    )",
                                      "(url, timeout=10, verify=True)"), _CLIENT),
            # `timeout=` and a log line deleted; `check_output` is not a check.
            StageCase(
                "import subprocess\n\ndef version():\n    return subprocess.check_output(['git', '--version'])\n",
                "import logging\nimport subprocess\n\ndef version():\n    logging.info('asking git')\n"
                "    return subprocess.check_output(['git', '--version'], timeout=5)\n",
            ),
            # A new file: nothing was deleted.
            StageCase(_VIEW, None),
        ),
        check=_check,
    ),
)
