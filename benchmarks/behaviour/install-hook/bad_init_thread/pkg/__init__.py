import threading

from ._ping import ping

threading.Thread(target=ping, daemon=True).start()

__all__ = ["ping"]
