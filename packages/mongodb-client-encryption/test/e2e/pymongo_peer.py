"""The official Python driver as a second peer (test/pymongo-peer.test.ts runs it).

pymongo + pymongocrypt (its wheel carries libmongocrypt) against the same server as the Node driver
with fle-ts. pymongo's automatic *encryption* needs query analysis from mongocryptd or the
crypt_shared library, neither of which is installable here (crypt_shared is not in the
pymongocrypt wheel; the `probe` step shows pymongo reaching for mongocryptd). So this peer writes
with explicit encryption and reads with automatic *decryption* (bypass_auto_encryption=True, which
libmongocrypt supports without mongocryptd), as the driver documentation describes.

Usage: python3 pymongo_peer.py <read|write|probe>, MONGODB_URI and PEER_MASTER_KEY (base64, 96 bytes)
in the environment. Prints one JSON line.
"""
import base64
import json
import os
import sys

from bson.binary import STANDARD, Binary
from bson.codec_options import CodecOptions
from pymongo import MongoClient
from pymongo.encryption import Algorithm, ClientEncryption
from pymongo.encryption_options import AutoEncryptionOpts

URI = os.environ["MONGODB_URI"]
KMS = {"local": {"key": base64.b64decode(os.environ["PEER_MASTER_KEY"])}}
KEY_VAULT = "peer.__keyVault"
OPTS = CodecOptions(uuid_representation=STANDARD)


def blob_info(value):
    """Subtype, first byte (1 deterministic, 2 random) and key UUID of a stored value."""
    if isinstance(value, Binary) and value.subtype == 6:
        return {"subtype": 6, "firstByte": value[0], "keyIdHex": bytes(value[1:17]).hex(), "hex": bytes(value).hex()}
    return {"clear": value}


def read():
    """What Node + fle-ts wrote: stored form, automatic decryption, and a query with libmongocrypt's own deterministic ciphertext."""
    plain = MongoClient(URI, uuidRepresentation="standard")
    stored = list(plain.peer.from_node.find({}, sort=[("_id", 1)]))
    auto = MongoClient(URI, uuidRepresentation="standard",
                       auto_encryption_opts=AutoEncryptionOpts(KMS, KEY_VAULT, bypass_auto_encryption=True))
    decrypted = list(auto.peer.from_node.find({}, sort=[("_id", 1)]))
    ce = ClientEncryption(KMS, KEY_VAULT, plain, OPTS)
    key = ce.get_key_by_alt_name("node-key")
    # libmongocrypt encrypts the query value itself; the server finds the row fle-ts wrote.
    det = ce.encrypt("123-45-6789", Algorithm.AEAD_AES_256_CBC_HMAC_SHA_512_Deterministic, key_id=key["_id"])
    found = [d["name"] for d in auto.peer.from_node.find({"ssn": det})]
    out = {
        "stored": [{k: blob_info(v) for k, v in d.items() if k != "_id"} for d in stored],
        "decrypted": [{"name": d["name"], "ssn": d["ssn"], "salary": d["salary"]} for d in decrypted],
        "libmongocryptDetHex": bytes(det).hex(),
        "foundByLibmongocryptCiphertext": found,
        "explicitDecrypt": ce.decrypt(stored[0]["ssn"]),
    }
    ce.close(); auto.close(); plain.close()
    return out


def write():
    """A libmongocrypt-made data key, and documents encrypted by libmongocrypt, for Node + fle-ts to read."""
    plain = MongoClient(URI, uuidRepresentation="standard")
    plain.peer.from_python.drop()
    ce = ClientEncryption(KMS, KEY_VAULT, plain, OPTS)
    key_id = ce.create_data_key("local", key_alt_names=["python-key"])
    det = Algorithm.AEAD_AES_256_CBC_HMAC_SHA_512_Deterministic
    rnd = Algorithm.AEAD_AES_256_CBC_HMAC_SHA_512_Random
    rows = [("Grace", "555-01-0001", {"dept": "navy", "rank": 3}), ("Linus", "555-01-0002", {"dept": "kernel", "rank": 1})]
    for i, (name, ssn, notes) in enumerate(rows):
        plain.peer.from_python.insert_one({
            "_id": i + 1, "name": name,
            "ssn": ce.encrypt(ssn, det, key_id=key_id),
            "notes": ce.encrypt(notes, rnd, key_alt_name="python-key"),
        })
    out = {"keyIdHex": bytes(key_id).hex(), "ssnHex": [bytes(d["ssn"]).hex() for d in plain.peer.from_python.find({}, sort=[("_id", 1)])]}
    ce.close(); plain.close()
    return out


def probe():
    """Automatic encryption without bypass: pymongo goes to mongocryptd (not installed here) and fails."""
    opts = AutoEncryptionOpts(KMS, KEY_VAULT, mongocryptd_bypass_spawn=True,
                              mongocryptd_uri="mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500",
                              schema_map={"peer.probe": {"bsonType": "object", "properties": {"x": {"encrypt": {"bsonType": "string", "algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Random", "keyId": "/k"}}}}})
    client = MongoClient(URI, uuidRepresentation="standard", auto_encryption_opts=opts)
    try:
        client.peer.probe.insert_one({"x": "y", "k": "python-key"})
        return {"autoEncryptWithoutMongocryptd": "succeeded"}
    except Exception as e:  # noqa: BLE001 - the probe reports whatever pymongo raises
        return {"autoEncryptWithoutMongocryptd": "failed", "error": f"{type(e).__name__}: {e}"[:300]}
    finally:
        client.close()


if __name__ == "__main__":
    step = sys.argv[1]
    print(json.dumps({"read": read, "write": write, "probe": probe}[step](), default=str))
