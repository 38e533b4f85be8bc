"""Authentication bypass: magic values that decide who gets in (DS17x).

Recognised by the shape of the code, not by one variable name:

* an *input* is a function parameter, request data (`request.args/form/headers/cookies/json…`,
  Django's `GET/POST/META/COOKIES`, Starlette's `query_params`) or a local assigned from one;
* an *access decision* is a function that denies (`abort(401)`, `raise PermissionDenied`,
  `return …, 403`), grants (`login_user`, a session write, `jwt.encode`, handing on to the wrapped
  view), or verifies (`compare_digest`, `checkpw`, `check_password_hash`, `.verify(...)`,
  `jwt.decode`), or whose name says it authenticates;
* a *magic value* is a string literal compared with an input there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import libcst as cst

from analyzer.engines.cst.framework import CstRule
from analyzer.engines.cst.rules._support import (
    arg,
    call_name,
    calls_in,
    comparisons,
    const_int,
    const_str,
    dotted,
    import_aliases,
    qualified,
    remember,
    single_bindings,
    source_of,
    walk,
)
from analyzer.findings import Confidence, Severity

_REQUEST_FIELDS = frozenset({
    "args", "form", "headers", "cookies", "values", "json", "data", "get_json", "authorization", "GET", "POST",
    "META", "COOKIES", "query_params", "path_params", "body", "files",
})
_VERIFY = re.compile(
    r"(^|\.)(compare_digest|checkpw|check_password_hash|check_password|verify(_password|_token|_signature)?|"
    r"authenticate|hashpw|pbkdf2_hmac|validate_token|check_token)$|^jwt\.decode$"
)
_GRANT = re.compile(r"(^|\.)(login_user|login|create_access_token|create_refresh_token|encode|set_cookie|remember)$")
_DENY_EXC = re.compile(r"(Unauthori[sz]ed|Forbidden|PermissionDenied|NotAuthenticated|AuthenticationFailed|AccessDenied)")
# Whole words of a function name (`verify_token`, `login_required`), not substrings (`tokeniter`).
_AUTH_FUNC = re.compile(
    r"(?i)(^|_)(auth\w*|login\w*|logon|sign_?in|verify\w*|password|passwd|token|secret|credentials?|api_?key|"
    r"permissions?|is_admin|is_staff|is_superuser|authori[sz]ed|access|requires?_\w+)(_|$)"
)
_CREDENTIAL_INPUT = re.compile(r"(?i)(pass(word|wd|phrase)?|pwd|secret|token|api_?key|apikey|\bpin\b|otp|credential|"
                               r"x-api-key|x-auth|authorization|master|admin)")
_IDENTITY_INPUT = re.compile(r"(?i)user|role|login|account|name|pass|token|key")
_FLAG_WORDS = frozenset({
    "", "0", "1", "true", "false", "yes", "no", "y", "n", "on", "off", "t", "f", "none", "null", "enabled",
    "disabled", "enable", "disable",
})
_HTTP_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "POST", "PUT", "PATCH", "DELETE", "CONNECT"})
_PRIVILEGED_WORDS = frozenset({
    "admin", "root", "superuser", "administrator", "backdoor", "master", "debug", "letmein", "changeme",
    "password", "secret", "god", "sudo",
})


def _secret_like(value: str) -> bool:
    """A literal that reads like a password or token, not like a word, a path, a URL or a header name."""
    if len(value) < 6 or re.search(r"\s", value) or value.startswith("/") or "://" in value:
        return False
    if re.fullmatch(r"[a-z]+([-_.][a-z]+)*|[A-Z][a-z]+|[A-Z]+(_[A-Z]+)*|\d+([.:]\d+)*", value):
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]"))
    return classes >= 2


@dataclass
class _Function:
    node: cst.FunctionDef
    params: set[str]
    inputs: set[str] = field(default_factory=set)
    bindings: dict[str, cst.BaseExpression] = field(default_factory=dict)


class _AuthRule(CstRule):
    """Shared analysis: inputs, access-decision signals and literal comparisons per function."""

    def visit_Module(self, node: cst.Module) -> None:
        self._aliases = import_aliases(node)
        self._module_bindings = single_bindings(node)
        self._stack: list[_Function] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # The same for DS170, DS171 and DS172 (it depends on the function and its module only).
        fn = remember("auth-function", node, lambda: self._function(node))
        self._stack.append(fn)
        self.check_function(fn)

    def _function(self, node: cst.FunctionDef) -> _Function:
        params = {p.name.value for p in (*node.params.params, *node.params.posonly_params, *node.params.kwonly_params)}
        params.discard("self")
        params.discard("cls")
        fn = _Function(node, params, set(params), {**self._module_bindings, **single_bindings(node.body)})
        for target, value in _assignments(node.body):
            if self._is_input(value, fn):
                fn.inputs.add(target)
        return fn

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._stack.pop()

    def check_function(self, fn: _Function) -> None:
        raise NotImplementedError

    # --- inputs ---------------------------------------------------------------------------------

    def _is_request_data(self, node: cst.CSTNode) -> bool:
        for sub in _walk(node):
            if isinstance(sub, cst.Attribute) and sub.attr.value in _REQUEST_FIELDS:
                base = qualified(sub.value, self._aliases) or ""
                if base.endswith(("request", "req")) or base in ("flask.request", "quart.request"):
                    return True
        return False

    def _is_input(self, node: cst.CSTNode, fn: _Function) -> bool:
        if self._is_request_data(node):
            return True
        return any(isinstance(sub, cst.Name) and sub.value in fn.inputs for sub in _walk(node))

    # --- what the function does -----------------------------------------------------------------

    def _call_names(self, node: cst.CSTNode) -> Iterator[tuple[cst.Call, str]]:
        for call in calls_in(node):
            name = call_name(call, self._aliases)
            if not name and isinstance(call.func, cst.Attribute):
                name = "?." + call.func.attr.value
            yield call, name

    def denies(self, node: cst.CSTNode) -> bool:
        return remember("auth-denies", node, lambda: self._denies(node))

    def _denies(self, node: cst.CSTNode) -> bool:
        for call, name in self._call_names(node):
            if name.endswith("abort") and call.args and const_int(call.args[0].value) in (401, 403):
                return True
            if _DENY_EXC.search(name):
                return True
            if name.endswith("HTTPException") and any(const_int(a.value) in (401, 403) for a in call.args):
                return True
            if any(a.keyword and a.keyword.value in ("status", "status_code") and const_int(a.value) in (401, 403)
                   for a in call.args):
                return True
        for sub in _walk(node):  # (exact types below: neither class has subclasses)
            if type(sub) is cst.Return and isinstance(sub.value, cst.Tuple):
                if any(const_int(el.value) in (401, 403) for el in sub.value.elements):
                    return True
            if type(sub) is cst.Raise and sub.exc is not None and _DENY_EXC.search(source_of(sub.exc)):
                return True
        return False

    def verifies(self, node: cst.CSTNode) -> bool:
        return remember("auth-verifies", node, lambda: any(_VERIFY.search(name) for _, name in self._call_names(node)))

    def grants(self, node: cst.CSTNode, fn: _Function) -> bool:
        """Does `node` let the caller in: return True, hand on to the wrapped view, log in, mint a token?"""
        outer_params = {p for f in self._stack[:-1] for p in f.params}
        for sub in _walk(node):
            if isinstance(sub, cst.Return) and isinstance(sub.value, cst.Name) and sub.value.value == "True":
                return True
            if isinstance(sub, cst.Return) and isinstance(sub.value, cst.Call):
                callee = dotted(sub.value.func) or ""
                if callee in outer_params or callee.endswith(("get_response", "call_next")):
                    return True
            if isinstance(sub, cst.Assign):
                for target in sub.targets:
                    text = source_of(target.target)
                    if text.startswith(("session[", "g.user", "flask.g.user", "request.user")) or re.search(
                        r"\.(is_admin|is_superuser|is_staff|is_authenticated|authenticated|role)$", text
                    ):
                        return True
        return any(_GRANT.search(name) and not name.endswith(".decode") for _, name in self._call_names(node))

    def decides_access(self, fn: _Function) -> bool:
        body = fn.node.body
        return (
            self.denies(body) or self.verifies(body) or bool(_AUTH_FUNC.search(fn.node.name.value))
            or any(_AUTH_FUNC.search(source_of(d.decorator)) for d in fn.node.decorators)
        )

    # --- comparisons ----------------------------------------------------------------------------

    def literal_comparisons(self, test: cst.BaseExpression, fn: _Function) -> Iterator[tuple[cst.Comparison, cst.BaseExpression, list[str]]]:
        """(comparison, input operand, literal values) for `input ==/!=/in literal(s)`."""
        for cmp in comparisons(test):
            if not all(isinstance(t.operator, (cst.Equal, cst.NotEqual, cst.In, cst.NotIn)) for t in cmp.comparisons):
                continue
            operands = [cmp.left, *(t.comparator for t in cmp.comparisons)]
            if any(isinstance(t.operator, (cst.In, cst.NotIn)) for t in cmp.comparisons) and (
                _literal_values(cmp.left) is not None
            ):
                continue  # `"key" in request.headers` tests a key, not a value
            inputs = [o for o in operands if _literal_values(o) is None and self._is_input(o, fn)]
            literals = [_literal_values(o) for o in operands if _literal_values(o) is not None]
            if len(inputs) == 1 and literals:
                yield cmp, inputs[0], [v for vs in literals for v in vs]  # type: ignore[union-attr]


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under `node`, not descending into nested functions, classes or lambdas."""
    return walk(node, into_scopes=False)


