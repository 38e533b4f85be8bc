import os
import shutil
import tarfile
import zipfile
from pathlib import Path


def import_assets(upload_path: str, dest: str) -> int:
    count = 0
    with zipfile.ZipFile(upload_path) as archive:
        for name in archive.namelist():
            if name.endswith("/"):
                continue
            target = os.path.join(dest, name)
            # ruleid: archive-member-name-used-as-path
            os.makedirs(os.path.dirname(target), exist_ok=True)
            # ruleid: archive-member-name-used-as-path
            with open(target, "wb") as out:
                out.write(archive.read(name))
            count += 1
    return count


def restore_backup(backup: str, dest: Path) -> None:
    with zipfile.ZipFile(backup) as archive:
        for info in archive.infolist():
            # ruleid: archive-member-name-used-as-path
            (dest / info.filename).write_bytes(archive.read(info))


def copy_members(bundle: str, dest: str) -> None:
    with tarfile.open(bundle) as tar:
        for member in tar.getmembers():
            source = tar.extractfile(member)
            if source is None:
                continue
            # ruleid: archive-member-name-used-as-path
            with open(os.path.join(dest, member.name), "wb") as out:
                shutil.copyfileobj(source, out)


def import_assets_safely(upload_path: str, dest: str) -> None:
    root = os.path.realpath(dest)
    with zipfile.ZipFile(upload_path) as archive:
        for name in archive.namelist():
            target = os.path.realpath(os.path.join(root, name))
            if not target.startswith(root + os.sep):
                raise ValueError(f"unsafe member {name!r}")
            # ok: archive-member-name-used-as-path
            with open(target, "wb") as out:
                out.write(archive.read(name))


def flatten(upload_path: str, dest: str) -> None:
    with zipfile.ZipFile(upload_path) as archive:
        for name in archive.namelist():
            # ok: archive-member-name-used-as-path
            with open(os.path.join(dest, os.path.basename(name)), "wb") as out:
                out.write(archive.read(name))


def list_contents(upload_path: str) -> None:
    with zipfile.ZipFile(upload_path) as archive:
        for name in archive.namelist():
            # ok: archive-member-name-used-as-path
            with open(os.path.join("/tmp", "manifest.txt"), "a") as out:
                out.write(name + "\n")


def unpack_skipping_parents(zip_path: str, extract_dir: str) -> None:
    # setuptools' archive_util: members with a ".." part or a leading "/" are skipped.
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            name = info.filename
            if name.startswith("/") or ".." in name.split("/"):
                continue
            target = os.path.join(extract_dir, *name.split("/"))
            # ok: archive-member-name-used-as-path
            with open(target, "wb") as out:
                out.write(archive.read(info.filename))


def unpack_warning_only(zip_path: str, extract_dir: str) -> None:
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            name = info.filename
            if ".." in name.split("/"):
                print(f"suspicious member {name}")
            target = os.path.join(extract_dir, name)
            # ruleid: archive-member-name-used-as-path
            with open(target, "wb") as out:
                out.write(archive.read(info.filename))


def is_within_directory(directory: str, target: str) -> bool:
    return os.path.commonpath([os.path.abspath(directory), os.path.abspath(target)]) == os.path.abspath(directory)


def unzip_checked(upload_path: str, location: str) -> None:
    with zipfile.ZipFile(upload_path) as archive:
        for info in archive.infolist():
            target = os.path.join(location, info.filename)
            if not is_within_directory(location, target):
                raise ValueError(f"{info.filename} would be written outside {location}")
            # ok: archive-member-name-used-as-path
            with open(target, "wb") as out:
                out.write(archive.read(info))


class BaseArchive:
    # Django's django.utils.archive: the containment check lives in a helper method.
    def target_filename(self, to_path, name):
        target_path = os.path.abspath(to_path)
        filename = os.path.abspath(os.path.join(target_path, name))
        if not filename.startswith(target_path):
            raise ValueError(f"Archive contains invalid path: {name!r}")
        return filename


class ZipArchive(BaseArchive):
    def __init__(self, file):
        self._archive = zipfile.ZipFile(file)

    def extract(self, to_path):
        for name in self._archive.namelist():
            filename = self.target_filename(to_path, name)
            # ok: archive-member-name-used-as-path
            with open(filename, "wb") as outfile:
                outfile.write(self._archive.read(name))

    def extract_unchecked(self, to_path):
        for name in self._archive.namelist():
            filename = self.join_target(to_path, name)
            # ruleid: archive-member-name-used-as-path
            with open(filename, "wb") as outfile:
                outfile.write(self._archive.read(name))

    def join_target(self, to_path, name):
        return os.path.join(to_path, name)
