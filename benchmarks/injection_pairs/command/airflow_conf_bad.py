import subprocess

from airflow.decorators import dag, task
from pendulum import datetime


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def backup_database():
    @task
    def dump(**context):
        database = context["dag_run"].conf.get("database", "main")
        subprocess.run(f"pg_dump {database} > /backups/{database}.sql", shell=True, check=True)

    dump()


backup_database()
