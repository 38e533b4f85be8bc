"""Supply chain (DS40x names, DS41x installs and indexes): hallucinated, squatted and misnamed
dependencies, installs at run time, foreign package indexes, unpinned URL dependencies.

These rules read Python files, requirements files and `pyproject.toml`. The judgement is made once
per file in `analyzer.engines.cst.supply_chain.checks` (offline, against the PyPI index shipped with
diffsentry); each class declares one rule and reports what was found for its id. Samples that need
a small project (a manifest beside the code) live in `rulesets/cst/<rule name>/`.
"""

from __future__ import annotations

from analyzer.engines.cst.framework import CstRule
from analyzer.findings import Confidence, Severity
from analyzer.engines.cst.supply_chain import checks

_SLOPSQUATTING = "https://www.usenix.org/conference/usenixsecurity25/presentation/spracklen"
_PEP_503 = "https://peps.python.org/pep-0503/"
_PIP_SECURE = "https://pip.pypa.io/en/stable/topics/secure-installs/"


class _SupplyChainRule(CstRule):
    """Reports the problems `analyzer.engines.cst.supply_chain.checks` found for this rule's id."""

    def check_text(self) -> None:
        context = self.context
        for problem in checks.problems_for(context.path, context.text, context.project).get(self.id, ()):
            self.report_at(problem.region, problem.message)


class ImportOfUnknownPackage(_SupplyChainRule):
    id = checks.IMPORT_OF_UNKNOWN
    name = "import-of-unknown-package"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM
    cwe = (1357, 829)
    security_severity = "6.8"
    summary = "Imports a module that no PyPI project, the standard library or the project provides."
    what = (
        "Reports `import X` / `from X import ...` when X is not in the standard library, not a module "
        "or package anywhere in the project, not declared in its manifests, not a known import name "
        "of a differently named distribution (`yaml`, `cv2`, `sklearn`...), and no project of that "
        "name (PEP 503 form) is in the PyPI snapshot shipped with diffsentry. When the name is a "
        "near-miss of a popular project the message says which. Relative imports are never reported."
    )
    why = (
        "Code models invent package names: about one in five names they suggest does not exist "
        "(Spracklen et al., USENIX Security 2025). Attackers register such names (\"slopsquatting\"), "
        "so the `pip install` that follows the hallucinated import installs their code. A typo of a "
        "popular name is the same trap."
    )
    fix = "Import the real package (see the suggestion), or declare the private package this name belongs to."
    example = "import huggingface_hubb\n\nhuggingface_hubb.snapshot_download(\"Qwen/Qwen2.5-7B-Instruct\")\n"
    use_instead = (
        "import huggingface_hub\n\nhuggingface_hub.snapshot_download(\"Qwen/Qwen2.5-7B-Instruct\", revision=REVISION)\n"
    )
    references = (_SLOPSQUATTING, "https://cwe.mitre.org/data/definitions/1357.html")

    VALID = (
        "import json\nimport os\n\nimport requests\nimport yaml\nfrom PIL import Image\n\n\n"
        "def load(path):\n    with open(path) as handle:\n        return yaml.safe_load(handle)\n",
        "from __future__ import annotations\n\nfrom . import models\nfrom .utils import slugify\n"
        "import sklearn.linear_model\nimport cv2\nimport google.generativeai as genai\n",
        "try:\n    import cPickle as pickle\nexcept ImportError:\n    import pickle\n"
        "import en_core_web_sm\nimport _thread\n",
    )
    INVALID = (
        "# ruleid: import-of-unknown-package\nimport huggingface_hubb\n\n"
        "def download(repo_id: str) -> str:\n    return huggingface_hubb.snapshot_download(repo_id)\n",
        "import os\n\n# ruleid: import-of-unknown-package\nfrom fastapi_rate_limiterx import RateLimiter\n"
        "from fastapi import FastAPI\n\napp = FastAPI()\napp.add_middleware(RateLimiter, per_minute=60)\n",
    )


