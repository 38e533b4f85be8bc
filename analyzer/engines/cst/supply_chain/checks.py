"""From facts to problems: every supply-chain judgement of one file, by rule id.

The libcst rule classes (`analyzer/engines/cst/rules/supply_chain.py`) declare the rules and
report what this module finds for their id; the judgement lives here, once, so that one file is
read and its names looked up once for all the rules.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from analyzer.findings import Region
from analyzer.sources import Project, is_manifest_name
from analyzer.engines.cst.supply_chain import names
from analyzer.engines.cst.supply_chain.index import PackageIndex, load_index
from analyzer.engines.cst.supply_chain.manifests import (
    Dependency, IndexOption, Manifest, Span, UnreadManifest, parse_manifest,
)
from analyzer.engines.cst.supply_chain.nearmiss import NearMiss, Targets
from analyzer.engines.cst.supply_chain.project import Declared, ProjectFacts, facts_for
from analyzer.engines.cst.supply_chain.python_facts import PythonFacts, collect

IMPORT_OF_UNKNOWN = "DS400"
DEPENDENCY_UNKNOWN = "DS401"
NEAR_POPULAR = "DS402"
UNDECLARED_DISTRIBUTION = "DS403"
NAMED_AFTER_IMPORT = "DS404"
RUNTIME_INSTALL = "DS410"
EXTRA_INDEX = "DS411"
OTHER_INDEX = "DS412"
INDEX_WITHOUT_TLS = "DS413"
UNPINNED_URL = "DS414"

# Official vendor indexes (their own wheels, e.g. CUDA builds): used as the *only* index
# (`--index-url`) they are the documented way to install those packages.
VENDOR_INDEX_HOSTS = frozenset({"download.pytorch.org", "pypi.nvidia.com", "pypi.ngc.nvidia.com", "data.pyg.org"})
_KINDS = {
    "separators": "the same letters with different separators",
    "swapped letters": "two letters swapped",
    "one edit": "one letter off",
    "prefix/suffix": "with a prefix or suffix added",
    "two edits": "two letters off",
}


@dataclass(frozen=True)
class Problem:
    rule: str
    region: Region
    message: str


def problems_for(path: str, text: str, project: Project | None) -> dict[str, list[Problem]]:
    """Every supply-chain problem of one file, by rule id (computed once per file and run)."""
    key = ("supply-chain-problems", path)
    if project is not None and key in project.cache:
        return project.cache[key]  # type: ignore[return-value]
    found: dict[str, list[Problem]] = {}
    for problem in _judge(path, text, project):
        found.setdefault(problem.rule, []).append(problem)
    if project is not None:
        project.cache[key] = found
    return found


def _judge(path: str, text: str, project: Project | None) -> Iterable[Problem]:
    facts = facts_for(project)
    judge = _Judge(load_index(), facts, path)
    if is_manifest_name(path):
        manifest = parse_manifest(path, text)
        if manifest.error:
            raise UnreadManifest(f"{manifest.error}: its dependencies and package indexes were not checked")
        yield from judge.manifest(manifest, lambda span: Region(span.line, span.column, span.line, span.end_column))
        return
    tree = _python_tree(text)
    if tree is None:
        return
    python = collect(tree, text)
    yield from judge.imports(python)
    setup = Manifest(dependencies=python.setup_requirements)
    yield from judge.manifest(setup, lambda span: Region(span.line, span.column, span.line, span.end_column))
    for command in python.commands:
        yield from judge.manifest(command.manifest, None, command.region_of)
    for region in python.runtime_installs:
        yield Problem(RUNTIME_INSTALL, region, "This code installs packages with pip while it runs. Whatever "
                      "that name resolves to on the index at that moment is downloaded and executed, on "
                      "every machine that runs it; declare the dependency instead.")


def _python_tree(text: str) -> ast.Module | None:
    from analyzer.parse import parse_source  # the pipeline's cached parse of the same text

    return parse_source("<supply-chain>.py", text).tree


@functools.cache
def popular_targets() -> Targets:
    """Popular distribution names plus the import names people mistake for them (`sklearn`)."""
    index = load_index()
    ranked = dict(index.ranks)
    for module, providers in names.IMPORT_PROVIDERS.items():
        ranks = [index.rank(p) for p in providers if index.rank(p) is not None]
        key = names.normalise(module)
        if ranks and key not in ranked:
            ranked[key] = min(r for r in ranks if r is not None)
    return Targets(ranked)


def _hint(name: str) -> NearMiss | None:
    return popular_targets().closest(names.normalise(name))


def _did_you_mean(miss: NearMiss | None, *, as_import: bool = False) -> str:
    if miss is None:
        return ""
    if as_import:
        module = _IMPORT_SPELLING.get(miss.target, miss.target.replace("-", "_"))
        return (f" Did you mean `{module}` (PyPI project `{miss.target}`, download rank {miss.rank}; "
                f"{_KINDS[miss.kind]})?")
    return f" Did you mean `{miss.target}` (PyPI download rank {miss.rank}; {_KINDS[miss.kind]})?"


_IMPORT_SPELLING = {names.normalise(module): module for module in names.IMPORT_PROVIDERS}


class _Judge:
    def __init__(self, index: PackageIndex, facts: ProjectFacts, path: str) -> None:
        self.index = index
        self.facts = facts
        self.path = path

    # --- imports ---

    def imports(self, python: PythonFacts) -> Iterable[Problem]:
        declared = self.facts.declared_for(self.path)
        reported: set[str] = set()
        for ref in python.imports:
            module = ref.module
            if module in reported or self._not_a_package(module):
                continue
            problem = self._import(module, ref.region, declared)
            if problem is not None:
                reported.add(module)
                yield problem

    def _not_a_package(self, module: str) -> bool:
        return (module.startswith("_") or names.is_stdlib(module) or names.is_host_or_model_module(module)
                or module in names.NAMESPACES or self.facts.is_own_module(module)
                or self.facts.is_own_extension(module))

    def _import(self, module: str, region: Region, declared: Declared | None) -> Problem | None:
        key = names.normalise(module)
        providers = names.providers_of(module)
        if providers is not None:
            if declared is None or key in declared.keys or any(names.normalise(p) in declared.keys for p in providers):
                return None
            where = (f"{declared.manifests[0]} does not" if len(declared.manifests) == 1
                     else f"none of {', '.join(declared.manifests)}")
            return Problem(UNDECLARED_DISTRIBUTION, region, (
                f"`{module}` is provided by the `{providers[0]}` distribution, which {where} declare. "
                f"Declare `{providers[0]}`: `pip install {module}` would fetch "
                + (f"a different project." if key in self.index else "nothing (no such project on PyPI).")
            ))
        if declared is not None and key in declared.keys:
            return None  # chosen in the manifest, where the name is checked itself
        if key not in self.index:
            if any(self.index.rank(dist) is not None for dist in names.affixed_distributions(module)):
                return None  # a popular distribution's import name (`rpds` from rpds-py)
            hint = _did_you_mean(_hint(module), as_import=True)
            return Problem(IMPORT_OF_UNKNOWN, region, (
                f"`{module}` is not in the standard library, not a module of this project, and no PyPI project "
                f"has that name (snapshot {self.index.snapshot}).{hint} A name nobody has registered can be "
                f"claimed by anyone, and installing it would run their code."
            ))
        return self._squat(module, region, "imports")

    # --- dependencies and package indexes ---

    def manifest(
        self, manifest: Manifest, to_region: Callable[[Span], Region] | None = None,
        region_of: Callable[[int], Region] | None = None,
    ) -> Iterable[Problem]:
        """Problems of a manifest's dependencies and indexes, located by their span in a manifest
        (`to_region`) or by the argument they were written in (`region_of`, commands in code)."""

        def where(item: Dependency | IndexOption) -> Region:
            if region_of is not None:
                return region_of(item.arg)
            assert to_region is not None
            return to_region(item.span)

        for option in manifest.indexes:
            problem = self._index_option(option, where(option))
            if problem is not None:
                yield problem
        for dependency in manifest.dependencies:
            yield from self._dependency(dependency, where(dependency), manifest)

    def _index_option(self, option: IndexOption, region: Region) -> Problem | None:
        if option.is_pypi:
            return None
        if option.option == "--trusted-host" or option.value.lower().startswith("http://"):
            return Problem(INDEX_WITHOUT_TLS, region, (
                f"Packages are fetched from `{option.host}` without TLS verification "
                f"(`{option.option} {option.value}`): anyone on the network path can serve modified packages, "
                f"which run code when installed. Use an https index with a valid certificate."
            ))
        if option.option == "--extra-index-url":
            return Problem(EXTRA_INDEX, region, (
                f"`--extra-index-url {option.value}` makes pip choose, for every name, the highest version found on "
                f"PyPI or on `{option.host}`. Anyone can publish a higher version of an internal name on PyPI "
                f"(dependency confusion). Use `--index-url` with one index that proxies PyPI, or pin with hashes."
            ))
        if option.host in VENDOR_INDEX_HOSTS:
            return None
        return Problem(OTHER_INDEX, region, (
            f"Packages are installed from `{option.host}` (`{option.option}`), an index outside PyPI. Every "
            f"dependency now comes from whoever runs that host; make sure the change meant to trust it."
        ))

    def _dependency(self, dependency: Dependency, region: Region, manifest: Manifest) -> Iterable[Problem]:
        if dependency.url:
            if not dependency.hashed and not dependency.url.lower().startswith("file:"):
                yield Problem(UNPINNED_URL, region, (
                    f"`{dependency.url}` is installed from a URL without a pinned commit or hash: whoever controls "
                    f"that branch, tag or file decides what runs at install time. Pin a full commit id "
                    f"(`@<40-hex sha>`) or add `#sha256=...` / `--hash`."
                ))
            return
        name = dependency.name
        key = dependency.key
        if not name or not names.is_valid_project_name(name) or self.facts.is_own_module(key.replace("-", "_")):
            return
        wrong = self._import_name_requirement(name)
        if wrong is not None:
            yield Problem(NAMED_AFTER_IMPORT, region, wrong)
        elif key not in self.index:
            if manifest.replaces_pypi:
                return  # installed from another index: not a PyPI name (its index is reported)
            confusion = (" With `--extra-index-url` in this file, an internal name that PyPI lacks is exactly what a "
                         "dependency-confusion attacker registers." if manifest.adds_index else "")
            yield Problem(DEPENDENCY_UNKNOWN, region, (
                f"`{name}` is not a PyPI project (snapshot {self.index.snapshot}).{_did_you_mean(_hint(name))} "
                f"Installing it fails today, and installs whoever registers the name tomorrow (slopsquatting)."
                f"{confusion}"
            ))
        else:
            problem = self._squat(name, region, "requires")
            if problem is not None:
                yield problem

    def _import_name_requirement(self, name: str) -> str | None:
        """A message when `name` is the import name of a distribution named otherwise (`sklearn`)."""
        key = names.normalise(name)
        for module, providers in names.IMPORT_PROVIDERS.items():
            if names.normalise(module) == key and providers and key not in {names.normalise(p) for p in providers}:
                exists = (f"the PyPI project `{name}` is a different project" if key in self.index
                          else f"no PyPI project is named `{name}`")
                return (f"`{name}` is the import name of `{providers[0]}`, not a distribution name: {exists}. "
                        f"Require `{providers[0]}`.")
        return None

    def _squat(self, name: str, region: Region, verb: str) -> Problem | None:
        suspect = self.index.suspect(name)
        if suspect is None:
            return None
        rank = self.index.rank(suspect.target)
        released = f", last release {suspect.last_release}" if suspect.last_release else ""
        return Problem(NEAR_POPULAR, region, (
            f"This {verb} `{name}`, a little-used PyPI project{released}, whose name is the popular "
            f"`{suspect.target}` (download rank {rank}) {_KINDS.get(suspect.kind, suspect.kind)}. Typosquats "
            f"look exactly like this; make sure `{name}` is the project you meant."
        ))
