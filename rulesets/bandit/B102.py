def apply_formula(expression: str, values: dict) -> float:
    scope = dict(values)
    # ruleid: exec-used
    exec(f"result = {expression}", {}, scope)
    return scope["result"]


def load_plugin(source: str) -> dict:
    namespace: dict = {}
    # ruleid: exec-used
    exec(source, namespace)
    return namespace


def execute(cursor, query: str) -> None:
    # ok: exec-used
    cursor.execute(query)


def executor_name(pool) -> str:
    # ok: exec-used
    return pool.exec_name
