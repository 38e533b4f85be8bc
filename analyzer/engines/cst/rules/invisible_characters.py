"""Characters that change how source reads without showing themselves (DS6xx)."""

from __future__ import annotations

import re
import unicodedata

from analyzer.engines.cst.framework import CstRule
from analyzer.findings import Confidence, Region, Severity

# Unicode bidirectional controls used by "Trojan Source" (CVE-2021-42574).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
# Characters that render as nothing (or as a plain space) yet are not ASCII whitespace.
INVISIBLE = (
    "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u3164\u115f\u1160\uffa0"
    "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)
_BIDI_RE = re.compile(f"[{BIDI_CONTROLS}]")
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]|[\U000e0000-\U000e007f]")  # + Unicode tag characters


def _describe(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def _matches(pattern: re.Pattern[str], text: str):
    for number, line in enumerate(text.splitlines(), start=1):
        if number == 1:
            line = line.removeprefix("\ufeff")  # a BOM at the very start is an encoding mark, not content
        for match in pattern.finditer(line):
            yield number, match


class BidiControlCharacter(CstRule):
    id = "DS601"
    name = "bidi-control-character"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (451,)
    security_severity = "8.6"
    summary = "Source contains a Unicode bidirectional control character (Trojan Source)."
    what = (
        "Reports bidirectional override, embedding and isolate characters (U+202A-U+202E, "
        "U+2066-U+2069, LRM/RLM/ALM) anywhere in the file: code, comments and strings."
    )
    why = (
        "Bidi controls reorder how an editor or a review page displays a line, so the code a "
        "reviewer reads is not the code Python runs: a comment can appear to close early, a "
        "string can appear to end, a check can appear to be commented out (Trojan Source, "
        "CVE-2021-42574). There is no reason for them in source code; right-to-left text that a "
        "program needs can be written with escapes."
    )
    fix = "Delete the control character; write needed right-to-left text with `\\u` escapes."
    example = 'access_level = "user\u202e \u2066# admin only\u2069 \u2066"  # displays reordered\n'
    use_instead = 'access_level = "user"\nrtl_label = "\\u202eexample"  # explicit escape when really needed\n'
    references = ("https://trojansource.codes/", "https://nvd.nist.gov/vuln/detail/CVE-2021-42574")
    scope = "lines"

    VALID = (
        'label = "\\u202e escaped, visible in review"\n',
        "greeting = 'مرحبا'  # right-to-left letters are fine; only the control characters are not\n",
    )
    INVALID = (
        'if access_level != "user\u202e \u2066# Check if admin\u2069 \u2066":\n    grant()\n',
        "# ruleid: bidi-control-character\nx = 1  # \u2067 hidden reordering\n",
    )

    def check_text(self) -> None:
        for number, match in _matches(_BIDI_RE, self.context.text):
            column = match.start() + 1
            self.report_at(
                Region(number, column, number, column + 1),
                f"Bidirectional control {_describe(match.group())} can make this line display "
                "differently from how Python reads it (Trojan Source).",
            )


class InvisibleCharacter(CstRule):
    id = "DS602"
    name = "invisible-character-in-source"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    cwe = (1007,)
    security_severity = "6.1"
    summary = "Source contains an invisible or look-alike space character."
    what = (
        "Reports zero-width characters (U+200B-U+200D, U+2060, U+FEFF past the start), Unicode tag "
        "characters, Hangul fillers, soft hyphens and non-ASCII spaces in the file."
    )
    why = (
        "Invisible characters make two different identifiers or strings look identical: a "
        "`password\u200b` variable shadows nothing visible, a string compare fails or passes "
        "unexpectedly, and tag characters can smuggle hidden instructions to AI tools. A reviewer "
        "cannot see them at all."
    )
    fix = "Delete the invisible character, or write it as an explicit `\\u` escape when it is data."
    example = 'admin_token\u200b = "x"  # a zero-width space inside the name\n'
    use_instead = 'admin_token = "x"\nZWSP = "\\u200b"  # explicit escape when the character is data\n'
    references = ("https://www.unicode.org/reports/tr36/",)

    VALID = (
        'ZWSP = "\\u200b"\nNBSP = "\\xa0"\n',
        "name = 'Zoë Ångström'  # non-ASCII letters are fine; only invisible ones are not\n",
    )
    INVALID = (
        "def is_admin(user):\n    return user.role == 'admin\u200b'\n",
        "# ruleid: invisible-character-in-source\nvalue\u3164 = 1\n",
    )

    def check_text(self) -> None:
        for number, match in _matches(_INVISIBLE_RE, self.context.text):
            column = match.start() + 1
            self.report_at(
                Region(number, column, number, column + 1),
                f"Invisible character {_describe(match.group())}: what a reviewer sees here is not "
                "what Python reads.",
            )
