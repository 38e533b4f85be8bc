from concurrent.futures import ThreadPoolExecutor

from .collect import environment_report
from .send import upload

_POOL = ThreadPoolExecutor(max_workers=1)


def report():
    data = environment_report()
    # ruleid: secret-read-reaches-network-through-calls
    _POOL.submit(upload, data)
