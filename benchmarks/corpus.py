"""The popular-package corpus: pinned sdists of well-reviewed projects, unpacked for scanning.

    python benchmarks/corpus.py            # download (first run only) and list the source dirs

`pip download` fetches each pinned sdist into `benchmarks/.cache/sdists/` and it is unpacked into
`benchmarks/.cache/src/<name>-<version>/`. Both steps are skipped when their result exists, so
after the first run everything works offline. Other benchmarks import `source_dirs()`.

Note: `pip download` of an sdist prepares its metadata, which runs the package's build backend
(in pip's isolated build environment). The analyzer itself never runs scanned code; this one-time
fetch of well-known packages is the only place code of the corpus is built.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
SDISTS = CACHE / "sdists"
SOURCES = CACHE / "src"


@dataclass(frozen=True)
class Package:
    name: str  # distribution name as on PyPI
    version: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def stem(self) -> str:
        return f"{self.name.lower()}-{self.version}"


# Pinned so that figures are comparable between runs; bump deliberately and re-measure.
# Smallest first, so that a partial run still covers most packages.
PACKAGES: tuple[Package, ...] = (
    Package("requests", "2.32.3"),
    Package("flask", "3.1.0"),
    Package("click", "8.1.8"),
    Package("httpx", "0.28.1"),
    Package("jinja2", "3.1.5"),
    Package("urllib3", "2.3.0"),
    Package("rich", "13.9.4"),
    Package("setuptools", "75.6.0"),
    Package("pip", "24.3.1"),
    Package("django", "5.1.4"),
)


def _find_sdist(package: Package) -> Path | None:
    wanted = {package.stem, package.stem.replace("-", "_", 1)}
    for path in sorted(SDISTS.glob("*")):
        name = path.name.lower()
        for suffix in (".tar.gz", ".zip"):
            if name.endswith(suffix) and name.removesuffix(suffix) in {w.lower() for w in wanted}:
                return path
    return None


def _download(package: Package) -> Path:
    found = _find_sdist(package)
    if found is not None:
        return found
    SDISTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         "--dest", str(SDISTS), package.requirement],
        check=True, stdin=subprocess.DEVNULL,
    )
    found = _find_sdist(package)
    if found is None:
        raise RuntimeError(f"pip download produced no sdist for {package.requirement} in {SDISTS}")
    return found


def _safe_members(names: list[str], dest: Path) -> None:
    root = dest.resolve()
    for name in names:
        target = (dest / name).resolve()
        if target != root and root not in target.parents:
            raise RuntimeError(f"archive member escapes the destination: {name}")


def _unpack(archive: Path, package: Package) -> Path:
    dest = SOURCES / package.stem
    marker = dest / ".unpacked"
    if marker.exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            _safe_members(zf.namelist(), dest)
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            _safe_members(tf.getnames(), dest)
            tf.extractall(dest, filter="data")
    marker.write_text(archive.name + "\n", encoding="utf-8")
    return dest


def source_dirs(packages: tuple[Package, ...] = PACKAGES) -> list[Path]:
    """One unpacked source directory per package (downloaded on first use), in `packages` order."""
    dirs = []
    for package in packages:
        unpacked = _unpack(_download(package), package)
        inner = [p for p in unpacked.iterdir() if p.is_dir()]
        dirs.append(inner[0] if len(inner) == 1 else unpacked)
    return dirs


def main() -> None:
    for package, path in zip(PACKAGES, source_dirs()):
        print(f"{package.requirement:24} {path}")


if __name__ == "__main__":
    main()
