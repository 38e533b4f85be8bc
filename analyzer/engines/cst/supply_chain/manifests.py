"""Dependencies as written: requirements files, `pyproject.toml`, and `pip install` commands.

Requirements files are read line by line, as pip does; `pyproject.toml` is read by `tomllib`
(a file that is not valid TOML is reported, not guessed at). Every dependency keeps its line and
columns so a finding points at the name itself. Nothing is resolved, downloaded or installed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement

from analyzer.engines.cst.supply_chain.names import normalise
from analyzer.tomltext import Place, TomlPath, TomlText

PYPI_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})
# Public mirrors that serve PyPI's own projects under PyPI's names (common in mainland China,
# where assistants' install lines often point): a name means the same project there.
PYPI_MIRRORS = frozenset({
    "pypi.tuna.tsinghua.edu.cn", "mirrors.aliyun.com", "mirrors.cloud.tencent.com", "repo.huaweicloud.com",
    "pypi.mirrors.ustc.edu.cn", "mirrors.bfsu.edu.cn", "mirror.baidu.com", "pypi.doubanio.com", "mirrors.163.com",
})
_URL = re.compile(r"^(?:git\+|hg\+|svn\+|bzr\+)?(?:https?|ssh|file|ftp)://\S+|^git@\S+", re.IGNORECASE)
_FULL_COMMIT = re.compile(r"@[0-9a-f]{40}(?:#|$)")
_HASHED_URL = re.compile(r"#(?:.*&)?(?:sha256|sha384|sha512)=[0-9a-f]{64,}", re.IGNORECASE)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
# Options of `pip install` / requirements files that take a value.
_VALUE_OPTIONS = frozenset({
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url", "--extra-index-url",
    "-f", "--find-links", "--trusted-host", "-t", "--target", "--prefix", "--root", "--src", "--upgrade-strategy",
    "--platform", "--python-version", "--implementation", "--abi", "--progress-bar", "--log", "--cache-dir",
    "-C", "--config-settings", "--global-option", "--install-option", "--report", "--only-binary",
    "--no-binary", "--hash", "--python", "--proxy", "--retries", "--timeout", "--exists-action", "--cert",
    "--client-cert", "--root-user-action", "--group",
})
INDEX_OPTIONS = frozenset({"-i", "--index-url", "--extra-index-url", "--trusted-host", "-f", "--find-links"})
_SHELL_STOP = frozenset({"&&", "||", ";", "|", "&", ">", ">>", "2>&1", "<", ")"})


class UnreadManifest(ValueError):
    """A manifest that could not be read (its `Manifest.error`): the engine reports it."""


@dataclass(frozen=True)
class Span:
    """Where something is written: 1-based line, 1-based columns (end exclusive)."""

    line: int
    column: int
    end_column: int


@dataclass(frozen=True)
class Dependency:
    """One dependency as written (`name` exactly as in the text; `key` is its PEP 503 form)."""

    name: str
    span: Span
    origin: str  # "requirements", "pyproject", "setup.py", "pip install"
    url: str = ""  # for `name @ url` and bare URL/VCS requirements
    hashed: bool = False  # a `--hash` option or a `#sha256=` fragment pins the artifact
    arg: int = -1  # for commands found in code: the index of the argument it was written in

    @property
    def key(self) -> str:
        return normalise(self.name)


@dataclass(frozen=True)
class IndexOption:
    """`--index-url URL`, `--extra-index-url URL`, `--trusted-host HOST` or `--find-links URL`."""

    option: str  # long form
    value: str
    span: Span
    arg: int = -1  # as for `Dependency.arg`

    @property
    def host(self) -> str:
        return host_of(self.value)

    @property
    def is_pypi(self) -> bool:
        if self.value.lower().startswith("http://"):
            return False
        return self.host in PYPI_HOSTS | PYPI_MIRRORS or (self.option == "--find-links" and "://" not in self.value)


@dataclass
class Manifest:
    dependencies: list[Dependency] = field(default_factory=list)
    indexes: list[IndexOption] = field(default_factory=list)
    error: str = ""  # why the file could not be read (nothing was: the lists are empty)

    @property
    def replaces_pypi(self) -> bool:
        """`--index-url` elsewhere: PyPI is not consulted, so names unknown to PyPI are expected."""
        return any(i.option == "--index-url" and not i.is_pypi for i in self.indexes)

    @property
    def adds_index(self) -> bool:
        return any(i.option == "--extra-index-url" and not i.is_pypi for i in self.indexes)


_LONG = {"-i": "--index-url", "-f": "--find-links", "-e": "--editable", "-r": "--requirement", "-c": "--constraint"}


def host_of(url: str) -> str:
    match = re.match(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?(\[[^\]]+\]|[^:/?#]+)", url.strip(), re.IGNORECASE)
    return (match.group(1) if match else url.strip().split("/")[0].split(":")[0]).lower()


def parse_manifest(path: str, text: str) -> Manifest:
    return parse_pyproject(text) if PurePosixPath(path).name.lower() == "pyproject.toml" else parse_requirements(text)


# --- requirements files --------------------------------------------------------------------------


def parse_requirements(text: str) -> Manifest:
    manifest = Manifest()
    for number, line in _logical_lines(text):
        body = _strip_comment(line)
        if body.strip():
            _parse_requirement_line(body, number, manifest)
    return manifest


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, line) with backslash continuations joined (kept on the first line's columns)."""
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def _strip_comment(line: str) -> str:
    match = re.search(r"(^|\s)#", line)
    return line[: match.start()] if match else line


