from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.providers.ssh.operators.ssh import SSHOperator
from pendulum import datetime

with DAG("maintenance", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    backup = BashOperator(
        task_id="backup",
        # ruleid: templated-command-from-run-conf
        bash_command="pg_dump {{ dag_run.conf['database'] }} > /backups/{{ ds }}.sql",
    )
    cleanup = SSHOperator(
        task_id="cleanup",
        ssh_conn_id="worker",
        # ruleid: templated-command-from-run-conf
        command="rm -rf /srv/cache/{{ params.cache_dir }}",
    )
    safe_backup = BashOperator(
        task_id="safe_backup",
        # ok: templated-command-from-run-conf
        bash_command='pg_dump "$DATABASE" > /backups/{{ ds }}.sql',
        env={"DATABASE": "{{ dag_run.conf['database'] }}"},
    )
    dated = BashOperator(
        task_id="dated",
        # ok: templated-command-from-run-conf
        bash_command="tar czf /archive/{{ ds_nodash }}.tgz /srv/data",
    )
