from pkg.version import get_version

VERSION = (1, 0, 0, "alpha", 0)

# ok: install-or-import-hook-reaches-network-or-process
__version__ = get_version(VERSION)
