#!/usr/bin/env bash
# Make the files the documented examples start from (tests/docs/run-examples.py copies them into
# a fresh work directory for every Markdown file).
#
#   tests/docs/setup-fixtures.sh SIFKIT_BINARY REPO_ROOT OUTDIR
#
# Only inputs are made here: whatever an example writes (app.sif, image.sif, site.key, ...) must
# not exist yet, or the example would meet "output exists" (exit 6) instead of what it shows.
set -euo pipefail
sifkit="$1"
repo="$2"
out="$3"
here="$repo/tests/docs"
mkdir -p "$out"
cd "$out"

# The README runs the binary as build/cli/sifkit, from the repository root.
mkdir -p build/cli
ln -s "$sifkit" build/cli/sifkit

# layout (multi-platform, tag latest) and app.oci.tar (tag v2): the demo image plus /usr/local.
python3 "$here/make-app-image.py" .
# app.tar, a docker-archive as `docker save` writes it, made by a third-party tool; no policy
# file is needed to copy between two local files.
skopeo --insecure-policy copy -q oci-archive:app.oci.tar:v2 docker-archive:app.tar:app:latest

# root: a root file system directory (`mksquashfs root ...`, `convert dir:./root`), and
# rootfs.squashfs made from it the way docs/cli.md makes it: 4096 bytes, mksquashfs's padding.
cp -R "$repo/tests/fixtures/demo/rootfs" root
mksquashfs root rootfs.squashfs -noappend -quiet -no-progress >/dev/null

# The objects of docs/cli.md's example image: a 33-byte definition file and an 855-byte
# signature blob (only stored, never verified: its descriptor names the unit-test key).
printf 'Bootstrap: docker\nFrom: alpine:3\n' >recipe.def
python3 -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(855)))' >sig.bin

# docs/build.md's definition files: greet.def over the layout with a file to copy, post.def with
# %post and %test, failing.def whose %post fails, layered.def on a SIF base (base.sif).
mkdir files
printf 'hello from %%files\n' >files/greeting.txt
cat >greet.def <<'DEF'
Bootstrap: oci
From: layout:latest

%arguments
    WHO=world

%files
    files/greeting.txt /opt/greeting.txt

%environment
    export WHO={{ WHO }}

%labels
    Maintainer hpc-team

%runscript
    echo "hello, $WHO"

%help
    Greets whoever WHO names.
DEF
cat >post.def <<'DEF'
Bootstrap: oci
From: layout:latest

%post
    echo "made by %post" > /built
    busybox mkdir -p /home/alice
    busybox chown 1234:1234 /home/alice

%test
    test "$(cat /built)" = "made by %post"
DEF
printf 'Bootstrap: localimage\nFrom: base.sif\n\n%%environment\n    export SECOND=layer\n' >layered.def
printf 'Bootstrap: oci\nFrom: layout:latest\n\n%%post\n    echo "made by %%post" > /built\n    false\n' >failing.def

# The public part of the reference library's OpenPGP test key (`key import` examples).
cp "$repo/tests/fixtures/sign/unit-test-public.asc" .

# An existing destination directory for `stage`, as a node's local disk would be.
mkdir node-local

# A second key, the one an image is *not* signed with (verify ... --key other.pub: exit 12).
"$sifkit" key generate other >/dev/null
# A fixed Ed25519 public key, so that docs/cli.md can show its fingerprint exactly: derived by
# openssl from a constant 32-byte seed (PKCS#8 DER: a 16-byte Ed25519 prefix, then the seed).
python3 -c 'import base64, sys; der = bytes.fromhex("302e020100300506032b657004220420") + b"sifkit documented example seed!!"; sys.stdout.write("-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PRIVATE KEY-----\n")' |
    openssl pkey -pubout -out ed25519-public.pem

# docs/cli.md's execution control lists: one whose only group wants the release key (the fixed
# key above), and one with a misspelt key on line 7.
cat >ecl.toml <<'EOF'
# Every image, wherever it is, must be signed by the release key (ed25519-public.pem).
activated = true

[[execgroup]]
  tagname = "release"
  mode = "whitelist"
  dirpath = ""
  keyid = ["SHA256:XQaEsYY/6zzaIyLaD71Fd/VzFuxgLwdiDL7vtl5/lns"]
EOF
cat >bad-ecl.toml <<'EOF'
activated = true

[[execgroup]]
  tagname = "release"
  mode = "whitelist"
  dirpath = ""
  keyfps = ["ACDA783E6BF92B6D3789C166EFF4766457E482E1"]
EOF
