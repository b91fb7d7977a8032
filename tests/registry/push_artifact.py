#!/usr/bin/env python3
"""Push a SIF file as an ORAS artifact the way another client does, for interop tests.

    python3 push_artifact.py HOST REPO TAG FILE STYLE

STYLE:
    apptainer     OCI image manifest, config "{}" of application/vnd.sylabs.sif.config.v1+json,
                  layer application/vnd.sylabs.sif.layer.v1.sif titled with the file name, the
                  creation-time annotation (Apptainer 1.2+, internal/pkg/client/oras/image.go)
    singularity   the same with the Docker schema 2 manifest media type (SingularityCE 4's
                  go-containerregistry writer)
    legacy        Singularity 3.x before 3.7: an empty config of
                  application/vnd.sylabs.sif.config.v1 and the layer type
                  "appliciation/vnd.sylabs.sif.layer.tar" (the typo is theirs)
Plain HTTP to HOST, monolithic uploads (POST, then PUT ?digest=).  Prints the manifest digest.
Python standard library only.
"""
import hashlib
import http.client
import json
import os
import sys
import urllib.parse


def upload(conn, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    conn.request("HEAD", "/v2/%s/blobs/%s" % (repo, digest))
    r = conn.getresponse()
    r.read()
    if r.status == 200:
        return digest
    conn.request("POST", "/v2/%s/blobs/uploads/" % repo, body=b"")
    r = conn.getresponse()
    r.read()
    assert r.status == 202, r.status
    location = urllib.parse.urlsplit(r.getheader("Location"))
    query = (location.query + "&" if location.query else "") + "digest=" + urllib.parse.quote(digest)
    conn.request("PUT", location.path + "?" + query, body=data,
                 headers={"Content-Type": "application/octet-stream"})
    r = conn.getresponse()
    r.read()
    assert r.status == 201, (r.status, r.reason)
    return digest


def main(argv):
    host, repo, tag, path, style = argv[1:6]
    data = open(path, "rb").read()
    conn = http.client.HTTPConnection(host)
    layer_type = "application/vnd.sylabs.sif.layer.v1.sif"
    manifest_type = "application/vnd.oci.image.manifest.v1+json"
    config, config_type = b"{}", "application/vnd.sylabs.sif.config.v1+json"
    if style == "singularity":
        manifest_type = "application/vnd.docker.distribution.manifest.v2+json"
    elif style == "legacy":
        config, config_type = b"", "application/vnd.sylabs.sif.config.v1"
        layer_type = "appliciation/vnd.sylabs.sif.layer.tar"
    elif style != "apptainer":
        sys.exit("unknown style " + style)
    manifest = {
        "schemaVersion": 2,
        "mediaType": manifest_type,
        "config": {"mediaType": config_type, "digest": upload(conn, repo, config),
                   "size": len(config)},
        "layers": [{"mediaType": layer_type, "digest": upload(conn, repo, data), "size": len(data),
                    "annotations": {"org.opencontainers.image.title": os.path.basename(path)}}],
    }
    if style == "apptainer":
        manifest["annotations"] = {"org.opencontainers.image.created": "2024-01-02T03:04:05Z"}
    body = json.dumps(manifest).encode()
    conn.request("PUT", "/v2/%s/manifests/%s" % (repo, tag), body=body,
                 headers={"Content-Type": manifest_type})
    r = conn.getresponse()
    r.read()
    assert r.status == 201, (r.status, r.reason)
    print("sha256:" + hashlib.sha256(body).hexdigest())


if __name__ == "__main__":
    main(sys.argv)
