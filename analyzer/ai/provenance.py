"""`diffsentry provenance`: which commits, files and lines were written with an AI assistant.

Read from git metadata and the repository's files only, through the hardened git invocation of
`analyzer.diff` (no hook, fsmonitor, signature program, textconv or filter runs; blame reads
committed blobs, never the working tree). Evidence, each with a confidence:

* a trailer (`Co-authored-by:`, `Assisted-by:`, ...) naming an assistant's identity: `high` when
  the email or bot account is the assistant's, `medium` on the name alone;
* a commit authored or committed by an assistant's bot account, or with its marker in the
  author's name (Aider's " (aider)"): `high`;
* a footer the tool writes (`Generated with [Claude Code]`): `medium`;
* agent instruction and configuration files (AGENTS.md, CLAUDE.md, .cursor/rules/, MCP
  configs...): they show that the repository is set up for an assistant, not who wrote what.

Lines: `git blame HEAD` of every file those commits touched; a line counts when the commit that
last wrote it is attributed. What it cannot see is in docs/ai-governance.md (no metadata, no
claim; code style is never evidence).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from analyzer import config
from analyzer.ai.policy import Policy
from analyzer.ai.vendors import Assistant, load
from analyzer.git import InputError, git, repo_root

CONFIDENCE = ("low", "medium", "high")
# On top of git.GIT_CONFIG: a repository's config must not make `git log` run its signature
# program (log.showSignature runs gpg.program, a command the repository names).
_GIT = ("-c", "log.showSignature=false")
_FIELD, _RECORD = "\x1f", "\x1e"
_LOG_FORMAT = _FIELD.join(("%H", "%an", "%ae", "%cn", "%ce", "%aI", "%s", "%(trailers:only,unfold)", "%B")) + _RECORD
_IDENTITY = re.compile(r"^\s*(?P<name>.*?)\s*(?:<(?P<email>[^>]*)>)?\s*$")
_BLAME_LINE = re.compile(r"^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$")


@dataclass(frozen=True, order=True)
class Clue:
    kind: str  # trailer | bot-author | author-marker | footer
    assistant: str
    confidence: str
    detail: str


@dataclass
class Commit:
    sha: str
    author: str
    date: str
    subject: str
    evidence: list[Clue]
    files: list[str] = field(default_factory=list)

    @property
    def primary(self) -> Clue:
        return max(self.evidence, key=lambda c: (CONFIDENCE.index(c.confidence), c.kind == "trailer"))

    @property
    def assistant(self) -> str:
        return self.primary.assistant

    @property
    def confidence(self) -> str:
        return self.primary.confidence


@dataclass
class AuthoredFile:
    path: str
    lines: dict[str, list[int]] = field(default_factory=dict)  # assistant -> lines at HEAD
    commits: list[str] = field(default_factory=list)

    @property
    def assistants(self) -> list[str]:
        return sorted(self.lines)


@dataclass(frozen=True)
class AgentFile:
    path: str
    assistant: str
    tracked: bool  # in HEAD (False: only in the working tree, often git-ignored)


@dataclass
class Provenance:
    root: Path
    since: str | None
    commits_read: int
    commits: list[Commit]
    files: list[AuthoredFile]
    agent_files: list[AgentFile]


def read(path: Path, since: str | None = None) -> Provenance:
    """Provenance of the repository holding `path`, limited to commits and files under it."""
    root = repo_root(path if path.is_dir() else path.parent)
    rel = _relative(path.resolve(), root.resolve())
    limit = ("--", rel) if rel else ()
    revisions = f"{since}..HEAD" if since else "HEAD"
    log = git(root, "log", "--no-color", "--no-show-signature", f"--format={_LOG_FORMAT}", revisions, *limit, config=_GIT)
    records = [r.strip("\n") for r in log.split(_RECORD) if r.strip("\n")]
    commits = [c for c in (_commit(r) for r in records) if c is not None]
    for commit in commits:
        names = git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", "--no-renames",
                    "--no-textconv", "--no-ext-diff", commit.sha, config=_GIT)
        commit.files = sorted(p for p in names.split("\0") if p and _under(p, rel))
    tracked = [p for p in git(root, "ls-tree", "-r", "--name-only", "-z", "HEAD", config=_GIT).split("\0")
               if p and _under(p, rel)]
    return Provenance(root, since, len(records), commits, _blame(root, commits, set(tracked)),
                      agent_files(root, tracked, rel))


def _relative(path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        raise InputError(f"{path} is not inside the git work tree {root}") from None
    return "" if rel == "." else rel


def _under(path: str, rel: str) -> bool:
    return not rel or path == rel or path.startswith(rel.rstrip("/") + "/")


# --- commits -------------------------------------------------------------------------------------


def _commit(record: str) -> Commit | None:
    parts = record.split(_FIELD)
    if len(parts) < 9:
        return None
    sha, author, email, committer, committer_email, date, subject, trailers, body = parts[:9]
    clues = sorted(set(clues_of(author, email, committer, committer_email, trailers, body)))
    return Commit(sha, f"{author} <{email}>", date, subject, clues) if clues else None


def clues_of(author: str, email: str, committer: str, committer_email: str, trailers: str, body: str) -> Iterable[Clue]:
    table = load()
    for line in trailers.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in table.trailer_keys:
            yield from _identity_clues("trailer", value.strip(), f"{key.strip()}: {value.strip()}")
    for name, mail, role in ((author, email, "author"), (committer, committer_email, "committer")):
        for assistant in table.assistants.values():
            if any(b.fullmatch(name) for b in assistant.bots) or any(e.fullmatch(mail) for e in assistant.emails):
                yield Clue("bot-author", assistant.id, "high", f"{role}: {name} <{mail}>")
            elif any(s.search(name) for s in assistant.author_suffixes):
                yield Clue("author-marker", assistant.id, "high", f"{role}: {name} <{mail}>")
    for line in body.splitlines():
        for assistant in table.assistants.values():
            if any(f.fullmatch(line.strip()) for f in assistant.footers):
                yield Clue("footer", assistant.id, "medium", line.strip())


def _identity_clues(kind: str, identity: str, detail: str) -> Iterable[Clue]:
    match = _IDENTITY.match(identity)
    name, email = (match.group("name"), match.group("email") or "") if match else (identity, "")
    for assistant in load().assistants.values():
        if any(e.fullmatch(email) for e in assistant.emails) or any(b.fullmatch(name) for b in assistant.bots):
            yield Clue(kind, assistant.id, "high", detail)
        elif any(n.fullmatch(name) for n in assistant.names):
            yield Clue(kind, assistant.id, "medium", detail)


# --- lines ---------------------------------------------------------------------------------------


def _blame(root: Path, commits: Sequence[Commit], tracked: set[str]) -> list[AuthoredFile]:
    by_sha = {c.sha: c for c in commits}
    out = []
    for path in sorted({p for c in commits for p in c.files if p in tracked}):
        porcelain = git(root, "blame", "--porcelain", "--no-textconv", "HEAD", "--", path, config=_GIT)
        item = AuthoredFile(path)
        for line in porcelain.splitlines():
            match = _BLAME_LINE.match(line)
            if match and match.group(1) in by_sha:
                commit = by_sha[match.group(1)]
                item.lines.setdefault(commit.assistant, []).append(int(match.group(2)))
                if commit.sha not in item.commits:
                    item.commits.append(commit.sha)
        if item.lines:
            out.append(item)
    return out


def ranges(lines: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in sorted(set(lines)):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


# --- agent files ---------------------------------------------------------------------------------


def agent_files(root: Path, tracked: Sequence[str], rel: str = "") -> list[AgentFile]:
    """Agent instruction and configuration files: tracked anywhere, or present (perhaps
    git-ignored, as Aider's are by default) at the top of the work tree."""
    found = {}
    for path in tracked:
        assistant = assistant_of_file(path)
        if assistant is not None:
            found[path] = AgentFile(path, assistant.id, True)
    base = root / rel if rel else root
    for assistant in load().assistants.values():
        for pattern in assistant.files:
            candidate = base / pattern.rstrip("/")
            relative = PurePosixPath(rel, pattern.rstrip("/")).as_posix() if rel else pattern.rstrip("/")
            if relative not in found and not any(p.startswith(relative + "/") for p in found) and \
                    (candidate.is_dir() if pattern.endswith("/") else candidate.is_file()) and not candidate.is_symlink():
                found[relative] = AgentFile(relative, assistant.id, False)
    return sorted(found.values(), key=lambda a: a.path)


def assistant_of_file(path: str) -> Assistant | None:
    parts = PurePosixPath(path).parts
    for assistant in load().assistants.values():
        for pattern in assistant.files:
            wanted = PurePosixPath(pattern.rstrip("/")).parts
            for start in range(len(parts) - len(wanted) + 1):
                window = parts[start:start + len(wanted)]
                if window == wanted and (pattern.endswith("/") and len(parts) > start + len(wanted)
                                         or not pattern.endswith("/") and start + len(wanted) == len(parts)):
                    return assistant
    return None


# --- the policy ----------------------------------------------------------------------------------


def violations(provenance: Provenance, policy: Policy | None) -> list[str]:
    """What `deny-assistants` (within `assistant-paths`, when given) forbids: one line each."""
    denied = policy.get("deny-assistants") if policy is not None else None
    if denied is None:
        return []
    paths = policy.get("assistant-paths")
    inside = (lambda p: config.is_excluded(p, paths.values)) if paths else (lambda p: True)
    where = f"{denied} ({policy.where(denied)})" + (f" within {paths}" if paths else "")
    out = []
    for item in provenance.files:
        for assistant in item.assistants:
            if assistant in denied.values and inside(item.path):
                lines = ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges(item.lines[assistant]))
                out.append(f"{item.path}: lines {lines} written with {assistant}, which the AI policy denies: {where}")
    return out