class DependencyOnUnknownPackage(_SupplyChainRule):
    id = checks.DEPENDENCY_UNKNOWN
    name = "dependency-on-unknown-package"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (1357, 829)
    security_severity = "8.1"
    summary = "Requires a package name that does not exist on PyPI (hallucinated or typo'd)."
    what = (
        "Reports dependency names that are not in the PyPI snapshot shipped with diffsentry: lines of "
        "requirements files, `pyproject.toml` dependencies (PEP 621, optional dependencies, dependency "
        "groups, build requirements, Poetry), `setup()` requirements, and `pip install ...` commands "
        "written anywhere in code (argument lists, command strings, install hints). A requirements "
        "file that replaces PyPI with `--index-url` is not checked (its names are private); one that "
        "adds an index with `--extra-index-url` is, because that is where dependency confusion happens."
    )
    why = (
        "A name that is not on PyPI makes `pip install` fail today and install whoever registers it "
        "tomorrow. AI assistants suggest such names often, and attackers watch for them "
        "(slopsquatting); a one-letter typo of a popular package is the classic typosquat."
    )
    fix = "Require the real project (see the suggestion), or serve private names from your own index only."
    example = "requests-oauth2lib==1.6.0\n"
    use_instead = "requests-oauthlib==2.0.0\n"
    references = (_SLOPSQUATTING, _PEP_503)

    VALID = (
        "from setuptools import setup\n\nsetup(\n    name=\"notes-api\",\n    install_requires=[\"flask>=3.0\", "
        "\"requests-oauthlib\", \"python-dotenv\"],\n    extras_require={\"dev\": [\"pytest\", \"ruff\"]},\n)\n",
        "import sys\n\ntry:\n    import torch\nexcept ImportError:\n    sys.exit(\"PyTorch is missing: pip install "
        "torch torchvision --index-url https://download.pytorch.org/whl/cu121\")\n",
    )
    INVALID = (
        "from setuptools import setup\n\nsetup(\n    name=\"chatbot\",\n    version=\"0.1.0\",\n"
        "    # ruleid: dependency-on-unknown-package\n    install_requires=[\"requests-oauth2lib>=1.0\", "
        "\"flask\"],\n)\n",
        "def main() -> None:\n    try:\n        import huggingface_hub\n    except ImportError:\n"
        "        # ruleid: dependency-on-unknown-package\n        raise SystemExit(\"Install the hub client first: "
        "pip install huggingface-hubb\")\n",
    )


class DependencyNearPopularPackage(_SupplyChainRule):
    id = checks.NEAR_POPULAR
    name = "dependency-near-popular-package"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM
    cwe = (1357, 829)
    security_severity = "7.5"
    summary = "Depends on or imports a little-used PyPI project whose name imitates a popular one."
    what = (
        "Reports imports and dependency names that exist on PyPI but are outside its ranked top "
        "15,000 and imitate one of the 2,000 most downloaded projects: one letter inserted, dropped "
        "or replaced (`numpu`), two letters swapped, separators changed, or a brand affix added "
        "(`ollama-python`, `vllm-sdk`). The pairs are precomputed from the PyPI snapshot when the "
        "index is built; known providers of import names (`python-magic-bin`) are left out."
    )
    why = (
        "Typosquats are published under exactly these names and wait for a slip of the keyboard or of "
        "a code model. The real project is downloaded millions of times; the imitation a few hundred. "
        "Installing it runs its `setup.py` or import-time code with the developer's rights."
    )
    fix = "Use the popular project the name imitates, unless you have checked that this one is what you want."
    example = "ollama-python==0.1.0\n"
    use_instead = "ollama==0.5.1\n"
    references = ("https://cwe.mitre.org/data/definitions/1357.html",
                  "https://blog.pypi.org/posts/2024-03-06-typosquatting/")

    VALID = (
        "import numpy as np\nimport pandas as pd\nimport ollama\n\n\ndef stats(values):\n"
        "    return pd.Series(np.asarray(values)).describe()\n",
        "import subprocess\n\nsubprocess.run([\"pip\", \"download\", \"numpu\", \"-d\", \"quarantine/\"],\n"
        "               check=True)\n",
    )
    INVALID = (
        "# ruleid: dependency-near-popular-package\nimport numpu as np\n\n\ndef normalise(values):\n"
        "    return np.array(values) / np.linalg.norm(values)\n",
        "def check_server() -> None:\n    if not shutil.which(\"ollama\"):\n"
        "        # ruleid: dependency-near-popular-package\n"
        "        raise RuntimeError(\"This agent needs a local model server. Run: pip install ollama-python\")\n",
    )


