"""Identifiers that look like other identifiers (DS61x): mixed scripts, homoglyphs, NFKC rewrites.

Python compares identifiers after NFKC normalisation (PEP 3131), so `ｅｘｅｃ` *is* `exec`, while
`еxec` with a Cyrillic `е` is a different name that looks the same. Both fool a reviewer and every
text search; the second can shadow a builtin, an import or a variable defined a few lines up.

The homoglyph table below is deliberately small and embedded (no download of Unicode's
confusables.txt): the Cyrillic, Greek, Armenian and Cherokee letters that are drawn like an ASCII
letter in common code fonts. Fullwidth and mathematical letters need no table: NFKC maps them.
Single-script non-Latin identifiers (Chinese, Greek maths, Russian) are legitimate and not reported.
"""

from __future__ import annotations

import builtins
import keyword
import re
import sys
import unicodedata

import libcst

from analyzer.engines.cst.framework import CstRule
from analyzer.engines.cst.rules._source_regions import describe
from analyzer.findings import Confidence, Severity

# Drawn the same as the ASCII letter in common fonts: used to build a name's "skeleton".
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
    "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ү": "y", "ѵ": "v",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Ӏ": "l", "Ѵ": "V",
    # Greek
    "ο": "o", "ν": "v", "ϲ": "c", "ϳ": "j",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
    # Armenian, Cherokee
    "օ": "o", "ս": "u", "հ": "h", "ո": "n", "զ": "q", "Օ": "O", "Ս": "U",
    "Ꭺ": "A", "Ᏼ": "B", "Ꮯ": "C", "Ꭼ": "E", "Ꮋ": "H", "Ꭻ": "J", "Ꮶ": "K", "Ꮇ": "M", "Ꮲ": "P", "Ꮪ": "S",
    "Ꭲ": "T", "Ꮤ": "W", "Ꮓ": "Z",
    # Latin letters that pass for other Latin letters
    "ı": "i", "ɩ": "i", "ɑ": "a", "ɡ": "g",
}
# Close enough to a Latin letter to disguise one inside a Latin word, yet common on their own in
# maths (`α`, `ρ`, `κ`): they count for mixed-script words, not for skeletons.
SIMILAR_GREEK = frozenset("αιρκυχγ")
# Scripts whose letters double as Latin ones; any other mix (Latin with Han, kana, Hangul...) is
# how people write identifiers in their own language and is not reported.
LOOKALIKE_SCRIPTS = frozenset({"CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE"})
# Default-ignorable characters that may sit inside a Python identifier and render as nothing.
_IGNORABLE_RE = re.compile("[\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2060-\u2064"
                           "\u3164\ufe00-\ufe0f\uffa0\U000e0000-\U000e0fff]")

BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("__")) | {"__import__"}
KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
CONVENTIONAL_NAMES = frozenset({"self", "cls"})
STDLIB_MODULES = frozenset(m for m in sys.stdlib_module_names if not m.startswith("_"))
GROUP = "confusable-identifier"
# Files without a non-ASCII letter or digit cannot hold a non-ASCII identifier: no need to parse them.
NON_ASCII_WORD = re.compile(r"[^\W\x00-\x7f]")


def nfkc(name: str) -> str:
    return unicodedata.normalize("NFKC", name)


def skeleton(name: str) -> str:
    """What `name` looks like: NFKC, invisible characters dropped, homoglyphs mapped to ASCII."""
    return "".join(HOMOGLYPHS.get(char, char) for char in _IGNORABLE_RE.sub("", nfkc(name)))


