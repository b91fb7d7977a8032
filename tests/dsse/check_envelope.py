#!/usr/bin/env python3
"""Independent check of the DSSE signatures in a SIF image, sharing no code with sifkit.

    check_envelope.py IMAGE PUBLIC_KEY.pem

Reads the SIF header and descriptor table with struct (format reference §3-§4), takes every
Signature object (0x4005) that holds a DSSE envelope, rebuilds the pre-authentication encoding
(PAE) itself, and asks the openssl command line to verify each signature with the key:
`openssl pkeyutl -verify -rawin` for Ed25519, `openssl dgst -sha256 -verify` for ECDSA and RSA.
Also recomputes each signed object's SHA-256 with hashlib and compares it with the metadata.

Exit 0 when every envelope has a signature that verifies with the key and every object digest
matches; 1 otherwise (with a line saying why); 2 on usage errors.
"""
import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile

DESCRIPTOR_SIZE = 585
SIGNATURE = 0x4005
GROUP_MASK = 0xF0000000


def descriptors(data):
    if data[32:42] != b"SIF_MAGIC\0":
        raise SystemExit("not a SIF image")
    dtotal, descroff = struct.unpack_from("<qq", data, 88)
    for i in range(dtotal):
        base = descroff + i * DESCRIPTOR_SIZE
        dtype, used, oid, group, link, offset, size = struct.unpack_from("<iBIIIqq", data, base)
        if used:
            yield {"type": dtype, "id": oid, "group": group & ~GROUP_MASK, "link": link,
                   "offset": offset, "size": size}


def pae(payload_type, payload):
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def key_kind(key):
    text = subprocess.run(["openssl", "pkey", "-pubin", "-in", key, "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    return "ed25519" if text.startswith("ED25519") else "digest"


def openssl_verifies(key, kind, message, signature):
    with tempfile.TemporaryDirectory() as tmp:
        msg = os.path.join(tmp, "pae")
        sig = os.path.join(tmp, "sig")
        with open(msg, "wb") as f:
            f.write(message)
        with open(sig, "wb") as f:
            f.write(signature)
        if kind == "ed25519":
            cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin",
                   "-in", msg, "-sigfile", sig]
        else:
            cmd = ["openssl", "dgst", "-sha256", "-verify", key, "-signature", sig, msg]
        return subprocess.run(cmd, capture_output=True).returncode == 0


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    image, key = sys.argv[1], sys.argv[2]
    with open(image, "rb") as f:
        data = f.read()
    objects = list(descriptors(data))
    kind = key_kind(key)
    envelopes = 0
    for d in objects:
        if d["type"] != SIGNATURE:
            continue
        raw = data[d["offset"]:d["offset"] + d["size"]]
        try:
            envelope = json.loads(raw)
        except ValueError:
            continue  # not DSSE (an OpenPGP signature)
        envelopes += 1
        payload = base64.b64decode(envelope["payload"])
        message = pae(envelope["payloadType"], payload)
        if not any(openssl_verifies(key, kind, message, base64.b64decode(s["sig"]))
                   for s in envelope["signatures"]):
            print("signature object %d: no signature verifies with %s" % (d["id"], key))
            return 1
        group = d["link"] & ~GROUP_MASK
        members = sorted(o["id"] for o in objects if o["group"] == group)
        for entry in json.loads(payload)["objects"]:
            target = next(o for o in objects if o["id"] == members[0] + entry["relativeId"])
            actual = hashlib.sha256(data[target["offset"]:target["offset"] + target["size"]])
            if entry["objectDigest"] != "sha256:" + actual.hexdigest():
                print("signature object %d: object %d digest differs" % (d["id"], target["id"]))
                return 1
    if envelopes == 0:
        print("no DSSE envelope in " + image)
        return 1
    print("%s: %d envelope(s) verified by openssl with %s" % (image, envelopes, key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
