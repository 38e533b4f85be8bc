"""`[tool.diffsentry]`: discovery, validation, precedence, exclusion and severity overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer import config
from analyzer.findings import Confidence, Finding, Region, Severity
from tests.conftest import findings_of, run_cli
from tests.gitrepo import GitRepo

SHELL = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.run(cmd, shell=True)\n"
YAML = "import yaml\n\n\ndef load(handle):\n    return yaml.load(handle, Loader=yaml.Loader)\n"
FAST = ("--select", "B602,B506")  # Bandit only: no Semgrep start-up in these tests


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert config.find_config_file(tmp_path) is None
    assert config.load(tmp_path) == config.Config()


def test_nearest_pyproject_with_the_table_wins(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.diffsentry]\nfail-on = "error"\n')
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')  # no table: keep looking up
    nested = write(tmp_path / "pkg" / "sub" / "mod.py", "x = 1\n")
    assert config.find_config_file(nested) == tmp_path / "pyproject.toml"
    assert config.load(nested.parent).fail_on == "error"


def test_all_keys_parse(tmp_path):
    path = write(tmp_path / "pyproject.toml", """
[tool.diffsentry]
select = ["DS", "B6"]
ignore = "DS190"
fail-on = "note"
exclude = ["migrations", "tests/fixtures/*"]
baseline = "ci/baseline.json"
nosec = false
trust-added-suppressions = true
[tool.diffsentry.severity]
B602 = "error"
""")
    got = config.load_file(path)
    assert got.select == ("DS", "B6") and got.ignore == ("DS190",) and got.fail_on == "note"
    assert got.exclude == ("migrations", "tests/fixtures/*")
    assert got.baseline == (tmp_path / "ci" / "baseline.json").resolve()
    assert got.nosec is False and got.trust_added_suppressions is True
    assert got.severity == {"B602": Severity.ERROR}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('failon = "error"', "unknown key 'failon' (did you mean 'fail-on'?)"),
        ('fail_on = "error"', "unknown key 'fail_on' (did you mean 'fail-on'?)"),
        ('colour = true', "unknown key 'colour' (known keys: select, ignore, fail-on"),
        ('fail-on = "high"', "fail-on must be one of error, warning, note, none"),
        ("select = [1, 2]", "select must be a list of non-empty strings"),
        ('nosec = "yes"', "nosec must be true or false"),
        ('[tool.diffsentry.severity]\nB602 = "critical"', "severity.B602: unknown severity 'critical'"),
        ('select = ["DS1"', "not valid TOML"),
        # the AI policy's key in the capability key's place: the message tells the two apart
        ('allow-hosts = ["telemetry.example.com"]', "unknown key 'allow-hosts' (hosts the project is expected to "
                                                    "talk to are 'allowed-hosts' here; 'allow-hosts' is the AI policy"),
    ],
)
def test_bad_configuration_is_an_error_naming_file_and_key(tmp_path, body, message):
    path = write(tmp_path / "pyproject.toml", "[tool.diffsentry]\n" + body + "\n")
    with pytest.raises(config.ConfigError) as caught:
        config.load_file(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_cli_reports_an_unknown_key_and_exits_2(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.diffsentry]\nignroe = ["DS1"]\n')
    write(tmp_path / "app.py", "x = 1\n")
    result = run_cli("scan", str(tmp_path / "app.py"))
    assert result.exit_code == 2
    assert "unknown key 'ignroe' (did you mean 'ignore'?)" in result.output


def test_unknown_rule_in_the_configuration_is_an_error(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.diffsentry]\nselect = ["DS999"]\n')
    write(tmp_path / "app.py", "x = 1\n")
    result = run_cli("scan", str(tmp_path / "app.py"))
    assert result.exit_code == 2 and "DS999" in result.output and "pyproject.toml" in result.output


@pytest.mark.parametrize(
    ("path", "patterns", "excluded"),
    [
        ("app/migrations/0001_initial.py", ["migrations"], True),
        ("app/views.py", ["migrations"], False),
        ("tests/fixtures/bad.py", ["tests/fixtures"], True),
        ("tests/fixtures/deep/bad.py", ["tests/fixtures/*"], True),
        ("tests/test_views.py", ["tests/fixtures/*"], False),
        ("scripts/gen_docs.py", ["scripts/gen_*.py"], True),
        ("src/migrations_helper.py", ["migrations"], False),
        ("vendor/lib.py", ["./vendor/"], True),
    ],
)
def test_exclude_patterns(path, patterns, excluded):
    assert config.is_excluded(path, patterns) is excluded


def test_severity_overrides_resolve_most_specific_selector(catalogue):
    by_rule = config.severity_by_rule({"B6": Severity.NOTE, "B602": Severity.ERROR}, catalogue)
    assert by_rule["B602"] is Severity.ERROR and by_rule["B605"] is Severity.NOTE
    finding = Finding("B605", "a.py", Region(1), "m", Severity.WARNING, Confidence.HIGH, ("bandit",))
    assert config.override_severity([finding], by_rule)[0].severity is Severity.NOTE


def test_configuration_applies_and_flags_win(tmp_path):
    write(tmp_path / "pyproject.toml", """
