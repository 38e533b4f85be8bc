import os
import zipfile


def unpack_theme(archive_path: str, destination: str) -> None:
    with zipfile.ZipFile(archive_path) as archive:
        for name in archive.namelist():
            target = os.path.join(destination, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(archive.read(name))