def _assignments(body: cst.CSTNode) -> Iterator[tuple[str, cst.BaseExpression]]:
    for sub in _walk(body):
        kind = type(sub)  # (exact types: neither class has subclasses)
        if kind is cst.Assign:
            for target in sub.targets:
                if isinstance(target.target, cst.Name):
                    yield target.target.value, sub.value
        elif kind is cst.AnnAssign and isinstance(sub.target, cst.Name) and sub.value is not None:
            yield sub.target.value, sub.value


def _literal_values(node: cst.BaseExpression) -> list[str] | None:
    value = const_str(node) if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) else None
    if value is not None:
        return [value]
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)) and node.elements:
        values = [_literal_values(el.value) for el in node.elements]
        return None if any(v is None for v in values) else [x for v in values for x in v]  # type: ignore[union-attr]
    return None


def _tests(fn: cst.FunctionDef) -> Iterator[tuple[cst.BaseExpression, Sequence[cst.CSTNode]]]:
    """(condition, what it decides) for every `if` and `return <expr>` of the function itself."""
    for sub in _walk(fn.body):
        if isinstance(sub, cst.If):
            yield sub.test, (sub.body,)
        elif isinstance(sub, cst.Return) and isinstance(sub.value, (cst.Comparison, cst.BooleanOperation)):
            yield sub.value, ()


