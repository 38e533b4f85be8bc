import shutil


def purge_backups():
    shutil.rmtree("/var/backups/app")


def purge_cache(path):
    shutil.rmtree(path)