def _parse_requirement_line(body: str, number: int, manifest: Manifest) -> None:
    tokens = list(_tokens(body))
    if not tokens:
        return
    first, column = tokens[0]
    option = first.split("=", 1)[0] if first.startswith("-") else ""
    if option:
        value, value_column = _option_value(first, column, tokens[1:])
        long = _LONG.get(option, option)
        if long in INDEX_OPTIONS and value:
            manifest.indexes.append(IndexOption(long, value, Span(number, value_column, value_column + len(value))))
        elif long == "--editable" and value and _URL.match(value):
            manifest.dependencies.append(_url_dependency(value, Span(number, value_column, value_column + len(value)),
                                                         "requirements", hashed=False))
        return
    hashed = any(t.startswith("--hash") for t, _ in tokens)
    requirement = body.strip().split(" --", 1)[0].strip()
    dependency = parse_requirement(requirement, number, column, "requirements", hashed=hashed)
    if dependency is not None:
        manifest.dependencies.append(dependency)


def _option_value(first: str, column: int, rest: Sequence[tuple[str, int]]) -> tuple[str, int]:
    if "=" in first and first.startswith("--"):
        name, value = first.split("=", 1)
        return value, column + len(name) + 1
    if first[:2] in _LONG and len(first) > 2 and not first.startswith("--"):
        return first[2:], column + 2  # -ihttps://...
    return rest[0] if rest else ("", column)


def _tokens(text: str) -> Iterator[tuple[str, int]]:
    for match in re.finditer(r"\S+", text):
        yield match.group(0), match.start() + 1


def parse_requirement(spec: str, line: int, column: int, origin: str, *, hashed: bool = False) -> Dependency | None:
    """A PEP 508 requirement or a URL; None for local paths and anything that is not a requirement."""
    spec = spec.strip()
    if not spec:
        return None
    span_end = column + len(spec)
    if _URL.match(spec):
        return _url_dependency(spec, Span(line, column, span_end), origin, hashed=hashed)
    if spec.startswith((".", "/", "~", "$", "{", "%")) or "\\" in spec:
        return None
    try:
        requirement = Requirement(spec)
    except InvalidRequirement:  # pip refuses it too: nothing would be installed
        return None
    name, url = requirement.name, requirement.url or ""  # PEP 508 puts the name first, as written
    return Dependency(name, Span(line, column, column + len(name)), origin, url=url,
                      hashed=hashed or bool(url and is_pinned_url(url)))


def _url_dependency(url: str, span: Span, origin: str, *, hashed: bool) -> Dependency:
    egg = _EGG.search(url)
    return Dependency(egg.group(1) if egg else "", span, origin, url=url, hashed=hashed or is_pinned_url(url))


def is_pinned_url(url: str) -> bool:
    """A VCS URL at a full commit id, or an archive URL with a hash fragment."""
    base = url.split("#", 1)[0]
    if re.match(r"^(git|hg)\+", url, re.IGNORECASE):
        return bool(_FULL_COMMIT.search(base + "#"))
    return bool(_HASHED_URL.search(url))


# --- pyproject.toml ------------------------------------------------------------------------------

