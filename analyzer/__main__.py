"""`python -m analyzer`.

`-m` puts the current directory first on sys.path, and the current directory is often the project
under analysis: a `json.py` or `yaml.py` there would be imported, and run, in place of the real
module. Drop it before importing anything else (this package is already loaded; its submodules
are found through the package, not through sys.path). The `diffsentry` command has no such entry.
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from analyzer.cli import main  # noqa: E402

main()
