from celery import Celery
from sqlalchemy import create_engine, text

app = Celery("reports", broker="redis://localhost:6379/0")
engine = create_engine("postgresql:///reports")


@app.task
def archive_reports(owner):
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE reports SET archived = true WHERE owner = '{owner}'"))
