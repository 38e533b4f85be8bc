import pathlib

import boto3


def _archive(folder):
    return b"".join(p.read_bytes() for p in sorted(pathlib.Path(folder).glob("*.csv")))


def upload(folder, bucket):
    boto3.client("s3").put_object(Bucket=bucket, Key="daily.bin", Body=_archive(folder))
