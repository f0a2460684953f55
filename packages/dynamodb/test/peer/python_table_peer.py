"""The Python client's EncryptedTable against a DynamoDB endpoint (dynalite in the tests), as a peer
of @fle-ts/dynamodb's EncryptedTable (issue 17): it reads items fle-ts wrote and writes items fle-ts
reads, through the server, with its own DescribeTable-driven key handling.

Reads one JSON request on stdin, writes one JSON answer on stdout:
  {"op": "scan" | "put", "endpoint": url, "table": str, "provider": {...as python_peer.py},
   "actions": {"default": ..., "overrides": {...}}, "items": [DynamoDB JSON items] (put)}
  -> {"items": [DynamoDB JSON items]} (scan: every item decrypted) or {"error": "<class>: <message>"}.
Needs: pip install dynamodb-encryption-sdk==3.3.0 (boto3 comes with it).
"""
import json
import os
import sys

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from python_peer import from_ddb, provider, to_ddb  # noqa: E402

from dynamodb_encryption_sdk.encrypted.table import EncryptedTable  # noqa: E402
from dynamodb_encryption_sdk.identifiers import CryptoAction  # noqa: E402
from dynamodb_encryption_sdk.structures import AttributeActions  # noqa: E402


def main():
    req = json.load(sys.stdin)
    resource = boto3.resource(
        "dynamodb",
        endpoint_url=req["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="AKIDLOCAL",
        aws_secret_access_key="local-secret",
    )
    actions = AttributeActions(
        default_action=CryptoAction[req["actions"]["default"]],
        attribute_actions={k: CryptoAction[v] for k, v in req["actions"].get("overrides", {}).items()},
    )
    table = EncryptedTable(table=resource.Table(req["table"]), materials_provider=provider(req["provider"]), attribute_actions=actions)
    ser, de = TypeSerializer(), TypeDeserializer()
    try:
        if req["op"] == "put":
            for item in req["items"]:
                table.put_item(Item={k: de.deserialize(to_ddb(v)) for k, v in item.items()})
            json.dump({"items": []}, sys.stdout)
            return
        items, kwargs = [], {}
        while True:
            page = table.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        json.dump({"items": [{k: from_ddb(ser.serialize(v)) for k, v in i.items()} for i in items]}, sys.stdout)
    except Exception as e:  # reported, so the TS side can assert on refusals
        json.dump({"error": "%s: %s" % (type(e).__name__, e)}, sys.stdout)


if __name__ == "__main__":
    main()