class MagicCredentialCheck(_AuthRule):
    TRIGGER = re.compile(r"[=!]=|\bin\s*[(\[{]")
    id = "DS170"
    name = "input-compared-to-literal-credential"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (798, 287)
    security_severity = "8.8"
    summary = "An access decision compares user input with a hard-coded password, token or privileged name."
    what = (
        "Reports, inside functions that decide access (they deny with 401/403 or a permission "
        "exception, grant with a login/session/token, verify with `compare_digest`/`checkpw`/"
        "`check_password_hash`/`.verify`, or are named for authentication), comparisons of an input "
        "(a parameter, request data, or a local derived from them) with a string literal that looks "
        "like a credential (mixed letters, digits and symbols, or a privileged word such as `admin`), "
        "or any literal when the input is itself a password/token/key. Works whatever the variables "
        "are called: the shape of the function is the signal."
    )
    why = (
        "A literal in the source is the same for every installation and readable by anyone who sees "
        "the code or the package: a built-in master password. Next to a real check it is a backdoor "
        "(`if pw == 'x': return True` before `checkpw`); alone it is a credential that cannot be "
        "rotated. AI assistants write both when asked for a quick login."
    )
    fix = "Look the credential up in a store and verify it with a constant-time, hashed comparison."
    example = (
        "def verify_password(user, password):\n"
        "    if password == 'Sup3r$ecret!':\n"
        "        return True\n"
        "    return bcrypt.checkpw(password.encode(), user.pw_hash)\n"
    )
    use_instead = (
        "def verify_password(user, password):\n"
        "    return bcrypt.checkpw(password.encode(), user.pw_hash)\n"
    )
    references = ("https://cwe.mitre.org/data/definitions/798.html", "https://cwe.mitre.org/data/definitions/287.html")

    VALID = (
        # a real verification, no literal
        "import bcrypt\n"
        "def check(user, candidate):\n"
        "    return bcrypt.checkpw(candidate.encode(), user.pw_hash)\n",
        # parsing a flag value is not a credential
        "def parse_bool(value):\n"
        "    if value.lower() in ('1', 'true', 'yes', 'on'):\n"
        "        return True\n"
        "    if value.lower() in ('0', 'false', 'no', 'off'):\n"
        "        return False\n"
        "    raise ValueError(value)\n",
        # a Flask login view dispatching on the HTTP method and a form field name
        "from flask import request, abort\nfrom flask_login import login_user\n"
        "def login():\n"
        "    if request.method == 'POST' and request.form.get('remember') == 'on':\n"
        "        pass\n"
        "    user = find_user(request.form['username'])\n"
        "    if user is None or not user.check_password(request.form['password']):\n"
        "        abort(401)\n"
        "    login_user(user)\n",
        # a lexer state compared with "root" in a function whose name merely contains "token"
        "def tokeniter(source, state=None):\n"
        "    if state is not None and state != 'root':\n"
        "        assert state in ('variable', 'block'), 'invalid state'\n"
        "    return iter(source)\n",
        # a mock transport routing on the URL path, decoding the body
        "def handler(request):\n"
        "    if request.url.path == '/redirect_301':\n"
        "        return Response(301, text=request.content.decode('ascii'))\n"
        "    if 'www-authenticate' not in request.headers:\n"
        "        return Response(401)\n"
        "    return Response(200)\n",
        # OAuth grant type dispatch in a token endpoint
        "def token_endpoint(grant_type, code):\n"
        "    if grant_type == 'authorization_code':\n"
        "        return exchange(code)\n"
        "    raise PermissionDenied('unsupported grant')\n",
    )
    INVALID = (
        "import bcrypt\n"
        "def check(u, p):\n"
        "    # ruleid: input-compared-to-literal-credential\n"
        "    if p == 'Sup3r$ecret!':\n"
        "        return True\n"
        "    return bcrypt.checkpw(p.encode(), u.pw_hash)\n",
        "from flask import request, session, redirect\n"
        "def login():\n"
        "    user = request.form.get('user')\n"
        "    # ruleid: input-compared-to-literal-credential\n"
        "    if user == 'admin' and request.form.get('pw') == 'admin123':\n"
        "        session['user_id'] = 0\n"
        "        return redirect('/admin')\n"
        "    return 'denied', 401\n",
        "from fastapi import Header, HTTPException\n"
        "async def require_token(x_token: str = Header(...)):\n"
        "    # ruleid: input-compared-to-literal-credential\n"
        "    if x_token != 'fake-super-secret-token':\n"
        "        raise HTTPException(status_code=401, detail='bad token')\n",
        "def is_valid_api_key(key):\n"
        "    # ruleid: input-compared-to-literal-credential\n"
        "    return key in ('k-8f2b1c', 'k-77aa0e')\n",
    )

    def check_function(self, fn: _Function) -> None:
        if not self.decides_access(fn):
            return
        for test, _ in _tests(fn.node):
            for cmp, operand, values in self.literal_comparisons(test, fn):
                if self._is_credential(operand, values):
                    self.report(cmp, "User input is compared with a hard-coded credential in an access decision.")
                    break

    def _is_credential(self, operand: cst.BaseExpression, values: list[str]) -> bool:
        if any(v in _HTTP_METHODS for v in values) or all(v.lower() in _FLAG_WORDS for v in values):
            return False
        if source_of(operand).endswith(".method"):
            return False
        if any(_secret_like(v) for v in values):
            return True
        # `admin`, `root`… are privileged identities only when compared with a user or role.
        if any(v.lower() in _PRIVILEGED_WORDS for v in values) and _IDENTITY_INPUT.search(source_of(operand)):
            return True
        return bool(_CREDENTIAL_INPUT.search(source_of(operand))) and all(len(v) >= 4 for v in values)