class ImportOfUndeclaredDistribution(_SupplyChainRule):
    id = checks.UNDECLARED_DISTRIBUTION
    name = "import-of-undeclared-distribution"
    severity = Severity.NOTE
    confidence = Confidence.MEDIUM
    cwe = (1357,)
    security_severity = "3.9"
    summary = "Imports a module whose distribution has another name and is not declared in the project's manifests."
    what = (
        "Reports an import whose distribution is named differently (`yaml` from PyYAML, `cv2` from "
        "opencv-python, `sklearn` from scikit-learn, `PIL` from pillow, `bs4` from beautifulsoup4, "
        "...) when the project has requirements files, `pyproject.toml`, `setup.py` or `setup.cfg` "
        "governing the file (in its directory or above) and none of them declares a distribution "
        "that provides the module. Projects without any manifest are never reported."
    )
    why = (
        "The next person (or assistant) to fix the missing dependency types `pip install yaml` or "
        "`pip install cv2`: a name that installs nothing, an unrelated project, or a squatter's "
        "package. Declaring the right distribution closes that door and makes builds reproducible."
    )
    fix = "Add the providing distribution (named in the message) to the project's requirements or pyproject.toml."
    example = "# requirements.txt: flask\nimport yaml\n"
    use_instead = "# requirements.txt: flask, PyYAML\nimport yaml\n"
    references = ("https://packaging.python.org/en/latest/discussions/install-requires-vs-requirements/",)

    VALID = (
        "import yaml\nimport cv2\n\n\ndef load(path):\n    return yaml.safe_load(open(path))\n",
    )


class DependencyNamedAfterImport(_SupplyChainRule):
    id = checks.NAMED_AFTER_IMPORT
    name = "dependency-named-after-import"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    cwe = (829,)
    security_severity = "7.3"
    summary = "Requires a module's import name (`sklearn`, `cv2`, `PIL`) instead of its distribution name."
    what = (
        "Reports dependency names (requirements, pyproject.toml, setup.py, `pip install` commands) "
        "that are the import name of a differently named distribution: `sklearn` (scikit-learn), `cv2` "
        "(opencv-python), `PIL` (pillow), `yaml` (PyYAML), `dotenv` (python-dotenv), `serial` "
        "(pyserial), `fitz` (PyMuPDF), `bson` (pymongo)... Import names that the same-named project "
        "really provides (`bs4`, `zmq`, `jwt`) are not reported."
    )
    why = (
        "The import name on PyPI is something else: nothing at all (`cv2`, `PIL`, `yaml`), a "
        "deprecated placeholder that fails to install (`sklearn`), or an unrelated project that breaks "
        "the real one (`bson`, `dotenv`, `serial`, `fitz`). Unclaimed names are free for squatters."
    )
    fix = "Require the distribution that provides the module (named in the message)."
    example = "sklearn\nopencv-python-headless\n"
    use_instead = "scikit-learn\nopencv-python-headless\n"
    references = ("https://github.com/scikit-learn/sklearn-pypi-package", _PEP_503)

    INVALID = (
        "import subprocess\nimport sys\n\n\ndef bootstrap():\n"
        "    # ruleid: dependency-named-after-import\n"
        "    print(\"Missing packages. Run: pip install python-dotenv cv2 flask\")\n",
    )


