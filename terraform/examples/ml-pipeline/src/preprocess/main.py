"""Seed 004, preprocessing: read a raw CSV that landed under incoming/, drop duplicates and
empty rows, write it under clean/ in the clean bucket (the stage may read raw/incoming/ and
write clean/clean/, nothing else)."""
import csv
import io
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event.get("Records", []):
        bucket = record["s3"]["bucket"]["name"]
        key = record["s3"]["object"]["key"]
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
        seen, rows = set(), []
        for row in csv.reader(io.StringIO(body)):
            t = tuple(row)
            if any(c.strip() for c in row) and t not in seen:
                seen.add(t)
                rows.append(row)
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        name = key.rsplit("/", 1)[-1]
        s3.put_object(
            Bucket=os.environ["CLEAN_BUCKET"],
            Key=f"clean/{name}",
            Body=out.getvalue().encode("utf-8"),
        )
    return {"rows": len(event.get("Records", []))}