class RequestFlagBypass(_AuthRule):
    TRIGGER = re.compile(r"request|req\b")
    id = "DS171"
    name = "request-value-skips-auth-check"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (288,)
    security_severity = "9.1"
    summary = "A request parameter, header or cookie equal to a literal lets the request skip an authentication check."
    what = (
        "Reports, in a function that also denies access (401/403, permission exceptions) or verifies "
        "credentials, an `if` comparing request data (`request.args`, `headers`, `cookies`, `form`, "
        "`json`, Django `GET`/`META`, Starlette `query_params`) with any literal whose branch lets the "
        "request through: returns the wrapped view (`return f(*args, **kwargs)`, `get_response`, "
        "`call_next`), returns True, or logs the user in."
    )
    why = (
        "`?debug=1`, `X-Internal: yes` or a magic cookie that short-cuts the check works for anyone "
        "who learns the value, and values leak through logs, browser history and the source itself. "
        "It is the most common shape of an authentication backdoor, and AI assistants add it as a "
        "'testing convenience'."
    )
    fix = "Delete the shortcut; use a separate, authenticated test configuration instead."
    example = (
        "def require_login(view):\n"
        "    def wrapper(*args, **kwargs):\n"
        "        if request.args.get('debug') == '1':\n"
        "            return view(*args, **kwargs)\n"
        "        if 'user_id' not in session:\n"
        "            abort(401)\n"
        "        return view(*args, **kwargs)\n"
        "    return wrapper\n"
    )
    use_instead = (
        "def require_login(view):\n"
        "    def wrapper(*args, **kwargs):\n"
        "        if 'user_id' not in session:\n"
        "            abort(401)\n"
        "        return view(*args, **kwargs)\n"
        "    return wrapper\n"
    )
    references = ("https://cwe.mitre.org/data/definitions/288.html",)

    VALID = (
        # a view choosing a response format from the query string
        "from flask import request, jsonify, abort\n"
        "def report(id):\n"
        "    row = find(id) or abort(404)\n"
        "    if request.args.get('format') == 'json':\n"
        "        return jsonify(row)\n"
        "    return render(row)\n",
        # a decorator that checks the header against the configured key (no literal shortcut)
        "import hmac, os\nfrom flask import request, abort\n"
        "def require_key(view):\n"
        "    def wrapper(*args, **kwargs):\n"
        "        if not hmac.compare_digest(request.headers.get('X-API-Key', ''), os.environ['API_KEY']):\n"
        "            abort(401)\n"
        "        return view(*args, **kwargs)\n"
        "    return wrapper\n",
    )
    INVALID = (
        "from functools import wraps\nfrom flask import request, session, abort\n"
        "def login_required(f):\n"
        "    @wraps(f)\n"
        "    def decorated(*args, **kwargs):\n"
        "        # ruleid: request-value-skips-auth-check\n"
        "        if request.args.get('debug') == 'true':\n"
        "            return f(*args, **kwargs)\n"
        "        if 'user' not in session:\n"
        "            abort(401)\n"
        "        return f(*args, **kwargs)\n"
        "    return decorated\n",
        "from django.core.exceptions import PermissionDenied\n"
        "class TokenMiddleware:\n"
        "    def __call__(self, request):\n"
        "        # ruleid: request-value-skips-auth-check\n"
        "        if request.META.get('HTTP_X_INTERNAL') == 'yes':\n"
        "            return self.get_response(request)\n"
        "        if not valid(request.headers.get('Authorization')):\n"
        "            raise PermissionDenied\n"
        "        return self.get_response(request)\n",
    )

    def check_function(self, fn: _Function) -> None:
        body = fn.node.body
        if not (self.denies(body) or self.verifies(body)):
            return
        for sub in _walk(body):
            if not isinstance(sub, cst.If):
                continue
            for cmp in comparisons(sub.test):
                operands = [cmp.left, *(t.comparator for t in cmp.comparisons)]
                if any(_literal_values(o) is not None for o in operands) and any(
                    self._is_request_data(o) for o in operands
                ) and self.grants(sub.body, fn):
                    self.report(cmp, "A request value equal to a literal skips the authentication check.")
                    break