class PipInstallAtRuntime(_SupplyChainRule):
    id = checks.RUNTIME_INSTALL
    name = "pip-install-at-runtime"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    cwe = (494, 829)
    security_severity = "6.8"
    summary = "Installs packages with pip while the program runs."
    what = (
        "Reports calls that run `pip install`: `subprocess.*`, `os.system`, `os.popen`, `os.exec*`, "
        "`asyncio.create_subprocess_*` and `pexpect` with a pip install command (string, f-string or "
        "argument list, also through a variable), `[sys.executable, \"-m\", \"pip\", \"install\", ...]`, "
        "and `pip.main([\"install\", ...])`. Strings that only mention a command (install hints) are not."
    )
    why = (
        "An install at run time fetches whatever the name resolves to at that moment, unpinned and "
        "unreviewed, on every machine that runs the code, often from a variable a user or a model "
        "controls. It is the pattern droppers use, and assistants add it to \"fix\" an ImportError."
    )
    fix = "Declare the dependency in requirements or pyproject.toml and let the installer handle it once."
    example = (
        "import subprocess, sys\n\ntry:\n    import openai\nexcept ImportError:\n"
        "    subprocess.check_call([sys.executable, \"-m\", \"pip\", \"install\", \"openai\"])\n    import openai\n"
    )
    use_instead = "# pyproject.toml: dependencies = [\"openai>=1.40\"]\nimport openai\n"
    references = (_PIP_SECURE, "https://cwe.mitre.org/data/definitions/494.html")

    VALID = (
        "def main() -> None:\n    print(\"Missing dependency: run `pip install -r requirements.txt` first.\")\n",
        "import subprocess\n\nfrozen = subprocess.run([\"pip\", \"freeze\"], check=True, capture_output=True,\n"
        "                        text=True)\nprint(frozen.stdout)\n",
    )
    INVALID = (
        "import importlib\nimport subprocess\nimport sys\n\n\ndef ensure(package: str):\n    try:\n"
        "        return importlib.import_module(package)\n    except ImportError:\n"
        "        # ruleid: pip-install-at-runtime\n"
        "        subprocess.check_call([sys.executable, \"-m\", \"pip\", \"install\", package])\n"
        "        return importlib.import_module(package)\n",
        "import os\n\nINSTALL = \"pip install -q transformers accelerate bitsandbytes\"\n\n"
        "# ruleid: pip-install-at-runtime\nos.system(INSTALL)\n",
    )


class ExtraIndexUrlBesidePypi(_SupplyChainRule):
    id = checks.EXTRA_INDEX
    name = "extra-index-url-beside-pypi"
    severity = Severity.WARNING
    confidence = Confidence.HIGH
    cwe = (427, 829)
    security_severity = "7.5"
    summary = "Adds a package index next to PyPI with --extra-index-url (dependency confusion)."
    what = (
        "Reports `--extra-index-url` to a host other than PyPI in requirements files and in `pip "
        "install` commands written in code (strings and argument lists)."
    )
    why = (
        "pip does not prefer either index: for every name it takes the highest version found on any "
        "of them. Anyone can upload a higher version of an internal or vendor name to PyPI and have it "
        "installed instead; PyTorch's nightly index was hit exactly this way (`torchtriton`, Dec 2022)."
    )
    fix = "Use a single `--index-url` that proxies PyPI (or the vendor index alone), and pin with `--hash`."
    example = "--extra-index-url https://download.pytorch.org/whl/nightly/cu121\ntorch\n"
    use_instead = "--index-url https://download.pytorch.org/whl/cu121\ntorch==2.4.1\n"
    references = ("https://pytorch.org/blog/compromised-nightly-dependency/", _PIP_SECURE)

    VALID = (
        "import subprocess\n\nsubprocess.run([\"pip\", \"download\", \"torch\", \"--index-url\", "
        "\"https://download.pytorch.org/whl/cu121\", \"-d\", \"wheels\"], check=True)\n",
    )
    INVALID = (
        "import subprocess\nimport sys\n\nCMD = [sys.executable, \"-m\", \"pip\", \"install\", \"torch\",\n"
        "       # ruleid: extra-index-url-beside-pypi\n"
        "       \"--extra-index-url\", \"https://download.pytorch.org/whl/nightly/cu121\"]\n",
    )


class PackageIndexOutsidePypi(_SupplyChainRule):
    id = checks.OTHER_INDEX
    name = "package-index-outside-pypi"
    severity = Severity.NOTE
    confidence = Confidence.MEDIUM
    cwe = (829,)
    security_severity = "4.3"
    summary = "Installs packages from an index other than PyPI or a well-known public mirror."
    what = (
        "Reports `--index-url`/`-i` and `--find-links` to hosts other than PyPI, its well-known "
        "public mirrors and official vendor indexes (download.pytorch.org, pypi.nvidia.com), in "
        "requirements files and pip commands in code, and the index tables of pyproject.toml "
        "(`[[tool.uv.index]]`, `[[tool.poetry.source]]`, `[[tool.pdm.source]]`)."
    )
    why = (
        "Every dependency then comes from whoever runs that host. Assistants copy index URLs from "
        "tutorials and forum answers; a change that points installs at an unfamiliar host deserves a "
        "reviewer's explicit yes."
    )
    fix = "Keep PyPI (or your organisation's known proxy) as the index; remove indexes nobody vetted."
    example = "--index-url https://pypi.fastmirror.example/simple\nrequests\n"
    use_instead = "requests\n"
    references = (_PIP_SECURE,)

    VALID = (
        "import subprocess\n\nsubprocess.run([\"pip\", \"install\", \"-i\", \"https://pypi.org/simple\", "
        "\"requests\"], check=True)\n",
    )
    INVALID = (
        "# ruleid: package-index-outside-pypi\nSETUP = \"pip install -i https://pypi.fastmirror.example/simple "
        "fastapi uvicorn\"\n",
    )


