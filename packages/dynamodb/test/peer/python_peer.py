"""The AWS DynamoDB Encryption Client for Python as a peer of @fle-ts/dynamodb (issue 17).

Reads one JSON request on stdin, writes one JSON answer on stdout:
  {"op": "encrypt" | "decrypt", "provider": {"kind": "static" | "wrapped-aes" | "wrapped-rsa" | "kms" | "most_recent", ...keys base64 | keyId | metaTable},
   "table": str, "partition": str, "sort": str | null,
   "actions": {"default": "ENCRYPT_AND_SIGN" | ..., "overrides": {name: action}},
   "items": [DynamoDB JSON items, B/BS as base64]}
  -> {"items": [...]} or {"error": "<exception class>: <message>"} per item.
Only the offline item encryptor functions are used (no DynamoDB, no network).
Needs: pip install dynamodb-encryption-sdk==3.3.0
"""
import base64
import json
import sys

from dynamodb_encryption_sdk.delegated_keys.jce import JceNameLocalDelegatedKey
from dynamodb_encryption_sdk.encrypted import CryptoConfig
from dynamodb_encryption_sdk.encrypted.item import decrypt_dynamodb_item, encrypt_dynamodb_item
from dynamodb_encryption_sdk.identifiers import CryptoAction, EncryptionKeyType, KeyEncodingType
from dynamodb_encryption_sdk.material_providers.aws_kms import AwsKmsCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.static import StaticCryptographicMaterialsProvider
from dynamodb_encryption_sdk.material_providers.wrapped import WrappedCryptographicMaterialsProvider
from dynamodb_encryption_sdk.materials.raw import RawDecryptionMaterials, RawEncryptionMaterials
from dynamodb_encryption_sdk.structures import AttributeActions, EncryptionContext


def b64(s):
    return base64.b64decode(s)


def to_ddb(value):
    """DynamoDB JSON (base64 binaries) -> boto3 client shape (bytes binaries)."""
    (tag, v), = value.items()
    if tag == "B":
        return {"B": b64(v)}
    if tag == "BS":
        return {"BS": [b64(x) for x in v]}
    if tag == "L":
        return {"L": [to_ddb(x) for x in v]}
    if tag == "M":
        return {"M": {k: to_ddb(x) for k, x in v.items()}}
    return {tag: v}


def from_ddb(value):
    (tag, v), = value.items()
    if tag == "B":
        return {"B": base64.b64encode(bytes(v)).decode()}
    if tag == "BS":
        return {"BS": [base64.b64encode(bytes(x)).decode() for x in v]}
    if tag == "L":
        return {"L": [from_ddb(x) for x in v]}
    if tag == "M":
        return {"M": {k: from_ddb(x) for k, x in v.items()}}
    if tag in ("NS", "SS"):
        return {tag: list(v)}
    return {tag: v}


def sym(key, algorithm):
    return JceNameLocalDelegatedKey(b64(key), algorithm, EncryptionKeyType.SYMMETRIC, KeyEncodingType.RAW)


def rsa(key, algorithm, private):
    kind = EncryptionKeyType.PRIVATE if private else EncryptionKeyType.PUBLIC
    return JceNameLocalDelegatedKey(b64(key), algorithm, kind, KeyEncodingType.DER)


def provider(p):
    if p["kind"] == "static":
        aes, mac = sym(p["aesKey"], "AES"), sym(p["hmacKey"], "HmacSHA256")
        return StaticCryptographicMaterialsProvider(
            encryption_materials=RawEncryptionMaterials(signing_key=mac, encryption_key=aes),
            decryption_materials=RawDecryptionMaterials(verification_key=mac, decryption_key=aes),
        )
    if p["kind"] == "wrapped-aes":
        wrap = sym(p["wrapKey"], "AES")
        return WrappedCryptographicMaterialsProvider(signing_key=sym(p["hmacKey"], "HmacSHA256"), wrapping_key=wrap, unwrapping_key=wrap)
    if p["kind"] == "wrapped-rsa":
        return WrappedCryptographicMaterialsProvider(
            signing_key=rsa(p["signPriv"], "SHA256withRSA", True),
            wrapping_key=rsa(p["encPub"], "RSA", False),
            unwrapping_key=rsa(p["encPriv"], "RSA", True),
        )
    if p["kind"] == "most_recent":
        # A MetaStore in a DynamoDB table (AWS_ENDPOINT_URL_DYNAMODB: moto in the tests), its rows
        # protected by static AES/HMAC keys; created here when absent.
        import boto3
        from dynamodb_encryption_sdk.material_providers.most_recent import CachingMostRecentProvider
        from dynamodb_encryption_sdk.material_providers.store.meta import MetaStore

        client = boto3.client("dynamodb")
        if p["metaTable"] not in client.list_tables()["TableNames"]:
            MetaStore.create_table(client, p["metaTable"], 1, 1)
        aes, mac = sym(p["aesKey"], "AES"), sym(p["hmacKey"], "HmacSHA256")
        rows = StaticCryptographicMaterialsProvider(
            encryption_materials=RawEncryptionMaterials(signing_key=mac, encryption_key=aes),
            decryption_materials=RawDecryptionMaterials(verification_key=mac, decryption_key=aes),
        )
        store = MetaStore(boto3.resource("dynamodb").Table(p["metaTable"]), rows)
        return CachingMostRecentProvider(provider_store=store, material_name=p["materialName"], version_ttl=0.0)
    if p["kind"] == "kms":
        # The endpoint and credentials come from the environment (AWS_ENDPOINT_URL_KMS, ...).
        return AwsKmsCryptographicMaterialsProvider(key_id=p["keyId"])
    raise ValueError("unknown provider kind " + p["kind"])


def main():
    req = json.load(sys.stdin)
    actions = AttributeActions(
        default_action=CryptoAction[req["actions"]["default"]],
        attribute_actions={k: CryptoAction[v] for k, v in req["actions"].get("overrides", {}).items()},
    )
    keys = [req["partition"]] + ([req["sort"]] if req.get("sort") else [])
    actions.set_index_keys(*keys)
    mp = provider(req["provider"])
    out = []
    for item in req["items"]:
        ddb_item = {k: to_ddb(v) for k, v in item.items()}
        # attributes = the item, as EncryptedClient/EncryptedTable set them (CryptoConfig.with_item):
        # the KMS provider puts the key attribute values into its KMS encryption context.
        ctx = EncryptionContext(
            table_name=req["table"], partition_key_name=req["partition"], sort_key_name=req.get("sort"), attributes=ddb_item
        )
        config = CryptoConfig(materials_provider=mp, encryption_context=ctx, attribute_actions=actions)
        fn = encrypt_dynamodb_item if req["op"] == "encrypt" else decrypt_dynamodb_item
        try:
            result = fn(ddb_item, config)
            out.append({k: from_ddb(v) for k, v in result.items()})
        except Exception as e:  # reported per item, so the TS side can assert on refusals
            out.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump({"items": out}, sys.stdout)


if __name__ == "__main__":
    main()
