from ._client import fetch

__all__ = ["fetch"]