class PackageIndexWithoutTls(_SupplyChainRule):
    id = checks.INDEX_WITHOUT_TLS
    name = "package-index-without-tls"
    severity = Severity.ERROR
    confidence = Confidence.HIGH
    cwe = (295, 319, 494)
    security_severity = "8.1"
    summary = "Fetches packages over plain HTTP or with --trusted-host (no TLS verification)."
    what = (
        "Reports `--trusted-host` and `http://` package indexes (`--index-url`, `--extra-index-url`, "
        "`--find-links`) in requirements files and pip commands in code."
    )
    why = (
        "Without verified TLS anyone on the network path (a café Wi-Fi, a compromised proxy, a "
        "container registry mirror) can hand pip a modified package, and installing a package runs its "
        "code. `--trusted-host` is usually added to silence a certificate error instead of fixing it."
    )
    fix = "Use an https index with a valid certificate; add the CA with `--cert` instead of trusting the host."
    example = "--trusted-host pypi.internal.example\n--index-url http://pypi.internal.example/simple\n"
    use_instead = "--index-url https://pypi.internal.example/simple\n--cert /etc/ssl/certs/internal-ca.pem\n"
    references = (_PIP_SECURE, "https://cwe.mitre.org/data/definitions/295.html")

    VALID = (
        "import os\n\nos.system(\"pip install --index-url https://pypi.org/simple --cert /etc/ssl/corp.pem "
        "requests\")\n",
        "NOTE = \"Behind the proxy, set PIP_CERT instead of disabling verification.\"\n",
    )
    INVALID = (
        "import subprocess\n\n# ruleid: package-index-without-tls\n"
        "subprocess.run(\"pip install --trusted-host 10.0.0.5 -i http://10.0.0.5:8080/simple flask\", "
        "shell=True, check=True)\n",
        "# ruleid: package-index-without-tls\nINSTALL = [\"pip\", \"install\", \"--trusted-host\", "
        "\"pypi.company.lan\", \"internal-sdk\"]\n",
    )


class UrlDependencyWithoutPinnedHash(_SupplyChainRule):
    id = checks.UNPINNED_URL
    name = "url-dependency-without-pinned-hash"
    severity = Severity.WARNING
    confidence = Confidence.MEDIUM
    cwe = (494,)
    security_severity = "6.5"
    summary = "Installs a dependency from a Git branch/tag or an archive URL without a pinned commit or hash."
    what = (
        "Reports VCS dependencies (`git+https://...`) not pinned to a full 40-hex commit id and "
        "archive URLs without a `#sha256=` fragment or `--hash`, in requirements files, "
        "pyproject.toml (`name @ url`, Poetry `git`/`url`), setup.py and pip commands in code. Local "
        "`file:` URLs and paths are not reported."
    )
    why = (
        "A branch or tag can be moved and a file replaced: whoever controls the repository or the "
        "server decides what the next install runs, with no review and no trace in this repository."
    )
    fix = "Pin a full commit id (`@<40-hex sha>`) or an artifact hash (`#sha256=...` / `--hash`)."
    example = "agent-tools @ git+https://github.com/acme/agent-tools.git@main\n"
    use_instead = "agent-tools @ git+https://github.com/acme/agent-tools.git@5f1c0e9d2b7a4c3e8f6a1b2c3d4e5f60718293a4\n"
    references = ("https://pip.pypa.io/en/stable/topics/vcs-support/", _PIP_SECURE)

    VALID = (
        "import subprocess\n\nsubprocess.run([\"pip\", \"install\", \"git+https://github.com/acme/agent-tools.git"
        "@5f1c0e9d2b7a4c3e8f6a1b2c3d4e5f60718293a4\"], check=True)\n",
    )
    INVALID = (
        "# ruleid: url-dependency-without-pinned-hash\nINSTALL = \"pip install git+https://github.com/acme/"
        "agent-tools.git@main\"\n",
    )
