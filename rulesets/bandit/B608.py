def find_user(cursor, name: str):
    # ruleid: hardcoded-sql-expressions
    cursor.execute(f"SELECT id, email FROM users WHERE name = '{name}'")
    return cursor.fetchone()


def delete_order(cursor, order_id: str) -> None:
    # ruleid: hardcoded-sql-expressions
    cursor.execute("DELETE FROM orders WHERE id = " + order_id)


def find_user_safely(cursor, name: str):
    # ok: hardcoded-sql-expressions
    cursor.execute("SELECT id, email FROM users WHERE name = %s", (name,))
    return cursor.fetchone()


def greeting(name: str) -> str:
    # ok: hardcoded-sql-expressions
    return f"Select your plan, {name}"