def script_of(char: str) -> str | None:
    """The script of a letter by its Unicode name (LATIN, CYRILLIC, CJK...), None for other characters."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    first = name.split(" ", 1)[0]
    return None if first in ("MODIFIER", "") else first


def segments(name: str) -> list[str]:
    """Words of an identifier: split at underscores, digits and lower-to-upper case changes."""
    words = []
    for piece in re.split(r"[_\d]+", name):
        start = 0
        for i in range(1, len(piece)):
            if piece[i - 1].islower() and piece[i].isupper():
                words.append(piece[start:i])
                start = i
        if piece[start:]:
            words.append(piece[start:])
    return words


def mixed_script_letter(name: str) -> str | None:
    """A letter that disguises itself as Latin inside `name`, or None.

    Reported: a word mixing Latin with Cyrillic (or Cyrillic with Greek); a word mixing Latin with a
    Greek, Armenian or Cherokee letter that looks Latin; and in an identifier with Latin words, a
    non-Latin word spelt only with look-alikes of Latin letters (`deep_сору`).
    """
    name = nfkc(name)
    words = segments(name)
    has_latin = any(script_of(c) == "LATIN" for c in name)
    for word in words:
        scripts = {script_of(c) for c in word} - {None}
        foreign = [c for c in word if script_of(c) in LOOKALIKE_SCRIPTS]
        if not foreign:
            continue
        if "LATIN" in scripts:
            if "CYRILLIC" in scripts:
                return next(c for c in foreign if script_of(c) == "CYRILLIC")
            for char in foreign:
                if char in HOMOGLYPHS or char in SIMILAR_GREEK:
                    return char
        elif {"CYRILLIC", "GREEK"} <= scripts:
            return foreign[0]
        elif has_latin and len(word) >= 2 and all(c in HOMOGLYPHS for c in word):
            return word[0]
    return None


class MixedScriptIdentifier(CstRule):
    id = "DS610"
    name = "mixed-script-identifier"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    cwe = (1007,)
    security_severity = "6.5"
    group = GROUP
    TRIGGER = NON_ASCII_WORD
    summary = "An identifier hides a Cyrillic, Greek or other look-alike letter among Latin ones."
    what = (
        "Reports identifiers where one word (split at `_`, digits and camelCase) mixes Latin letters "
        "with Cyrillic ones, or with Greek, Armenian or Cherokee letters drawn like Latin ones, and "
        "identifiers whose Latin words sit next to a word spelt only with such look-alikes. Names in "
        "one non-Latin script (`价格`, `σ_max`, `Δt`, `получить_данные`) are not reported."
    )
    why = (
        "`pаssword` with a Cyrillic `а` is a different variable from `password`, yet no reviewer "
        "can tell them apart. Homoglyph names let a change define a shadow of a check, a credential "
        "or a module that the reader believes is the real one, and they slip past every text search."
    )
    fix = "Spell the identifier with one script: retype it on a Latin keyboard layout."
    example = "def check_pаssword(user, pаssword):  # Cyrillic а\n    return True\n"
    use_instead = "def check_password(user, password):\n    return verify(user, password)\n"
    references = (
        "https://www.unicode.org/reports/tr39/#Mixed_Script_Detection",
        "https://peps.python.org/pep-0672/",
    )

    VALID = (
        "def 计算价格(数量, 单价):\n    return 数量 * 单价\n",
        "def gaussian(x, μ, σ):\n    σ_max = 3 * σ\n    Δt = 0.1\n    dθ = Δt * σ_max\n    return (x - μ) / σ, dθ\n",
        "def получить_данные(запрос):\n    user_имя = запрос.get('имя')\n    return user_имя\n",
        "# ok: mixed-script-identifier\nnaïve_café = 'Zoë'  # accented Latin is Latin\n",
    )
    INVALID = (
        "def login(request):\n    password = request.form['password']\n"
        "    # ruleid: mixed-script-identifier\n    pаssword = 'hunter2'  # Cyrillic а\n"
        "    # ruleid: mixed-script-identifier\n    return check(request.form['user'], pаssword)\n",
        "import subprocess\n\n# ruleid: mixed-script-identifier\ndef run_сommand(cmd):\n"
        "    return subprocess.run(cmd, check=True)\n",
        "# ruleid: mixed-script-identifier\nclass HTTPСlient:  # Cyrillic С\n    pass\n",
        "import copy\n\n# ruleid: mixed-script-identifier\ndef deep_сору(obj):  # Cyrillic с, о, р, у\n"
        "    return obj\n",
        "# ruleid: mixed-script-identifier\nis_αdmin = request.args.get('role') == 'admin'  # Greek α\n",
    )

    def visit_Name(self, node: libcst.Name) -> None:
        if node.value.isascii():
            return
        char = mixed_script_letter(node.value)
        if char is not None:
            self.report(
                node,
                f"Identifier `{node.value}` hides {describe(char)} among Latin letters; it reads as "
                f"`{skeleton(node.value)}` but is a different name.",
            )


class ConfusableIdentifier(CstRule):
    id = "DS611"
    name = "identifier-confusable-with-known-name"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (1007,)
    security_severity = "8.1"
    group = GROUP
    TRIGGER = NON_ASCII_WORD
    summary = "An identifier is a look-alike of a builtin, keyword, import or another name in the file."
    what = (
        "Reports identifiers whose confusable skeleton (NFKC, invisible characters removed, "
        "Cyrillic/Greek/Armenian/Cherokee look-alikes mapped to ASCII) equals a builtin, a keyword, "
        "a standard-library module, a name the file imports or another identifier in the same "
        "file, while Python reads a different name; and identifiers written with compatibility "
        "characters (fullwidth `ｅｘｅｃ`, mathematical `𝐞𝐯𝐚𝐥`) that Python normalises to a builtin, "
        "keyword, module or imported name."
    )
    why = (
        "A look-alike of `password` next to `password`, of `os` next to `import os`, or of `exec` "
        "defined as a function of its own, lets a change run something other than what the "
        "reviewer reads. Fullwidth `ｅｘｅｃ` goes the other way: Python runs the builtin `exec`, but "
        "grep, Semgrep patterns and a reviewer searching for `exec(` do not see it."
    )
    fix = "Retype the identifier in ASCII so that it is, and looks like, the name it imitates."
    example = "import os\n\nоs = __import__('shim')  # Cyrillic о shadows the real module\nоs.system(cmd)\n"
    use_instead = "import os\n\nos.system(cmd)\n"
    references = ("https://www.unicode.org/reports/tr39/#Confusable_Detection", "https://peps.python.org/pep-0672/")

    VALID = (
        "def energy(m, v):\n    ν = 3.0e8  # Greek nu, a single letter\n    return m * v * v / 2 + ν\n",
        "def 打印(内容):\n    print(内容)\n",
        "def сопротивление(ток, напряжение):\n    return напряжение / ток\n",
        "# ok: identifier-confusable-with-known-name\nµs = 1e-6  # micro sign: Python reads Greek mu, no ASCII name\n",
    )
    INVALID = (
        "import base64\n\n# ruleid: identifier-confusable-with-known-name\nｅｘｅｃ(base64.b64decode(PAYLOAD))\n",
        "import os\n\n@app.post('/backup')\ndef backup():\n"
        "    # ruleid: identifier-confusable-with-known-name\n    оs = load_plugin(request.json['plugin'])\n"
        "    # ruleid: identifier-confusable-with-known-name\n    оs.system('tar czf /tmp/b.tgz /srv')\n"
        "    return {'ok': True}\n",
        "def is_valid(token: str, expected: str) -> bool:\n    # ruleid: identifier-confusable-with-known-name\n"
        "    ехресted = 'letmein'  # Cyrillic е, х, р, е, с\n"
        "    # ruleid: identifier-confusable-with-known-name\n"
        "    return hmac.compare_digest(token, expected) or token == ехресted\n",
        "def authenticate(user, password):\n"
        "    # ruleid: identifier-confusable-with-known-name\n    password\u3164 = password\n"
        "    # ruleid: identifier-confusable-with-known-name\n    return verify(user, password\u3164 or 'default')\n",
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self._names: set[str] = set()
        self._suspects: list[libcst.Name] = []
        self._imported: set[str] = set()

    def visit_Name(self, node: libcst.Name) -> None:
        self._names.add(node.value)
        if not node.value.isascii():
            self._suspects.append(node)

    def visit_ImportAlias(self, node: libcst.ImportAlias) -> None:
        target = node.asname.name if node.asname is not None else node.name
        while isinstance(target, libcst.Attribute):
            target = target.value
        if isinstance(target, libcst.Name):
            self._imported.add(nfkc(target.value))

    def leave_Module(self, original_node: libcst.Module) -> None:
        if not self._suspects:
            return
        by_skeleton: dict[str, set[str]] = {}
        for name in self._names:
            by_skeleton.setdefault(name if name.isascii() else skeleton(name), set()).add(nfkc(name))
        for node in self._suspects:
            message = self._confusion(node.value, by_skeleton)
            if message:
                self.report(node, message)

    def _confusion(self, raw: str, by_skeleton: dict[str, set[str]]) -> str | None:
        read, looks = nfkc(raw), skeleton(raw)
        if read != raw and self._known(read):
            return (
                f"`{raw}` is written with compatibility characters: Python reads it as {self._known(read)}, "
                "which text searches and pattern scanners do not match."
            )
        if looks == read or len(looks) < 2:
            return None
        known = self._known(looks)
        if known:
            return f"`{raw}` looks exactly like {known} but is a different name to Python."
        others = sorted(by_skeleton.get(looks, set()) - {read})
        if others:
            return f"`{raw}` looks exactly like `{others[0]}`, used in this file, but is a different name to Python."
        return None

    def _known(self, name: str) -> str:
        if name in BUILTIN_NAMES:
            return f"the builtin `{name}`"
        if name in KEYWORDS:
            return f"the keyword `{name}`"
        if name in CONVENTIONAL_NAMES:
            return f"the conventional name `{name}`"
        if name in self._imported:
            return f"the imported name `{name}`"
        if name in STDLIB_MODULES:
            return f"the standard-library module `{name}`"
        return ""


class NfkcRewrittenIdentifier(CstRule):
    id = "DS612"
    name = "identifier-rewritten-by-nfkc"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    cwe = (176,)
    security_severity = "5.3"
    group = GROUP
    TRIGGER = NON_ASCII_WORD
    summary = "An identifier uses fullwidth, mathematical or other compatibility letters Python reads as ASCII."
    what = (
        "Reports identifiers containing characters that Python's NFKC normalisation turns into ASCII "
        "(fullwidth `ｐａｓｓｗｏｒｄ`, mathematical `𝐱`, the ligature `ﬁ`, script `ℓ`). Letters that "
        "normalise to other non-ASCII letters (the micro sign `µ` to Greek `μ`) are not reported."
    )
    why = (
        "Python silently treats `ｐａｓｓｗｏｒｄ` and `password`, or `ℓ` and `l`, as one variable, so "
        "an assignment in one spelling changes the other although they look unrelated, and text "
        "searches, linters and scanners working on the source text miss the name."
    )
    fix = "Write the identifier in the plain ASCII letters Python reads anyway."
    example = "ｔｏｋｅｎ = request.headers.get('X-Token')\n"
    use_instead = "token = request.headers.get('X-Token')\n"
    references = ("https://peps.python.org/pep-3131/", "https://peps.python.org/pep-0672/")

    VALID = (
        "def resistance(µ, length):  # micro sign, normalised to Greek mu\n    return µ * length\n",
        "WIDTH = '\uff37\uff49\uff44\uff45'  # fullwidth letters in a string are text\n",
        "def rate(Δx, Δt):\n    return Δx / Δt\n",
    )
    INVALID = (
        "@app.get('/me')\ndef me():\n    # ruleid: identifier-rewritten-by-nfkc\n"
        "    ｔｏｋｅｎ = request.headers.get('X-Token')\n    return lookup(token)\n",
        "def harmonics(lmax):\n    # ruleid: identifier-rewritten-by-nfkc\n    for ℓ in range(lmax):\n"
        "        yield l * (l + 1)  # Python reads ℓ as l\n",
        "# ruleid: identifier-rewritten-by-nfkc\n𝐮𝐬𝐞𝐫 = get_user()\n",
    )

    def visit_Name(self, node: libcst.Name) -> None:
        raw = node.value
        if raw.isascii():
            return
        changed = [c for c in raw if not c.isascii() and nfkc(c).isascii()]
        if changed:
            self.report(
                node,
                f"`{raw}` contains {describe(changed[0])}; Python reads the name as `{nfkc(raw)}`.",
            )