class EnvSecretFallback(_AuthRule):
    TRIGGER = re.compile(r"environ|getenv")
    id = "DS172"
    name = "env-secret-with-literal-fallback"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (1188, 798)
    security_severity = "8.1"
    summary = "Input is checked against an environment secret that falls back to a literal, or a master key that bypasses the real check."
    what = (
        "Reports comparisons of an input with `os.environ.get(NAME, 'literal')`, `os.getenv(NAME, "
        "'literal')` or `os.environ.get(NAME) or 'literal'` (directly or through a variable), and, in "
        "a function that also verifies credentials another way, a branch that grants access when the "
        "input equals an environment value (a master key)."
    )
    why = (
        "When the variable is unset (a new deployment, a test box, a container without secrets) the "
        "literal becomes the password, and it is published with the code. A master key that "
        "short-cuts the per-user check is a second, unaudited way in that nobody rotates."
    )
    fix = "Fail closed when the secret is missing, and verify users through the one real check only."
    example = (
        "import os\n"
        "def check_admin(token):\n"
        "    return token == os.environ.get('ADMIN_TOKEN', 'changeme')\n"
    )
    use_instead = (
        "import hmac, os\n"
        "def check_admin(token):\n"
        "    expected = os.environ['ADMIN_TOKEN']  # KeyError: refuse to start without it\n"
        "    return hmac.compare_digest(token, expected)\n"
    )
    references = ("https://cwe.mitre.org/data/definitions/1188.html",)

    VALID = (
        "import hmac, os\n"
        "def check_admin(token):\n"
        "    return hmac.compare_digest(token, os.environ['ADMIN_TOKEN'])\n",
        "import os\n"
        "DEBUG = os.environ.get('DEBUG', 'false') == 'true'\n"
        "def region(name):\n"
        "    return name == os.getenv('AWS_REGION', 'us-east-1')\n",
    )
    INVALID = (
        "import os\n"
        "API_KEY = os.getenv('API_KEY', 'dev-key-123')\n\n"
        "def authorized(request):\n"
        "    # ruleid: env-secret-with-literal-fallback\n"
        "    return request.headers.get('X-API-Key') == API_KEY\n",
        "import os, bcrypt\n"
        "def authenticate(user, password):\n"
        "    # ruleid: env-secret-with-literal-fallback\n"
        "    if password == os.environ.get('MASTER_PASSWORD'):\n"
        "        return True\n"
        "    return bcrypt.checkpw(password.encode(), user.pw_hash)\n",
    )

    def check_function(self, fn: _Function) -> None:
        if not self.decides_access(fn):
            return
        for test, decided in _tests(fn.node):
            for cmp in comparisons(test):
                operands = [cmp.left, *(t.comparator for t in cmp.comparisons)]
                env = [o for o in operands if self._env_secret(o, fn) is not None]
                inputs = [o for o in operands if o not in env and self._is_input(o, fn)]
                if not env or not inputs:
                    continue
                if self._env_secret(env[0], fn) == "fallback":
                    self.report(cmp, "The secret falls back to a literal when the variable is unset.")
                    break
                if decided and any(self.grants(d, fn) for d in decided) and self.verifies(fn.node.body):
                    self.report(cmp, "An environment master key bypasses the real credential check.")
                    break

    def _env_secret(self, node: cst.BaseExpression, fn: _Function, depth: int = 0) -> str | None:
        """"fallback" for an env read with a literal default, "env" for a plain env read."""
        if isinstance(node, cst.Name) and node.value in fn.bindings and depth < 3:
            return self._env_secret(fn.bindings[node.value], fn, depth + 1)
        if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or):
            if self._env_secret(node.left, fn, depth + 1) and (const_str(node.right) or ""):
                return "fallback"
        if isinstance(node, cst.Call):
            name = call_name(node, self._aliases)
            if name in ("os.environ.get", "os.getenv"):
                default = arg(node, 1, "default")
                if default is not None and (const_str(default) or "") and not _is_region_like(default):
                    return "fallback"
                return "env"
        if isinstance(node, cst.Subscript) and qualified(node.value, self._aliases) == "os.environ":
            return "env"
        return None


def _is_region_like(default: cst.BaseExpression) -> bool:
    """Defaults that are configuration, not secrets (regions, hosts, numbers, flag words)."""
    value = const_str(default) or ""
    return value.lower() in _FLAG_WORDS or bool(re.fullmatch(r"[a-z]{2}-[a-z]+-\d|[\w.-]+\.[a-z]{2,}|\d+", value))
