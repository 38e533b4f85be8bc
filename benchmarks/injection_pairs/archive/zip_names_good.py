import os
import zipfile


def unpack_theme(archive_path: str, destination: str) -> None:
    root = os.path.realpath(destination)
    with zipfile.ZipFile(archive_path) as archive:
        for name in archive.namelist():
            target = os.path.realpath(os.path.join(root, name))
            if not target.startswith(root + os.sep):
                raise ValueError(f"unsafe member {name!r}")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(archive.read(name))
