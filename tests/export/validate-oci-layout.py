#!/usr/bin/env python3
"""Validate an OCI image layout against the OCI image-spec JSON schemas.

    validate-oci-layout.py LAYOUT_DIR SCHEMA_DIR

SCHEMA_DIR is the image-spec's schema/ directory (Debian's
golang-github-opencontainers-image-spec-dev ships it under
/usr/share/gocode/src/github.com/opencontainers/image-spec/schema). Checks oci-layout,
index.json, every manifest it names and their configs (python3-jsonschema, draft 4 as the
schemas declare), and that every blob named exists with the digest and size its descriptor
gives. Prints one line per problem and exits 1 when there is any.
"""
import hashlib
import json
import os
import sys

import jsonschema

layout, schema_dir = sys.argv[1], sys.argv[2]
store = {}
for name in os.listdir(schema_dir):
    if name.endswith(".json"):
        with open(os.path.join(schema_dir, name)) as f:
            doc = json.load(f)
        store[name] = doc
        if "id" in doc:
            store[doc["id"]] = doc


def validator(name):
    schema = store[name]
    # The schemas name each other by https URLs; every one of them is in schema_dir, so any
    # reference resolves to the local file of the same name (no network).
    local = lambda url: store[url.rsplit("/", 1)[-1]]
    resolver = jsonschema.RefResolver(base_uri="file://" + schema_dir + "/", referrer=schema,
                                      store=store, handlers={"https": local, "http": local})
    return jsonschema.Draft4Validator(schema, resolver=resolver)


problems = []


def check(name, doc, what):
    for error in validator(name).iter_errors(doc):
        problems.append(f"{what}: {error.message}")


def blob(descriptor, what):
    algorithm, hexdigest = descriptor["digest"].split(":", 1)
    path = os.path.join(layout, "blobs", algorithm, hexdigest)
    if not os.path.exists(path):
        problems.append(f"{what}: blob {descriptor['digest']} missing")
        return None
    data = open(path, "rb").read()
    if hashlib.sha256(data).hexdigest() != hexdigest:
        problems.append(f"{what}: blob {descriptor['digest']} does not match its digest")
    if len(data) != descriptor["size"]:
        problems.append(f"{what}: blob {descriptor['digest']} is {len(data)} bytes, "
                        f"descriptor says {descriptor['size']}")
    return data


check("image-layout-schema.json", json.load(open(os.path.join(layout, "oci-layout"))), "oci-layout")
index = json.load(open(os.path.join(layout, "index.json")))
check("image-index-schema.json", index, "index.json")
checked = 0
for entry in index.get("manifests", []):
    check("content-descriptor.json", entry, "index.json descriptor")
    data = blob(entry, "index.json")
    if data is None:
        continue
    manifest = json.loads(data)
    check("image-manifest-schema.json", manifest, "manifest " + entry["digest"])
    config_data = blob(manifest["config"], "manifest config")
    if config_data is not None:
        check("config-schema.json", json.loads(config_data), "config " + manifest["config"]["digest"])
    for layer in manifest["layers"]:
        blob(layer, "manifest layer")
    checked += 1
if checked == 0:
    problems.append("index.json names no manifest")
for p in problems:
    print(p)
print(f"{checked} manifest(s) checked, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
