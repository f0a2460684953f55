"""Times the AWS DynamoDB Encryption Client for Python on one item: the optional peer column of
benchmarks/dynamodb.ts. Reuses packages/dynamodb/test/peer/python_peer.py's provider set-up and
DynamoDB JSON conversion, so both sides get the same keys and item.

stdin:  {"provider": {...as python_peer.py}, "table", "partition", "sort", "actions": {"default", "overrides"},
         "item": DynamoDB JSON (B as base64), "fleEncrypted": the item as fle-ts encrypted it, "seconds": float}
stdout: {"encrypt": items/s, "decrypt": items/s, "fleDecrypted": fle-ts's item decrypted and verified here}
Each rate is items over `seconds` of a loop after one warm-up call; process start is not timed.
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packages", "dynamodb", "test", "peer"))
from python_peer import from_ddb, provider, to_ddb  # noqa: E402

from dynamodb_encryption_sdk.encrypted import CryptoConfig  # noqa: E402
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item  # noqa: E402
from dynamodb_encryption_sdk.identifiers import CryptoAction  # noqa: E402
from dynamodb_encryption_sdk.structures import AttributeActions, EncryptionContext  # noqa: E402


def rate(fn, seconds):
    fn()
    n = 0
    t0 = time.perf_counter()
    t = t0
    while t - t0 < seconds:
        fn()
        n += 1
        t = time.perf_counter()
    return n / (t - t0)


def main():
    req = json.load(sys.stdin)
    actions = AttributeActions(
        default_action=CryptoAction[req["actions"]["default"]],
        attribute_actions={k: CryptoAction[v] for k, v in req["actions"].get("overrides", {}).items()},
    )
    actions.set_index_keys(req["partition"], req["sort"])
    item = {k: to_ddb(v) for k, v in req["item"].items()}
    ctx = EncryptionContext(table_name=req["table"], partition_key_name=req["partition"], sort_key_name=req["sort"], attributes=item)
    config = CryptoConfig(materials_provider=provider(req["provider"]), encryption_context=ctx, attribute_actions=actions)
    stored = encrypt_dynamodb_item(item, config)
    fle = decrypt_dynamodb_item({k: to_ddb(v) for k, v in req["fleEncrypted"].items()}, config)
    out = {
        "encrypt": rate(lambda: encrypt_dynamodb_item(item, config), req["seconds"]),
        # decrypt_dynamodb_item pops the reserved attributes from its argument: a shallow copy per call.
        "decrypt": rate(lambda: decrypt_dynamodb_item(dict(stored), config), req["seconds"]),
        "fleDecrypted": {k: from_ddb(v) for k, v in fle.items()},
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
