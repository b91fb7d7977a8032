#!/usr/bin/env bash
# DSSE signing with keys that never leave a PKCS#11 token (SoftHSM2 standing in for a smartcard
# or an HSM): an ECDSA P-256 and an RSA key are imported into a throwaway token, sifkit signs
# with their pkcs11: URIs, and the signatures must verify with the public halves, both with
# sifkit and with the independent checker of tests/dsse (Python + openssl CLI). A wrong PIN and
# an unknown object must fail with one line and leave the image as it was.
#
#   tests/pkcs11/run.sh SIFKIT_BINARY
set -euo pipefail
sifkit="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check="$here/../dsse/check_envelope.py"
module=/usr/lib/softhsm/libsofthsm2.so
if [ ! -e "$module" ] || ! command -v softhsm2-util >/dev/null; then
    if [ "${CI:-}" = true ]; then
        echo "softhsm2 is missing (scripts/install-deps)" >&2
        exit 1
    fi
    echo "SKIPPED: softhsm2 is not installed (apt-get install softhsm2)"
    exit 77
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/sifkit-pkcs11.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' \
    "$work" >softhsm2.conf
export SOFTHSM2_CONF="$work/softhsm2.conf"
softhsm2-util --init-token --free --label site --pin 1234 --so-pin 5678 >/dev/null

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
id=1
for key in ec rsa; do
    openssl pkey -in "$key.pem" -pubout -out "$key.pub"
    softhsm2-util --import "$key.pem" --token site --label "$key-signing" --id "0$id" \
        --pin 1234 >/dev/null
    id=$((id + 1))
    rm "$key.pem"  # from here on the private key exists only in the token
done

head -c 50000 /dev/urandom >rootfs.bin
"$sifkit" new image.sif
"$sifkit" add image.sif rootfs.bin --datatype 4 --partfs 4 --parttype 2 --partarch 2 --groupid 1
cp image.sif pristine.sif

uri() { echo "pkcs11:token=site;object=$1-signing;type=private?module-path=$module&pin-value=$2"; }

status=0
fail() { echo "FAILED: $*" >&2; status=1; }

# A wrong PIN, an unknown object: exit non-zero, one line, the image untouched.
for bad in "$(uri ec 9999)" "$(uri nosuch 1234)"; do
    if "$sifkit" sign image.sif --key "$bad" >out 2>err; then
        fail "signing with $bad succeeded"
    fi
    grep -q '^sifkit: pkcs11:token=site;object=[a-z]*-signing;type=private: ' err ||
        fail "no one-line error for $bad: $(cat err)"
    if grep -q 9999 err; then fail "the PIN appears in the error"; fi
    cmp -s image.sif pristine.sif || fail "the image changed after a failed signing"
done

# Both keys in one envelope; the PIN from a file this time, for the RSA key.
echo 1234 >pin.txt
"$sifkit" sign image.sif --key "$(uri ec 1234)" \
    --key "pkcs11:token=site;object=rsa-signing;type=private?module-path=$module" \
    --passphrase-file pin.txt >/dev/null
for key in ec rsa; do
    "$sifkit" verify image.sif --key "$key.pub" >/dev/null || fail "sifkit does not verify $key"
    python3 "$check" image.sif "$key.pub" >/dev/null || fail "openssl does not verify $key"
done
exit "$status"
