"""The AI bill of materials: the inventory as CycloneDX 1.6 JSON, built with cyclonedx-python-lib.

Mapping (the one Snyk `aibom`, cdxgen `-t ai` and OWASP's generator settled on):
* each AI service the code calls -> a `service` with its endpoints and provider (the company);
* each model named in the code -> a `machine-learning-model` component, its maker as manufacturer;
* each SDK imported or declared -> a `library` component (`pkg:pypi/...` when declared);
* where it was seen (file, line) -> `evidence.occurrences` of components, and `diffsentry:evidence`
  properties of services (CycloneDX services have no evidence field);
* vendor, country and the vendor table's version -> `diffsentry:*` properties;
* with `--provenance`: files with lines an assistant wrote -> `file` components (assistant, vendor,
  line ranges, commits as properties), attributed commits -> `metadata.properties`.

The serial number is derived from the content and no timestamp is written, so the same tree gives
the same document (diffable in review, stable in CI artifacts).
"""

from __future__ import annotations

import uuid
from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.service import Service
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from packageurl import PackageURL

from analyzer import __version__
from analyzer.ai.inventory import Evidence, Inventory
from analyzer.ai.provenance import Provenance, ranges
from analyzer.ai.vendors import LOCAL, load

SCHEMA_VERSION = SchemaVersion.V1_6
_NAMESPACE = uuid.UUID("9a1d7f8e-6c1b-4f57-8d0e-5b2f3c4d5e6f")  # diffsentry's, for uuid5 serial numbers


def render(inventory: Inventory, *, provenance: Provenance | None = None, **_: object) -> str:
    table = load()
    seen: dict[tuple[str, str], list[tuple[str, Evidence]]] = {}
    for item in inventory.files:
        for e in item.evidence:
            if e.kind in ("sdk", "dependency", "model"):  # an SDK imported and declared: one library
                seen.setdefault(("model" if e.kind == "model" else "library", e.detail), []).append((item.path, e))
        for provider in item.providers:
            if provider != LOCAL:
                seen.setdefault(("service", provider), []).extend((item.path, e) for e in item.evidence_of(provider))
    bom = Bom()
    bom.metadata.timestamp = None  # type: ignore[assignment]
    bom.metadata.tools.components.add(Component(name="diffsentry", type=ComponentType.APPLICATION,
                                                version=__version__))
    bom.metadata.component = Component(name=inventory.root.resolve().name or "project",
                                       type=ComponentType.APPLICATION, bom_ref="project")
    bom.metadata.properties.update(
        [Property(name="diffsentry:vendor-table", value=table.version),
         *_commit_properties(provenance)])
    for (kind, name), where in sorted(seen.items()):
        first = where[0][1]
        vendor = table.vendor_of(first.provider)
        properties = [Property(name="diffsentry:provider" if kind != "model" else "diffsentry:model-family",
                               value=first.provider)]
        if vendor is not None:
            properties += [Property(name="diffsentry:vendor", value=vendor.id),
                           Property(name="diffsentry:country", value=vendor.country or "none")]
        organisation = OrganizationalEntity(name=vendor.company) if vendor is not None else None
        if kind == "service":
            endpoints = sorted({e.detail for _, e in where if e.kind == "endpoint"})
            bom.services.add(Service(
                name=name, bom_ref=f"service:{name}", provider=organisation,
                endpoints=[XsUri(url) for url in endpoints], x_trust_boundary=True,
                properties=properties + [Property(name="diffsentry:evidence", value=f"{path}:{e.line} {e.kind} {e.detail}")
                                         for path, e in where],
            ))
            continue
        component = Component(
            name=name, bom_ref=f"{kind}:{name}",
            type=ComponentType.MACHINE_LEARNING_MODEL if kind == "model" else ComponentType.LIBRARY,
            purl=PackageURL(type="pypi", name=name.lower()) if any(e.kind == "dependency" for _, e in where) else None,
            manufacturer=organisation if kind == "model" else None,
            properties=properties + [Property(name="diffsentry:evidence-kind", value=kind)
                                     for kind in sorted({e.kind for _, e in where})],
            evidence=ComponentEvidence(occurrences=[
                # An explicit bom-ref: the library's default is a random one, which also orders the set.
                Occurrence(bom_ref=f"{kind}:{name}@{path}:{e.line}:{e.column}", location=path, line=e.line,
                           offset=e.column, symbol=e.detail) for path, e in where]),
        )
        bom.components.add(component)
    for component in _authored_files(provenance):
        bom.components.add(component)
    bom.register_dependency(bom.metadata.component, [*bom.components, *bom.services])
    bom.serial_number = uuid.uuid5(_NAMESPACE, repr(sorted(seen)) + repr(sorted(_commit_properties(provenance))))
    return make_outputter(bom, OutputFormat.JSON, SCHEMA_VERSION).output_as_string(indent=2) + "\n"


# --- provenance, when asked (`inventory --provenance`) -------------------------------------------


def _commit_properties(provenance: Provenance | None) -> list[Property]:
    if provenance is None:
        return []
    return [Property(name="diffsentry:provenance:commits-read", value=str(provenance.commits_read)),
            *(Property(name="diffsentry:provenance:ai-commit",
                       value=f"{c.sha} {c.assistant} {c.confidence}") for c in provenance.commits)]


def _authored_files(provenance: Provenance | None) -> list[Component]:
    """Files with lines an assistant wrote, as `file` components: assistant, vendor, line ranges."""
    out = []
    for item in provenance.files if provenance is not None else ():
        properties = []
        for assistant, lines in sorted(item.lines.items()):
            vendor = load().vendor_of(assistant)
            spans = ",".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges(lines))
            properties += [Property(name="diffsentry:assistant", value=assistant),
                           Property(name=f"diffsentry:assistant-lines:{assistant}", value=spans)]
            if vendor is not None:
                properties.append(Property(name="diffsentry:assistant-vendor", value=vendor.id))
        properties += [Property(name="diffsentry:commit", value=sha) for sha in item.commits]
        out.append(Component(name=item.path, type=ComponentType.FILE, bom_ref=f"file:{item.path}",
                             properties=properties))
    return out
