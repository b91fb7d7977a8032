#!/usr/bin/env bash
# ctest driver of the independent DSSE check: signs an image with sifkit using fresh Ed25519,
# ECDSA P-256/P-384 and RSA keys, then lets check_envelope.py (Python stdlib + openssl CLI) verify
# every envelope; a wrong key and a tampered object must be rejected by it.
#
#   tests/dsse/run.sh SIFKIT_BINARY
set -euo pipefail
sifkit="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check="$here/check_envelope.py"
work="$(mktemp -d "${TMPDIR:-/tmp}/sifkit-dsse-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"

head -c 100000 /dev/urandom >rootfs.bin
printf 'Bootstrap: scratch\n' >recipe.def
"$sifkit" new image.sif
"$sifkit" add image.sif recipe.def --datatype 1 --groupid 1
"$sifkit" add image.sif rootfs.bin --datatype 4 --partfs 4 --parttype 2 --partarch 2 --groupid 1
"$sifkit" add image.sif rootfs.bin --datatype 7 --groupid 2

keys=()
for type in ed25519 ecdsa-p256 ecdsa-p384 rsa-3072; do
    "$sifkit" key generate --type "$type" "$type" >/dev/null
    keys+=(--key "$type.key")
done
"$sifkit" sign image.sif "${keys[@]}" >/dev/null

status=0
for type in ed25519 ecdsa-p256 ecdsa-p384 rsa-3072; do
    if ! python3 "$check" image.sif "$type.pub"; then
        echo "FAILED: openssl does not verify the $type signature" >&2
        status=1
    fi
done

# Negative controls: the checker must be able to say no.
"$sifkit" key generate --type ed25519 stranger >/dev/null
if python3 "$check" image.sif stranger.pub >/dev/null; then
    echo "FAILED: a key that did not sign was accepted" >&2
    status=1
fi
cp image.sif tampered.sif
offset=$("$sifkit" info 2 tampered.sif | awk '/Offset:/ { print $2 }')
# Flip one bit (writing a fixed byte would change nothing when the byte already has that value).
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 1]))' \
    tampered.sif "$((offset + 10))"
if python3 "$check" tampered.sif ed25519.pub >/dev/null; then
    echo "FAILED: a tampered object was accepted" >&2
    status=1
fi
[ "$status" = 0 ] && echo "independent DSSE check: all key types verified, negatives rejected"
exit "$status"