# Package-index tables: uv, Poetry, PDM and Rye consult these (uv and Poetry before PyPI).
_INDEX_TABLES = (("tool", "uv", "index"), ("tool", "poetry", "source"), ("tool", "pdm", "source"),
                 ("tool", "rye", "sources"))
_FULL_REV = re.compile(r"[0-9a-f]{40}")


def parse_pyproject(text: str) -> Manifest:
    """Dependencies of `[project]`, optional dependencies, dependency groups, `[build-system]`,
    Poetry's tables, and the package indexes of uv, Poetry, PDM and Rye. Values are read by
    `tomllib`; each is placed on the line that writes it (`analyzer.tomltext`). A file that is not
    valid TOML has no dependencies and an `error` (pip cannot read it either)."""
    document = TomlText(text)
    if document.error:
        return Manifest(error=f"not valid TOML ({document.error})")
    manifest = Manifest()
    requirements = list(_requirement_strings(document))
    for (path, value), place in zip(requirements, document.value_places(requirements)):
        line, column = _place_or_key(document, path, place)
        dependency = parse_requirement(value, line, column, "pyproject")
        if dependency is not None:
            manifest.dependencies.append(dependency)
    poetry = list(_poetry_dependencies(document))
    for path, place in zip(poetry, document.key_places(poetry)):
        name, spec = str(path[-1]), document.get(path)
        line, column = _place_or_key(document, path[:-1], place)
        url, rev = _poetry_source(spec)
        manifest.dependencies.append(Dependency(name, Span(line, column, column + len(name)), "pyproject", url=url,
                                                hashed=bool(url) and bool(_FULL_REV.fullmatch(rev))))
    urls = list(_index_urls(document))
    for (path, value), place in zip(urls, document.value_places(urls)):
        line, column = _place_or_key(document, path, place)
        manifest.indexes.append(IndexOption("--index-url", value, Span(line, column, column + len(value))))
    return manifest


def _place_or_key(document: TomlText, path: TomlPath, place: Place | None) -> tuple[int, int]:
    """`place`, or the place of the nearest key that holds the value (a string written in a form
    that is not searched for, such as a multi-line string)."""
    keys = [path[:i] for i in range(len(path), 0, -1) if isinstance(path[i - 1], str)]
    for found in [place, *(document.key_places([key])[0] for key in keys)]:
        if found is not None:
            return found.line, found.column
    return 1, 1


def _requirement_strings(document: TomlText) -> Iterator[tuple[TomlPath, str]]:
    """(path, PEP 508 string) of every array of requirements."""
    arrays: list[TomlPath] = [("project", "dependencies"), ("build-system", "requires")]
    arrays += [("tool", "uv", key) for key in ("dev-dependencies", "constraint-dependencies", "override-dependencies")]
    for table in (("project", "optional-dependencies"), ("dependency-groups",), ("tool", "pdm", "dev-dependencies")):
        groups = document.get(table)
        if isinstance(groups, dict):
            arrays += [(*table, name) for name in groups]
    for path in arrays:
        values = document.get(path)
        if isinstance(values, list):  # entries that are not strings ({include-group = "test"}) hold none
            yield from (((*path, i), value) for i, value in enumerate(values) if isinstance(value, str))


def _poetry_dependencies(document: TomlText) -> Iterator[TomlPath]:
    """Paths of the keys of Poetry's dependency tables (`python` is the interpreter, not a dependency)."""
    poetry = document.get(("tool", "poetry"))
    if not isinstance(poetry, dict):
        return
    tables: list[TomlPath] = [("tool", "poetry", "dependencies"), ("tool", "poetry", "dev-dependencies")]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        tables += [("tool", "poetry", "group", name, "dependencies") for name in groups]
    for table in tables:
        names = document.get(table)
        if isinstance(names, dict):
            yield from ((*table, name) for name in names if name.lower() != "python")


def _poetry_source(spec: object) -> tuple[str, str]:
    """(url, rev) of a Poetry dependency given by `git = ...` or `url = ...` (the first of a list
    of constraints that has one)."""
    for item in spec if isinstance(spec, list) else [spec]:
        if isinstance(item, dict):
            url = item.get("git") or item.get("url")
            if isinstance(url, str) and url:
                rev = item.get("rev")
                return url, rev if isinstance(rev, str) else ""
    return "", ""


