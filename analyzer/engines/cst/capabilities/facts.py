"""What one call (or one condition) does, as capability facts: the vocabulary of the model.

A `Fact` is one thing code can do, with the node that does it. Facts are classified from syntax
alone through `_support` (import aliases, `getattr`/`__import__` indirection, paths rendered from
literals and names bound once), so `Path.home() / ".aws" / "credentials"` reads like the literal.

Strength keeps look-alikes apart: a credential file or a dump of the whole environment is a
*strong* secret; one token variable, a keyring entry, the host name or log records are *weak*
(every API client reads its token and sends it to its API). An egress destination is
*suspicious* when it is a raw IP, a webhook or paste service, a chat bot API or a DNS lookup of a
computed name; a URL taken from parameters, settings or the environment is *configured*.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import libcst as cst

from analyzer.engines.cst.rules import _support as s
from analyzer.engines.cst.rules import persistence

EGRESS = "network-egress"
SECRET = "secret-read"
SOURCE = "source-read"
SPAWN = "process-spawn"
DYNAMIC = "dynamic-code"
DECODE = "decode"
DOWNLOAD = "download"
EXEC_WRITE = "executable-write"
PERSIST = "persistence"
DESTROY = "destructive"
LLM = "llm-call"
TRIGGER = "trigger"
INSTALL = "install-time"
IMPORT = "import-time"
KINDS = (EGRESS, SECRET, SOURCE, SPAWN, DYNAMIC, DECODE, DOWNLOAD, EXEC_WRITE, PERSIST, DESTROY, LLM, TRIGGER,
         INSTALL, IMPORT)

COMPUTED_IMPORT = "imports a module by computed name"
DNS_LOOKUP = "resolves a computed DNS name"
SUSPICIOUS = "suspicious"
CONFIGURED = "configured"
PLAIN = "plain"
STRONG = "strong"
WEAK = "weak"


@dataclass(frozen=True)
class Fact:
    """One capability at one node. `detail` never names a line or a local variable, so that the
    same power found before and after a refactor compares equal."""

    kind: str
    detail: str
    node: cst.CSTNode = field(compare=False, hash=False, repr=False)
    grade: str = ""  # STRONG/WEAK for secrets; SUSPICIOUS/CONFIGURED/PLAIN for egress
    host: str = ""  # egress: the literal host, when there is one
    tokens: frozenset[str] = frozenset()  # download/run paths: their distinctive literal parts


# --- destinations -------------------------------------------------------------------------------

_WEBHOOK_HOSTS = re.compile(
    r"(?i)(^|\.)(discord(app)?\.com|hooks\.slack\.com|webhook\.site|requestbin\.\w+|pipedream\.net|"
    r"ngrok(-free)?\.(io|app)|burpcollaborator\.net|oastify\.com|interact\.sh|oast\.\w+|canarytokens\.com|"
    r"beeceptor\.com|hookbin\.com|api\.telegram\.org|trycloudflare\.com|workers\.dev|herokuapp\.com)$"
)
_PASTE_HOSTS = re.compile(
    r"(?i)(^|\.)(pastebin\.com|paste\.ee|hastebin\.com|ghostbin\.\w+|termbin\.com|transfer\.sh|"
    r"file\.io|0x0\.st|dpaste\.(com|org)|rentry\.co|anonfiles\.com|gofile\.io|paste\.rs)$"
)
_LLM_HOSTS = re.compile(
    r"(?i)(^|\.)(api\.openai\.com|api\.anthropic\.com|generativelanguage\.googleapis\.com|api\.mistral\.ai|"
    r"api\.cohere\.(ai|com)|api\.groq\.com|openrouter\.ai|api\.together\.xyz|api\.deepseek\.com)$"
)
_LOCAL_NETS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/32", "::1/128",
    "fc00::/7", "fe80::/10"))
_URLISH = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_CONFIG_SOURCES = re.compile(r"(?i)environ|getenv|settings|config|conf\b|options|args\.|argv|self\.")
_DNS_CALLS = frozenset({
    "socket.gethostbyname", "socket.gethostbyname_ex", "socket.getaddrinfo", "dns.resolver.resolve",
    "dns.resolver.query", "dns.resolver.Resolver.resolve",
})
_REQUEST_METHODS = frozenset({"get", "post", "put", "patch", "request", "urlopen", "open", "send", "fetch", "stream"})


def destination(expr: cst.BaseExpression | None, bindings: dict[str, cst.BaseExpression],
                params: frozenset[str]) -> tuple[str, str, str]:
    """(detail, grade, host) of where a request goes."""
    if expr is None:
        return "to an unknown destination", PLAIN, ""
    text = s.literal_text(expr, bindings)
    host = ""
    if _URLISH.match(text):
        host = (urlsplit(text.replace("*", "x-hole-x")).hostname or "").replace("x-hole-x", "*")
    elif isinstance(expr, (cst.Tuple,)) and expr.elements:  # socket.connect((host, port))
        host = s.const_str(expr.elements[0].value) or ""
    if host and "*" not in host:
        return f"to {host_label(host)}", grade_of_host(host), host
    source = s.source_of(expr)
    names = {n.value for n in s.walk(expr) if isinstance(n, cst.Name)}
    if names & params or _CONFIG_SOURCES.search(source) or any(
        _CONFIG_SOURCES.search(s.source_of(bindings[n])) for n in names if n in bindings
    ):
        return "to a configured URL", CONFIGURED, ""
    return "to a computed destination", PLAIN, ""


def grade_of_host(host: str) -> str:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    else:  # a literal public address instead of a name: nothing to renew, rotate or audit
        return PLAIN if any(address in net for net in _LOCAL_NETS if net.version == address.version) else SUSPICIOUS
    return SUSPICIOUS if _WEBHOOK_HOSTS.search(host) or _PASTE_HOSTS.search(host) else PLAIN


def host_label(host: str) -> str:
    if _WEBHOOK_HOSTS.search(host):
        return f"a webhook service ({host})"
    if _PASTE_HOSTS.search(host):
        return f"a paste/file-drop site ({host})"
    return host


# --- secrets ------------------------------------------------------------------------------------

_STRONG_PATHS = (
    (re.compile(r"\.ssh/(id_\w+|[^/*]*\.pem)|\.ssh/?(\*|$)"), "SSH keys"),
    (re.compile(r"\.aws/(credentials|config)|\.aws/?$"), "AWS credentials"),
    (re.compile(r"(^|/)\.?netrc$|_netrc$"), ".netrc"),
    (re.compile(r"\.git-credentials|\.pgpass|\.pypirc|\.npmrc|\.docker/config\.json|\.kube/config|"
                r"gcloud/(credentials|application_default_credentials)|\.azure/"), "credential files"),
    (re.compile(r"(?i)Login Data|Cookies$|Local Storage|leveldb|Local State|key4\.db|logins\.json|"
                r"cookies\.sqlite|Web Data"), "browser stores"),
    (re.compile(r"(?i)\.gnupg|wallet\.dat|Exodus|Electrum|/etc/shadow"), "key stores"),
)
_ENV_FILE = re.compile(r"(^|/)\.env(\.\w+)?$")
_SECRET_VAR = re.compile(r"(?i)(TOKEN|SECRET|PASSW|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|SESSION)")
_IDENTITY_CALLS = frozenset({
    "socket.gethostname", "socket.getfqdn", "platform.node", "getpass.getuser", "os.getlogin", "uuid.getnode",
    "platform.uname", "os.uname",
})
_ENV_DUMP_SINKS = frozenset({"json.dumps", "str", "repr", "dict", "urllib.parse.urlencode", "base64.b64encode",
                             "pickle.dumps", "list"})
_STRONG_CALLS = {
    "win32crypt.CryptUnprotectData": "browser stores",
    "browser_cookie3.load": "browser stores",
    "browser_cookie3.chrome": "browser stores",
    "browser_cookie3.firefox": "browser stores",
}
_WEAK_CALLS = {"keyring.get_password": "a keyring entry", "keyring.get_credential": "a keyring entry",
               "pyperclip.paste": "the clipboard"}
_READERS = re.compile(r"^(open|io\.open|codecs\.open|builtins\.open|shutil\.(copy\w*|make_archive|copytree)|"
                      r"glob\.i?glob|os\.listdir|os\.scandir|os\.walk|tarfile\.open|zipfile\.ZipFile|"
                      r"sqlite3\.connect|netrc\.netrc|configparser\.\w+)$")
_READ_METHODS = frozenset({"read_text", "read_bytes", "open", "glob", "rglob", "iterdir", "read"})


def secret_of_path(text: str) -> tuple[str, str] | None:
    for pattern, label in _STRONG_PATHS:
        if pattern.search(text):
            return label, STRONG
    if _ENV_FILE.search(text):
        return ".env file", WEAK
    return None


def secret_read(call: cst.Call, name: str, bindings: dict[str, cst.BaseExpression]) -> Fact | None:
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
    if name in _STRONG_CALLS:
        return Fact(SECRET, f"reads {_STRONG_CALLS[name]}", call, STRONG)
    if name in _WEAK_CALLS:
        return Fact(SECRET, f"reads {_WEAK_CALLS[name]}", call, WEAK)
    if name in _IDENTITY_CALLS:
        return Fact(SECRET, "reads the host name or user", call, WEAK)
    if name in ("os.getenv", "os.environ.get") and call.args:
        var = s.const_str(call.args[0].value) or ""
        return Fact(SECRET, f"reads ${var}", call, WEAK) if _SECRET_VAR.search(var) else None
    if name in _ENV_DUMP_SINKS and call.args and _is_environ(call.args[0].value):
        return Fact(SECRET, "dumps the environment", call, STRONG)
    if method in ("items", "keys", "values") and isinstance(call.func, cst.Attribute) and _is_environ(call.func.value):
        return Fact(SECRET, "dumps the environment", call, STRONG)
    if _READERS.match(name) or name == "netrc.netrc" or (method in _READ_METHODS and isinstance(call.func, cst.Attribute)):
        if name in ("open", "io.open", "codecs.open", "builtins.open"):
            mode = s.const_str(s.arg(call, 1, "mode")) or "r"
            if re.search(r"[wax]", mode):
                return None
        exprs = [a.value for a in call.args[:1]]
        if method in _READ_METHODS and isinstance(call.func, cst.Attribute) and not _READERS.match(name):
            exprs = [call.func.value, *exprs]
        for expr in exprs:
            text = s.literal_text(expr, bindings)
            found = secret_of_path(text)
            if found and not re.search(r"authorized_keys|known_hosts|\.pub$", text):
                label, grade = found
                if name == "netrc.netrc" or (label == ".netrc" and "netrc" in name):
                    grade = WEAK  # the stdlib parser answers one host's login: how clients are meant to use it
                return Fact(SECRET, f"reads {label}", call, grade)
        if name == "netrc.netrc":
            return Fact(SECRET, "reads .netrc", call, WEAK)
    if s.is_process(name):
        command = s.command_text(call, bindings)
        if re.match(r"^\s*(env|printenv|set)\s*$", command):
            return Fact(SECRET, "dumps the environment", call, STRONG)
        found = secret_of_path(command) if re.search(r"\b(cat|tar|zip|cp|scp|curl|type)\b", command) else None
        if found:
            return Fact(SECRET, f"reads {found[0]}", call, found[1])
    return None


def _is_environ(expr: cst.BaseExpression) -> bool:
    return s.dotted(expr) in ("os.environ", "environ") or (
        isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "copy"
        and s.dotted(expr.func.value) in ("os.environ", "environ")
    )


def environ_subscript(node: cst.Subscript) -> Fact | None:
    if s.dotted(node.value) != "os.environ" or len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    var = s.const_str(node.slice[0].slice.value) or ""
    return Fact(SECRET, f"reads ${var}", node, WEAK) if _SECRET_VAR.search(var) else None


# --- the other kinds ----------------------------------------------------------------------------

_DECODERS = re.compile(
    r"^(base64\.(b64|b32|b16|b85|a85|urlsafe_b64|standard_b64)decode|base64\.decodebytes|binascii\.(unhexlify|a2b_\w+)|"
    r"zlib\.decompress|gzip\.decompress|bz2\.decompress|lzma\.decompress|marshal\.loads|codecs\.decode|bytes\.fromhex)$"
)
_DETACH = re.compile(r"start_new_session\s*=\s*True|setsid|DETACHED_PROCESS|CREATE_NO_WINDOW|CREATE_NEW_PROCESS_GROUP|"
                     r"nohup|&\s*['\"]?\s*$|pythonw|disown")
_SILENT = re.compile(r"(stdout|stderr)\s*=\s*(subprocess\.)?DEVNULL|>\s*/dev/null|2>&1|-WindowStyle\s+Hidden|SW_HIDE")
_LLM_METHODS = re.compile(r"(^|\.)(chat\.completions\.create|completions\.create|messages\.create|responses\.create|"
                          r"ChatCompletion\.create|Completion\.create|generate_content|chat\.complete|"
                          r"messages\.stream)$")
_LLM_FUNCTIONS = re.compile(r"^(ollama\.(chat|generate)|litellm\.(a?completion)|openai\.\w+\.create)$")
_EXEC_BITS = re.compile(r"S_I[XR]?[XW]?(USR|GRP|OTH|EXEC)|S_IXUSR|S_IEXEC|S_IRWX|\+x|[0-7]?[75][75][75]")
_GENERIC_TOKENS = frozenset({"tmp", "temp", "var", "home", "usr", "bin", "local", "cache", "data", "file", "path",
                             "http", "https", "www", "com", "org", "net", "exe", "bin", "dist", "build", "lib"})
_PERSISTENCE = (
    persistence.ScheduledJobInstalled, persistence.ShellStartupFileModified, persistence.AuthorizedKeysModified,
    persistence.AutostartEntryWritten, persistence.PythonStartupHookWritten,
)


def path_tokens(text: str, expr: cst.BaseExpression | None = None) -> frozenset[str]:
    """Distinctive literal parts of a rendered path: `~/.cache/.agent` -> {".agent"}; a path held in
    an attribute (`self.cache`, `config.BIN`) is also known by that name."""
    parts = re.split(r"[/\\\s*]+", text)
    tokens = {p for p in parts if len(p) >= 3 and p.lower().strip(".") not in _GENERIC_TOKENS and "." != p}
    if isinstance(expr, cst.Call) and expr.args and (s.dotted(expr.func) or "") in ("str", "os.fspath", "Path"):
        expr = expr.args[0].value
    if isinstance(expr, cst.Attribute) and s.dotted(expr):
        tokens.add("@" + (s.dotted(expr) or ""))
    return frozenset(tokens)


def llm_call(call: cst.Call, name: str) -> Fact | None:
    chain = _chain(call.func) if isinstance(call.func, cst.Attribute) else ""
    if _LLM_FUNCTIONS.match(name) or _LLM_METHODS.search(chain) or _LLM_METHODS.search(name):
        return Fact(LLM, "calls a language-model API", call)
    return None


def _chain(expr: cst.BaseExpression) -> str:
    """`OpenAI().chat.completions.create` -> "OpenAI.chat.completions.create": the attribute chain
    with the calls on the way left out."""
    parts = []
    while True:
        if isinstance(expr, cst.Attribute):
            parts.append(expr.attr.value)
            expr = expr.value
        elif isinstance(expr, cst.Call):
            expr = expr.func
        else:
            if isinstance(expr, cst.Name):
                parts.append(expr.value)
            return ".".join(reversed(parts))


def call_facts(call: cst.Call, name: str, bindings: dict[str, cst.BaseExpression], params: frozenset[str],
               aliases: dict[str, str]) -> list[Fact]:
    """Every fact one call makes (most calls make none)."""
    facts: list[Fact] = []
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
    first = s.arg(call, 0, "url")
    url_text = s.literal_text(first, bindings) if first is not None else ""
    llm = llm_call(call, name)
    if llm is not None:
        facts.append(llm)
    elif s.is_network(name) or (method in _REQUEST_METHODS and _URLISH.match(url_text) and url_text.startswith("http")):
        target = first if not name.startswith(("smtplib", "ftplib", "socket.create_connection")) else s.arg(call, 0, "host")
        detail, grade, host = destination(target, bindings, params)
        if host and _LLM_HOSTS.search(host):
            facts.append(Fact(LLM, f"calls a language-model API ({host})", call, host=host))
        elif not (name.endswith(("Session", "session", "Client", "AsyncClient", "PoolManager", "socket")) and first is None):
            verb = method.upper() if method in ("post", "put", "patch") else "connects"
            facts.append(Fact(EGRESS, f"{'sends ' + verb if verb != 'connects' else 'connects'} {detail}".replace(
                "sends POST", "POST").replace("sends PUT", "PUT").replace("sends PATCH", "PATCH"), call, grade, host))
    elif method in ("connect", "sendto") and call.args:
        target = call.args[-1].value if method == "sendto" else call.args[0].value
        if isinstance(target, cst.Tuple) and len(target.elements) == 2:
            detail, grade, host = destination(target, bindings, params)
            facts.append(Fact(EGRESS, f"opens a socket {detail}", call, grade, host))
    if name in _DNS_CALLS and call.args:
        host_expr = call.args[0].value
        if s.const_str(host_expr) is None:
            facts.append(Fact(EGRESS, DNS_LOOKUP, call, SUSPICIOUS))
    secret = secret_read(call, name, bindings)
    if secret is not None:
        facts.append(secret)
    if s.is_process(name):
        source = s.source_of(call)
        command = s.command_text(call, bindings)
        how = [w for w, pattern in (("detached", _DETACH), ("silent", _SILENT)) if pattern.search(source)]
        program = command.split()[0] if command.split() else "*"
        shown = program if program != "*" else "a computed program"
        facts.append(Fact(SPAWN, f"spawns a {' '.join([*how, 'process'])} ({shown})", call, grade="shell" if _is_shell(call, name) else "",
            tokens=path_tokens(command, _program(call))))
        for rule in _PERSISTENCE:
            if rule.COMMAND is not None and rule.COMMAND.search(command):
                facts.append(Fact(PERSIST, f"installs {rule.WHAT}", call))
    if name in s.EXEC_CALLS or (name in ("__import__", "importlib.import_module") and call.args
                                and s.const_str(call.args[0].value) is None):
        target = call.args[0].value if call.args else None
        facts.append(Fact(DYNAMIC, "runs dynamic code" if name not in ("__import__", "importlib.import_module")
                          else COMPUTED_IMPORT, call,
                          tokens=path_tokens(s.literal_text(target, bindings), target) if target is not None else frozenset()))
    elif name in ("runpy.run_path", "importlib.util.spec_from_file_location", "os.startfile") or re.match(
            r"^os\.(exec|spawn)", name):
        target = s.arg(call, 1) if name.endswith("spec_from_file_location") else s.arg(call, 0)
        facts.append(Fact(DYNAMIC if "run" in name or "spec" in name else SPAWN, "runs a file as code", call,
                          tokens=path_tokens(s.literal_text(target, bindings), target)))
    if _DECODERS.match(name):
        facts.append(Fact(DECODE, "decodes an encoded blob", call))
    if name == "os.chmod" or (method == "chmod" and isinstance(call.func, cst.Attribute)):
        mode = s.arg(call, 1 if name == "os.chmod" else 0, "mode")
        bits = s.const_int(mode)
        if (bits is not None and bits & 0o111) or (mode is not None and bits is None and _EXEC_BITS.search(s.source_of(mode))):
            target = s.arg(call, 0, "path") if name == "os.chmod" else call.func.value  # type: ignore[union-attr]
            facts.append(Fact(EXEC_WRITE, "makes a file executable", call,
                              tokens=path_tokens(s.literal_text(target, bindings), target)))
    written = persistence.written_path(call, name)
    if written is not None:
        rendered = s.literal_text(written, bindings)
        for rule in _PERSISTENCE:
            if rule.PATH is not None and rule.PATH.search(rendered):
                facts.append(Fact(PERSIST, f"writes {rule.WHAT}", call))
                break
    if "destructive" in s.call_kinds(call, aliases, bindings):
        facts.append(Fact(DESTROY, f"deletes or kills ({name or method})", call))
    return facts


def _program(call: cst.Call) -> cst.BaseExpression | None:
    first = s.arg(call, 0, "args")
    if isinstance(first, (cst.List, cst.Tuple)) and first.elements:
        return first.elements[0].value
    return first


def _is_shell(call: cst.Call, name: str) -> bool:
    if name in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                "asyncio.create_subprocess_shell"):
        return True
    shell = s.arg(call, 99, "shell")
    return shell is not None and not (isinstance(shell, cst.Name) and shell.value in ("False", "None"))
