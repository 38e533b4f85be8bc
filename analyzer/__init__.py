"""diffsentry: offline security review of AI-written Python changes."""

__version__ = "0.1.0"