def _index_urls(document: TomlText) -> Iterator[tuple[TomlPath, str]]:
    for table in _INDEX_TABLES:
        entries = document.get(table)
        for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            url = entry.get("url") if isinstance(entry, dict) else None
            if isinstance(url, str):
                yield ((*table, i, "url") if isinstance(entries, list) else (*table, "url")), url


# --- pip install commands in code ----------------------------------------------------------------

PIP_INSTALL = re.compile(
    r"(?<![\w.-])(?:[\w./\\-]*python[\d.]*(?:\.exe)?\s+-m\s+)?pip[\d.]*(?:\.exe)?\s+install\b", re.IGNORECASE
)
_PIP = re.compile(r"pip[\d.]*(\.exe)?", re.IGNORECASE)
_NOWHERE = Span(0, 0, 0)


def pip_install_arguments(words: Sequence[str | None]) -> list[int]:
    """Indexes of the arguments after `pip install` (or `python -m pip install`) in an argv;
    empty when the argv is not a pip install. `None` stands for a word that is not a literal."""
    for i in range(len(words) - 1):
        tool = (words[i] or "").replace("\\", "/").rsplit("/", 1)[-1]
        if _PIP.fullmatch(tool) and words[i + 1] == "install":
            end = i + 2
            while end < len(words) and words[end] not in _SHELL_STOP:
                end += 1
            return list(range(i + 2, end))
    return []


def parse_pip_arguments(arguments: Sequence[str | None]) -> Manifest:
    """Requirements and index options among `pip install` arguments. Each result's `arg` is the
    index of its argument (callers map it back to a position); `None` arguments are skipped."""
    manifest = Manifest()
    value_of = ""
    for arg, token in enumerate(arguments):
        if token is None:
            value_of = ""
            continue
        if value_of:
            if value_of in INDEX_OPTIONS:
                manifest.indexes.append(IndexOption(value_of, token, _NOWHERE, arg))
            elif value_of == "--editable" and _URL.match(token):
                manifest.dependencies.append(replace(_url_dependency(token, _NOWHERE, "pip install", hashed=False),
                                                     arg=arg))
            value_of = ""
            continue
        if token.startswith("-"):
            option = token.split("=", 1)[0]
            long = _LONG.get(option, option)
            if "=" in token and long in INDEX_OPTIONS:
                manifest.indexes.append(IndexOption(long, token.split("=", 1)[1], _NOWHERE, arg))
            elif option in _VALUE_OPTIONS and "=" not in token:
                value_of = long
            continue
        if _plausible_argument(token):
            dependency = parse_requirement(token, 0, 0, "pip install")
            if dependency is not None:
                manifest.dependencies.append(replace(dependency, arg=arg))
    return manifest


def _plausible_argument(token: str) -> bool:
    """Skip placeholders (`{pkg}`, `%s`, `$PKG`), globs, shell syntax and the end of a sentence."""
    return (any(c.isalpha() for c in token) and not any(c in token for c in "{}%$`*?\\|;&()")
            and not token.endswith((".", ":", ",")))


# Words that end a command written inside a sentence: "run pip install foo to fix this".
_PROSE = frozenset({
    "a", "an", "and", "or", "the", "to", "then", "first", "if", "in", "on", "with", "for", "from", "it", "this",
    "that", "again", "manually", "before", "after", "instead", "package", "packages", "module", "library", "is",
    "are", "was", "be", "you", "your", "please", "using", "via", "as", "by", "not", "but",
})


def _until_prose(arguments: list[str]) -> list[str]:
    """Arguments up to where the sentence around a command resumes; trailing punctuation of the
    last argument of a sentence ("pip install foo.") is dropped."""
    out = []
    for word in arguments:
        if word.lower() in _PROSE:
            break
        stripped = word.rstrip(".,:;!?")
        out.append(stripped or word)
        if stripped != word and not word.startswith("-"):
            break
    return out


def pip_commands_in_string(text: str) -> list[Manifest]:
    """Every `pip install ...` command written in a string (a command line, an install hint)."""
    commands = []
    for match in PIP_INSTALL.finditer(text):
        line = text[match.start() :].split("\n", 1)[0].split("`", 1)[0]  # a backtick ends inline code
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|<>()")
            lexer.whitespace_split = True
            words = list(lexer)
        except ValueError:  # an unbalanced quote: fall back to whitespace
            words = line.split()
        commands.append(parse_pip_arguments(_until_prose([words[i] for i in pip_install_arguments(words)])))
    return commands
