"""Package and module names: PEP 503 normalisation, the standard library, and import names that
differ from the distribution that provides them.

The import table is curated by hand (it is knowledge, not data we can derive offline). It lists
the well-known cases where `import X` comes from a distribution not named X, and for each the
distributions that really provide X. A requirement named after the import (`sklearn`, `cv2`,
`PIL`) installs the wrong project, a dummy, or nothing at all, which is exactly the confusion
attackers register names for.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping

from packaging.utils import InvalidName, canonicalize_name

def normalise(name: str) -> str:
    """PEP 503: lowercase, and every run of `-`, `_` and `.` becomes one `-`."""
    return canonicalize_name(name)


def is_valid_project_name(name: str) -> bool:
    """The core-metadata rule for project names (letters, digits, `-_.`; alphanumeric ends)."""
    try:
        canonicalize_name(name, validate=True)
    except InvalidName:
        return False
    return True


# Modules of Python 3.11's standard library plus those added later and Python 2 names, so that
# results do not depend on the interpreter running diffsentry (py2 names show up in
# `try: import cPickle except ImportError:` blocks of old but legitimate code).
_LATER_STDLIB = frozenset({"annotationlib", "compression", "_colorize", "_pyrepl"})
_PYTHON2_STDLIB = frozenset({
    "__builtin__", "_winreg", "anydbm", "BaseHTTPServer", "CGIHTTPServer", "commands", "ConfigParser",
    "Cookie", "cookielib", "cPickle", "cStringIO", "dbhash", "dircache", "dummy_thread", "exceptions",
    "htmlentitydefs", "HTMLParser", "httplib", "md5", "mimetools", "mutex", "new", "popen2", "Queue",
    "repr", "robotparser", "sets", "sha", "SimpleHTTPServer", "SimpleXMLRPCServer", "SocketServer",
    "StringIO", "thread", "Tkinter", "tkMessageBox", "tkFileDialog", "ttk", "urllib2", "urlparse",
    "UserDict", "UserList", "UserString", "xmlrpclib", "dummy_threading", "imputil", "rfc822", "future_builtins",
    "urllib2", "htmllib", "sgmllib", "copy_reg", "cookielib", "Tix", "ScrolledText", "tkSimpleDialog",
})
STDLIB_MODULES: frozenset[str] = frozenset(sys.stdlib_module_names) | _LATER_STDLIB | _PYTHON2_STDLIB

# Modules that a host application provides and PyPI does not (Blender, Maya, MicroPython...).
HOST_MODULES = frozenset({
    "bpy", "bmesh", "mathutils", "bgl", "blf", "gpu", "maya", "pymel", "hou", "nuke", "unreal", "c4d",
    "rhinoscriptsyntax", "Rhino", "scriptcontext", "arcpy", "qgis", "sublime", "sublime_plugin", "gdb",
    "lldb", "idaapi", "idc", "idautils", "ida_kernwin", "ghidra", "js", "pyodide", "micropip", "android",
    "objc", "Foundation", "AppKit", "Quartz", "clr", "System", "vim", "krita", "pcbnew", "FreeCAD",
    "FreeCADGui", "Part", "renpy", "xbmc", "xbmcgui", "xbmcaddon", "xbmcplugin", "xbmcvfs", "anki", "aqt",
    "pymol", "machine", "micropython", "utime", "uos", "ustruct", "ubinascii", "urequests", "uasyncio",
    "network", "esp", "esp32", "pyb", "framebuf", "neopixel", "board", "busio", "digitalio", "analogio",
    "ansible_collections",
    # Installed by setuptools under another name; always present where setuptools is.
    "pkg_resources",
})
# spaCy's language models install from GitHub releases, not PyPI (`en_core_web_sm`, ...).
_SPACY_MODEL = re.compile(r"^[a-z]{2,3}_(core|dep|ent)_(web|news|sci)_(sm|md|lg|trf)$")

# import name -> distributions that provide it (first one is the usual choice).
IMPORT_PROVIDERS: Mapping[str, tuple[str, ...]] = {
    "PIL": ("pillow",),
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless"),
    "sklearn": ("scikit-learn",),
    "skimage": ("scikit-image",),
    "yaml": ("PyYAML",),
    "bs4": ("beautifulsoup4", "bs4"),
    "dateutil": ("python-dateutil",),
    "dotenv": ("python-dotenv",),
    "jwt": ("PyJWT", "jwt"),
    "attr": ("attrs",),
    "Crypto": ("pycryptodome", "pycrypto"),
    "Cryptodome": ("pycryptodomex",),
    "OpenSSL": ("pyOpenSSL",),
    "nacl": ("PyNaCl",),
    "jose": ("python-jose",),
    "magic": ("python-magic", "python-magic-bin"),
    "docx": ("python-docx",),
    "pptx": ("python-pptx",),
    "serial": ("pyserial",),
    "usb": ("pyusb",),
    "git": ("GitPython",),
    "github": ("PyGithub",),
    "gitlab": ("python-gitlab",),
    "zmq": ("pyzmq", "zmq"),
    "fitz": ("PyMuPDF",),
    "Bio": ("biopython",),
    "gi": ("PyGObject",),
    "cairo": ("pycairo",),
    "wx": ("wxPython",),
    "OpenGL": ("PyOpenGL",),
    "MySQLdb": ("mysqlclient", "MySQL-python"),
    "mysql": ("mysql-connector-python",),
    "win32api": ("pywin32",), "win32con": ("pywin32",), "win32gui": ("pywin32",), "win32com": ("pywin32",),
    "win32process": ("pywin32",), "win32clipboard": ("pywin32",), "win32file": ("pywin32",),
    "win32event": ("pywin32",), "win32service": ("pywin32",), "win32serviceutil": ("pywin32",),
    "win32crypt": ("pywin32",), "win32security": ("pywin32",), "win32pipe": ("pywin32",),
    "win32print": ("pywin32",), "win32ui": ("pywin32",), "winerror": ("pywin32",), "pythoncom": ("pywin32",),
    "pywintypes": ("pywin32",), "win32job": ("pywin32",), "win32net": ("pywin32",), "win32pdh": ("pywin32",),
    "win32timezone": ("pywin32",), "win32ts": ("pywin32",), "win32profile": ("pywin32",), "win32cred": ("pywin32",),
    "win32comext": ("pywin32",), "servicemanager": ("pywin32",),
    "rpds": ("rpds-py",),
    "pwiz": ("peewee",),
    "googleapiclient": ("google-api-python-client",),
    "apiclient": ("google-api-python-client",),
    "absl": ("absl-py",),
    "grpc": ("grpcio",),
    "umap": ("umap-learn",),
    "faiss": ("faiss-cpu", "faiss-gpu", "faiss-gpu-cu12"),
    "llama_cpp": ("llama-cpp-python",),
    "Levenshtein": ("levenshtein", "python-Levenshtein"),
    "websocket": ("websocket-client",),
    "socketio": ("python-socketio",),
    "engineio": ("python-engineio",),
    "paho": ("paho-mqtt",),
    "telegram": ("python-telegram-bot",),
    "discord": ("discord.py", "discord", "py-cord"),
    "kafka": ("kafka-python", "kafka-python-ng", "kafka"),
    "ldap": ("python-ldap",),
    "dns": ("dnspython",),
    "slugify": ("python-slugify", "awesome-slugify"),
    "multipart": ("python-multipart", "multipart"),
    "markdown_it": ("markdown-it-py",),
    "ruamel": ("ruamel.yaml",),
    "whisper": ("openai-whisper",),
    "speech_recognition": ("SpeechRecognition",),
    "paddle": ("paddlepaddle", "paddlepaddle-gpu"),
    "Xlib": ("python-xlib",),
    "factory": ("factory-boy",),
    "vcr": ("vcrpy",),
    "argon2": ("argon2-cffi",),
    "bson": ("pymongo",),
    "gridfs": ("pymongo",),
    "snappy": ("python-snappy",),
    "pdfminer": ("pdfminer.six",),
    "fpdf": ("fpdf2", "fpdf"),
    "rest_framework": ("djangorestframework",),
    "rest_framework_simplejwt": ("djangorestframework-simplejwt",),
    "django_filters": ("django-filter",),
    "corsheaders": ("django-cors-headers",),
    "debug_toolbar": ("django-debug-toolbar",),
    "crispy_forms": ("django-crispy-forms",),
    "allauth": ("django-allauth",),
    "storages": ("django-storages",),
    "import_export": ("django-import-export",),
    "social_django": ("social-auth-app-django",),
    "phonenumber_field": ("django-phonenumber-field",),
    "taggit": ("django-taggit",),
    "mptt": ("django-mptt",),
    "oauth2_provider": ("django-oauth-toolkit",),
    "widget_tweaks": ("django-widget-tweaks",),
    "environ": ("django-environ", "environ-config", "environ"),
    "strawberry": ("strawberry-graphql",),
    "cpuinfo": ("py-cpuinfo",),
    "pynvml": ("nvidia-ml-py", "pynvml"),
    "osgeo": ("GDAL",),
    "vertexai": ("google-cloud-aiplatform",),
    "volcenginesdkarkruntime": ("volcengine-python-sdk",),
    "tencentcloud": ("tencentcloud-sdk-python",),
    "qcloud_cos": ("cos-python-sdk-v5",),
    "baidubce": ("bce-python-sdk",),
    "aliyunsdkcore": ("aliyun-python-sdk-core",),
    "weaviate": ("weaviate-client",),
    "cassandra": ("cassandra-driver",),
    "consul": ("python-consul", "py-consul"),
    "barcode": ("python-barcode",),
    "RPi": ("RPi.GPIO",),
    "pycrfsuite": ("python-crfsuite",),
}

# Top-level names shared by many distributions (`google.cloud.storage`, `azure.identity`): known
# imports, never a requirement name to question.
NAMESPACES = frozenset({"google", "azure", "backports", "nvidia", "opentelemetry", "databricks", "snowflake",
                        "jaraco", "zope", "sphinxcontrib", "mpl_toolkits"})


def providers_of(module: str) -> tuple[str, ...] | None:
    """Distributions providing top-level `module` when they are not simply named after it."""
    if module.startswith("win32") and module not in IMPORT_PROVIDERS:
        return ("pywin32",)  # pywin32 ships dozens of win32* modules
    return IMPORT_PROVIDERS.get(module)


# How popular distributions commonly wrap their import name (`rpds-py` -> `rpds`,
# `python-dateutil` -> `dateutil`, `pyyaml-ft` -> `yaml_ft`).
DISTRIBUTION_AFFIXES = (("", "-py"), ("", "-python"), ("python-", ""), ("py-", ""), ("py", ""))


def affixed_distributions(module: str) -> list[str]:
    """PEP 503 distribution names that would provide `module` by a common naming convention."""
    key = normalise(module)
    return [prefix + key + suffix for prefix, suffix in DISTRIBUTION_AFFIXES]


def is_stdlib(module: str) -> bool:
    return module in STDLIB_MODULES


def is_host_or_model_module(module: str) -> bool:
    """Provided by a host application, or a spaCy model: never a PyPI name to check."""
    return module in HOST_MODULES or bool(_SPACY_MODEL.match(module))


def import_names_by_distribution() -> dict[str, list[str]]:
    """Normalised distribution -> import names it is known to provide under another name."""
    out: dict[str, list[str]] = {}
    for module, dists in IMPORT_PROVIDERS.items():
        for dist in dists:
            out.setdefault(normalise(dist), []).append(module)
    return out
