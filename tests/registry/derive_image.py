#!/usr/bin/env python3
"""Derive a test image that shares layers with another one.

    python3 derive_image.py SRC_LAYOUT TAG DST_LAYOUT

Writes DST_LAYOUT: the image SRC_LAYOUT:TAG with one more (gzip) layer on top holding
/derived.txt, a new config (diff_ids and history extended) and manifest, tagged "latest".
The lower layers are the same blobs, so a registry pull of both images shares them.
Deterministic; Python standard library only.
"""
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile


def blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest


def read_blob(layout, digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
        return f.read()


def dumps(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def main(argv):
    src, tag, dst = argv[1:4]
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    index = json.load(open(os.path.join(src, "index.json")))
    entry = next(m for m in index["manifests"]
                 if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag)
    manifest = json.loads(read_blob(dst, entry["digest"]))
    config = json.loads(read_blob(dst, manifest["config"]["digest"]))

    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as t:
        data = b"derived layer\n"
        info = tarfile.TarInfo("derived.txt")
        info.size, info.mtime, info.mode = len(data), 1700000000, 0o644
        t.addfile(info, io.BytesIO(data))
    raw = tar_bytes.getvalue()
    compressed = io.BytesIO()
    with gzip.GzipFile(fileobj=compressed, mode="wb", mtime=0, filename="") as g:
        g.write(raw)
    layer = compressed.getvalue()

    config["rootfs"]["diff_ids"].append("sha256:" + hashlib.sha256(raw).hexdigest())
    config.setdefault("history", []).append({"created_by": "derive_image.py"})
    config_bytes = dumps(config)
    manifest["config"] = {"mediaType": manifest["config"]["mediaType"],
                          "digest": blob(dst, config_bytes), "size": len(config_bytes)}
    manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                               "digest": blob(dst, layer), "size": len(layer)})
    manifest_bytes = dumps(manifest)
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                            "digest": blob(dst, manifest_bytes), "size": len(manifest_bytes),
                            "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}
    with open(os.path.join(dst, "index.json"), "wb") as f:
        f.write(dumps(index))


if __name__ == "__main__":
    main(sys.argv)
