"""A plain script: module-level work is what scripts do, so DS162 leaves it alone."""
import requests

# ok: import-time-network-or-process-call
DATA = requests.get("https://example.com/data.json", timeout=10).json()
