#!/usr/bin/env python3
"""Sign a registry image the way `cosign sign --key cosign.key` stores it, for tests (cosign is
not in Debian). Written from sigstore's documented format: a simple-signing JSON payload naming
the manifest digest, signed with ECDSA P-256 / SHA-256 (ASN.1 DER, base64) by the openssl CLI,
stored as the one layer (media type application/vnd.dev.cosign.simplesigning.v1+json, the
signature in its dev.cosignproject.cosign/signature annotation) of an OCI image manifest under
the tag sha256-<HEX>.sig of the same repository.

    python3 cosign_sign.py HOST REPO DIGEST KEY.pem [--names DIGEST] [--type TYPE]
                           [--tamper] [--append]

--names: the digest the payload names (default DIGEST: another one makes a signature "for
another image"); --type: the payload's critical.type; --tamper: change the payload after
signing; --append: add a layer to an existing signature manifest (several signers);
--referrers DIR: store the signature as cosign's OCI 1.1 mode does instead (a manifest of its own
with artifactType application/vnd.dev.cosign.artifact.sig.v1+json and the image as subject,
pushed by digest, no tag) and add it to DIR/REPO/<HEX>.json, the referrers index fault_proxy.py
--referrers DIR serves (the registry's own API is not needed).
Plain HTTP to HOST, standard library and the openssl CLI only.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, __import__("os").path.dirname(__file__))
from push_artifact import upload  # noqa: E402

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
SIGNATURE_ARTIFACT = "application/vnd.dev.cosign.artifact.sig.v1+json"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("repo")
    p.add_argument("digest")
    p.add_argument("key")
    p.add_argument("--names")
    p.add_argument("--type", default="cosign container image signature")
    p.add_argument("--tamper", action="store_true")
    p.add_argument("--append", action="store_true")
    p.add_argument("--referrers")
    a = p.parse_args()
    payload = json.dumps({
        "critical": {"identity": {"docker-reference": "%s/%s" % (a.host, a.repo)},
                     "image": {"docker-manifest-digest": a.names or a.digest},
                     "type": a.type},
        "optional": None}, separators=(",", ":")).encode()
    with tempfile.NamedTemporaryFile() as f:
        f.write(payload)
        f.flush()
        der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", a.key, f.name],
                             check=True, capture_output=True).stdout
    if a.tamper:
        payload = payload.replace(b'"optional":null', b'"optional":{"x":1}')
    conn = http.client.HTTPConnection(a.host)
    tag = "sha256-%s.sig" % a.digest.split(":", 1)[1]
    layers = []
    if a.append:
        conn.request("GET", "/v2/%s/manifests/%s" % (a.repo, tag), headers={"Accept": OCI_MANIFEST})
        r = conn.getresponse()
        body = r.read()
        if r.status == 200:
            layers = json.loads(body)["layers"]
    layers.append({"mediaType": SIMPLE_SIGNING, "size": len(payload),
                   "digest": upload(conn, a.repo, payload),
                   "annotations": {"dev.cosignproject.cosign/signature":
                                   base64.b64encode(der).decode()}})
    config = json.dumps({"architecture": "", "config": {}, "created": "0001-01-01T00:00:00Z",
                         "history": [{"created": "0001-01-01T00:00:00Z"}], "os": "",
                         "rootfs": {"type": "layers",
                                    "diff_ids": [l["digest"] for l in layers]}}).encode()
    document = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                           "size": len(config), "digest": upload(conn, a.repo, config)},
                "layers": layers}
    if a.referrers:
        conn.request("GET", "/v2/%s/manifests/%s" % (a.repo, a.digest),
                     headers={"Accept": OCI_MANIFEST + ", " + DOCKER_MANIFEST})
        r = conn.getresponse()
        image = r.read()
        assert r.status == 200, (r.status, r.reason)
        document["artifactType"] = SIGNATURE_ARTIFACT
        document["subject"] = {"mediaType": r.getheader("Content-Type"), "size": len(image),
                               "digest": a.digest}
    manifest = json.dumps(document).encode()
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    conn.request("PUT", "/v2/%s/manifests/%s" % (a.repo, digest if a.referrers else tag),
                 body=manifest, headers={"Content-Type": OCI_MANIFEST})
    r = conn.getresponse()
    r.read()
    assert r.status == 201, (r.status, r.reason)
    if a.referrers:
        stored = os.path.join(a.referrers, a.repo, a.digest.split(":", 1)[1] + ".json")
        os.makedirs(os.path.dirname(stored), exist_ok=True)
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": []}
        if os.path.exists(stored):
            with open(stored) as f:
                index = json.load(f)
        index["manifests"].append({"mediaType": OCI_MANIFEST, "size": len(manifest),
                                   "digest": digest, "artifactType": SIGNATURE_ARTIFACT})
        with open(stored, "w") as f:
            json.dump(index, f)
    print(hashlib.sha256(payload).hexdigest())


if __name__ == "__main__":
    main()
