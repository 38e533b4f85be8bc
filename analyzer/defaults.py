"""Values the command line shows in its help, in a module that imports nothing.

Every `diffsentry --version`, `diffsentry rules` and pre-commit run builds the options' help before
it does any work: importing the modules that use these values for them took ~60 ms of a ~100 ms
start-up (the Semgrep engine alone 24 ms). The modules that use them import them from here.
"""

# Seconds one file may take in libcst's parser and in each Semgrep rule (`--per-file-timeout`).
PER_FILE_TIMEOUT_S = 30.0
# Semgrep's whole-run budget: this, plus PER_FILE_BUDGET_S per file scanned (`--semgrep-timeout`).
SEMGREP_TIMEOUT_S = 600.0
# The default budget grows by this per file scanned: a fixed 600 s killed whole-repository scans
# (Django's 2,788-file sdist: 450 s cold on an idle 2-core machine, over 600 s under load).
PER_FILE_BUDGET_S = 1.0
# The whole run's deadline before it grows with the number of files (`--timeout`).
RUN_BUDGET_S = 3600.0
MAX_FILE_BYTES = 2_000_000  # `--max-file-bytes`
FAIL_ON = ("error", "warning", "note", "none")
# Like CodeQL's default and security-extended suites: "default" holds the rules precise enough to
# show a reviewer unasked; "extended" adds rules that flag a function by name where a
# data-following rule covers the same problem (Bandit's B608, B703, ...). Suite -> the rules' suites.
SUITES: dict[str, tuple[str, ...]] = {"default": ("default",), "extended": ("default", "extended")}
BASELINE_FILE = ".diffsentry-baseline.json"
