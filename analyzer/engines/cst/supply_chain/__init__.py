"""Supply-chain facts, offline: which package names exist on PyPI, which are popular, which look
like a popular name, which import names belong to differently named distributions, and what a
project declares in its requirements files and `pyproject.toml`.

Nothing here touches the network or imports the code under analysis. The PyPI facts come from
`pypi-index.bin`, built by `build_index.py` from a snapshot and shipped inside the package.
"""
