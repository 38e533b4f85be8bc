import yaml


def read_config(path: str) -> dict:
    with open(path) as handle:
        # ruleid: yaml-load
        return yaml.load(handle, Loader=yaml.Loader)


def read_manifest(text: str) -> dict:
    # ruleid: yaml-load
    return yaml.load(text, Loader=yaml.UnsafeLoader)


def read_config_safely(path: str) -> dict:
    with open(path) as handle:
        # ok: yaml-load
        return yaml.safe_load(handle)


def read_manifest_safely(text: str) -> dict:
    # ok: yaml-load
    return yaml.load(text, Loader=yaml.SafeLoader)