[tool.diffsentry]
fail-on = "error"
exclude = ["generated"]
[tool.diffsentry.severity]
B506 = "note"
""")
    write(tmp_path / "src" / "run.py", SHELL)
    write(tmp_path / "src" / "settings.py", YAML)
    write(tmp_path / "generated" / "client.py", SHELL)
    # B602 is a warning, B506 lowered to a note; fail-on = "error" from the configuration: exit 0.
    result = run_cli("scan", str(tmp_path), "-f", "json", *FAST)
    assert result.exit_code == 0, result.output
    got = {(f["path"], f["rule_id"], f["severity"]) for f in findings_of(result)}
    assert got == {("src/run.py", "B602", "warning"), ("src/settings.py", "B506", "note")}
    # The command line wins over the configuration.
    assert run_cli("scan", str(tmp_path), "-f", "json", *FAST, "--fail-on", "warning").exit_code == 1
    only = run_cli("scan", str(tmp_path), "-f", "json", "--select", "B506")
    assert {f["rule_id"] for f in findings_of(only)} == {"B506"}
    # An explicit --config replaces discovery.
    other = write(tmp_path / "strict.toml", '[tool.diffsentry]\nfail-on = "note"\n')
    strict = run_cli("scan", str(tmp_path / "src" / "settings.py"), "-f", "json", "--select", "B506",
                     "--config", str(other))
    assert strict.exit_code == 1 and json.loads(strict.stdout)["findings"][0]["severity"] == "error"


def test_a_change_cannot_reconfigure_its_own_review(tmp_path):
    repo = GitRepo(tmp_path / "repo")
    repo.write("pyproject.toml", '[project]\nname = "svc"\n\n[tool.diffsentry]\nfail-on = "warning"\n')
    repo.write("svc/run.py", "def run():\n    return 0\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("pyproject.toml", '[project]\nname = "svc"\n\n[tool.diffsentry]\nfail-on = "none"\n'
                                 'exclude = ["svc"]\n')
    repo.write("svc/run.py", SHELL)
    repo.commit("feature")
    result = run_cli("diff", "--base", "main", "--root", str(repo.path), "-f", "json", *FAST, "--select", "DS692")
    assert result.exit_code == 1, result.output  # the base's fail-on and exclude were used
    got = {(f["path"], f["rule_id"]): f for f in findings_of(result)}
    assert set(got) == {("svc/run.py", "B602"), ("pyproject.toml", "DS692")}
    assert "fail-on, exclude" in got[("pyproject.toml", "DS692")]["message"]
    assert got[("pyproject.toml", "DS692")]["start_line"] == 4  # the [tool.diffsentry] header
    trusted = run_cli("diff", "--base", "main", "--root", str(repo.path), "-f", "json", *FAST,
                      "--trust-added-suppressions")
    assert trusted.exit_code == 0 and findings_of(trusted) == []
