import logging.config


def start_config_listener() -> None:
    # ruleid: logging-config-insecure-listen
    thread = logging.config.listen(9999)
    thread.start()


def start_default_listener() -> None:
    # ruleid: logging-config-insecure-listen
    logging.config.listen()


def start_verified_listener(check_signature) -> None:
    # ok: logging-config-insecure-listen
    thread = logging.config.listen(9999, verify=check_signature)
    thread.start()


def configure(config: dict) -> None:
    # ok: logging-config-insecure-listen
    logging.config.dictConfig(config)
