#!/usr/bin/env bash
# ctest driver of the X.509 tests: a throwaway PKI (make-ca.sh), an image signed with the good
# leaf's key and certificate, and one case per way a certificate can fail, each with its
# documented exit code (docs/cli.md) and reason; OCSP against `openssl ocsp` responders on
# localhost; the signature checked independently with the openssl command line.
#
#   tests/x509/run.sh SIFKIT_BINARY
set -euo pipefail
sifkit="$(realpath "$1")"  # the script works in a temporary directory
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/sifkit-x509.XXXXXX")"
responders=()
cleanup() {
    for pid in "${responders[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
# The responders are on localhost; a proxy from the environment must not be asked for them.
unset http_proxy HTTP_PROXY all_proxy ALL_PROXY

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
root_port=$(free_port)
ca_port=$(free_port)
while [ "$ca_port" = "$root_port" ]; do ca_port=$(free_port); done
bash "$here/make-ca.sh" ca "$root_port" "$ca_port" >/dev/null

failures=0
fail() {
    echo "FAILED: $*" >&2
    failures=$((failures + 1))
}

# expect CODE TEXT CMD...: CMD exits with CODE and its output (stdout and stderr) contains TEXT.
# Errors (exit 2 and 4) must be one line on stderr.
expect() {
    local code="$1" text="$2" rc=0
    shift 2
    "$@" >out.txt 2>err.txt || rc=$?
    if [ "$rc" != "$code" ]; then
        fail "exit $rc, expected $code: $*"
        sed 's/^/    /' out.txt err.txt >&2
        return
    fi
    if ! grep -qF -- "$text" out.txt err.txt; then
        fail "no '$text' in the output of: $*"
        sed 's/^/    /' out.txt err.txt >&2
    fi
    if { [ "$code" = 2 ] || [ "$code" = 4 ]; } && [ "$(wc -l <err.txt)" != 1 ]; then
        fail "error is not one line on stderr: $*"
        sed 's/^/    /' err.txt >&2
    fi
}

head -c 50000 /dev/urandom >rootfs.bin
"$sifkit" new image.sif
"$sifkit" add image.sif rootfs.bin --datatype 4 --partfs 4 --parttype 2 --partarch 2 --groupid 1
cp image.sif unsigned.sif

# Signing: the certificate must be the key's, valid, and for code signing.
expect 0 "signed 1 group(s)" "$sifkit" sign image.sif --key ca/good.key --certificate ca/good.pem \
    --certificate-intermediates ca/intermediate.pem
cp unsigned.sif other.sif
expect 4 "is not the certificate's key" "$sifkit" sign other.sif --key ca/revoked.key \
    --certificate ca/good.pem
expect 4 "the certificate has expired" "$sifkit" sign other.sif --key ca/expired.key \
    --certificate ca/expired.pem
expect 4 "does not include code signing" "$sifkit" sign other.sif --key ca/server.key \
    --certificate ca/server.pem
expect 4 "not issued by a certificate of ca/other-root.pem" "$sifkit" sign other.sif \
    --key ca/good.key --certificate ca/good.pem --certificate-intermediates ca/other-root.pem
expect 4 "ca/good.key: no PEM certificate" "$sifkit" sign other.sif --key ca/good.key \
    --certificate ca/good.key
# None of the refused signings wrote a signature.
expect 10 "other.sif: not-signed" "$sifkit" verify other.sif --certificate ca/good.pem \
    --certificate-roots ca/root.pem --certificate-intermediates ca/intermediate.pem

trust=(--certificate-roots ca/root.pem --certificate-intermediates ca/intermediate.pem)
# The good case, text and JSON.
openssl x509 -in ca/good.pem -pubkey -noout >good.pub
keyid=$("$sifkit" key fingerprint good.pub)
expect 0 "image.sif: verified" "$sifkit" verify image.sif --certificate ca/good.pem "${trust[@]}"
grep -qF "verified by $keyid" out.txt || fail "the report does not name $keyid"
grep -qxF "certificate ca/good.pem: trusted (CN=sifkit good signer, key $keyid)" out.txt ||
    fail "the report does not name the trusted certificate"
expect 0 '"status": "verified"' "$sifkit" verify image.sif --json --certificate ca/good.pem \
    "${trust[@]}"
python3 -c 'import json, sys
c = json.load(open("out.txt"))["certificate"]
sys.exit(0 if c == {"path": "ca/good.pem", "subject": "CN=sifkit good signer", "keyid": sys.argv[1]} else 1)' \
    "$keyid" || fail "the JSON report does not describe the trusted certificate"
expect 0 "image.sif: verified" "$sifkit" verify image.sif --certificate ca/good.pem "${trust[@]}" \
    --crl ca/intermediate.crl.pem
# An execution control list naming the certificate's subject (certsubject): the trusted leaf's
# subject is what the signature's finding carries.
for subject in "CN=sifkit good signer" "CN=somebody else"; do
    printf 'activated = true\n[[execgroup]]\n  tagname = "ca"\n  mode = "whitelist"\n  dirpath = "%s"\n  certsubject = ["%s"]\n' \
        "$(pwd -P)" "$subject" >ecl.toml
    if [ "$subject" = "CN=sifkit good signer" ]; then
        expect 0 "signed by listed" "$sifkit" verify image.sif --certificate ca/good.pem \
            "${trust[@]}" --ecl ecl.toml
    else
        expect 14 "image.sif: refused" "$sifkit" verify image.sif --certificate ca/good.pem \
            "${trust[@]}" --ecl ecl.toml
    fi
done
# A full-chain file: the certificates after the leaf serve as intermediates, not as roots.
cat ca/good.pem ca/intermediate.pem >full-chain.pem
expect 0 "image.sif: verified" "$sifkit" verify image.sif --certificate full-chain.pem \
    --certificate-roots ca/root.pem
cat ca/good.pem ca/intermediate.pem ca/root.pem >chain-with-root.pem
expect 12 "self-signed certificate in certificate chain" "$sifkit" verify image.sif \
    --certificate chain-with-root.pem --certificate-roots ca/other-root.pem
# Go's rule, kept: a leaf without an extended key usage extension may sign code.
"$sifkit" sign other.sif --key ca/noeku.key --certificate ca/noeku.pem >/dev/null
expect 0 "other.sif: verified" "$sifkit" verify other.sif --certificate ca/noeku.pem "${trust[@]}"

# A self-signed signer given as its own root (Go's roots pool: every root is an anchor).
cp unsigned.sif self.sif
"$sifkit" sign self.sif --key ca/self.key --certificate ca/self.pem >/dev/null
expect 0 "self.sif: verified" "$sifkit" verify self.sif --certificate ca/self.pem \
    --certificate-roots ca/self.pem
expect 12 "self-signed certificate (CN=sifkit self-signed signer)" "$sifkit" verify self.sif \
    --certificate ca/self.pem "${trust[@]}"

# Refusals: signatures made with the bare keys (signing with the certificate refuses them).
for leaf in revoked expired server stranger; do
    cp unsigned.sif "$leaf.sif"
    "$sifkit" sign "$leaf.sif" --key "ca/$leaf.key" >/dev/null
done
expect 12 "certificate revoked" "$sifkit" verify revoked.sif --certificate ca/revoked.pem \
    "${trust[@]}" --crl ca/intermediate.crl.pem
# Without revocation information the revoked leaf is trusted (the reference checks no CRLs).
expect 0 "revoked.sif: verified" "$sifkit" verify revoked.sif --certificate ca/revoked.pem \
    "${trust[@]}"
expect 12 "certificate has expired (CN=sifkit expired signer)" "$sifkit" verify expired.sif \
    --certificate ca/expired.pem "${trust[@]}"
expect 12 "does not include code signing (CN=sifkit web server)" "$sifkit" verify server.sif \
    --certificate ca/server.pem "${trust[@]}"
expect 12 "unable to get local issuer certificate" "$sifkit" verify stranger.sif \
    --certificate ca/stranger.pem "${trust[@]}"
expect 12 "unable to get local issuer certificate" "$sifkit" verify image.sif \
    --certificate ca/good.pem --certificate-roots ca/root.pem
expect 12 '"format": "x509"' "$sifkit" verify expired.sif --json --certificate ca/expired.pem \
    "${trust[@]}"
# A trusted certificate whose key did not sign the image.
expect 12 "no trusted key verified the signature" "$sifkit" verify image.sif \
    --certificate ca/revoked.pem "${trust[@]}"
# A CRL of another issuer does not cover the leaf: refused, not ignored.
openssl ca -batch -config ca/other-root/ca.cnf -gencrl -out other.crl.pem 2>/dev/null ||
    OCSP_URL=unused openssl ca -batch -config ca/other-root/ca.cnf -gencrl -out other.crl.pem \
        2>/dev/null
expect 12 "unable to get certificate CRL" "$sifkit" verify image.sif --certificate ca/good.pem \
    "${trust[@]}" --crl other.crl.pem

# An outdated CRL vouches for nothing, not even for the good leaf.
expect 12 "CRL has expired" "$sifkit" verify image.sif --certificate ca/good.pem "${trust[@]}" \
    --crl ca/outdated.crl.pem

# Tampering is still tampering.
cp image.sif tampered.sif
offset=$("$sifkit" info 1 tampered.sif | awk '/Offset:/ { print $2 }')
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 1]))' \
    tampered.sif "$((offset + 100))"
expect 11 "tampered.sif: invalid" "$sifkit" verify tampered.sif --certificate ca/good.pem \
    "${trust[@]}"

# Bad input: one line naming the file, exit 4 (2 for usage).
printf 'not a certificate\n' >garbage.pem
expect 4 "garbage.pem: no PEM certificate" "$sifkit" verify image.sif --certificate garbage.pem \
    "${trust[@]}"
expect 4 "garbage.pem: no PEM certificate" "$sifkit" verify image.sif --certificate ca/good.pem \
    --certificate-roots garbage.pem
expect 4 "garbage.pem: no PEM CRL" "$sifkit" verify image.sif --certificate ca/good.pem \
    "${trust[@]}" --crl garbage.pem
expect 3 "missing.pem" "$sifkit" verify image.sif --certificate missing.pem "${trust[@]}"
expect 2 "--certificate needs --certificate-roots" "$sifkit" verify image.sif \
    --certificate ca/good.pem

# stage shares verify's trust options.
expect 0 "staged to staged.sif" "$sifkit" stage image.sif staged.sif --certificate ca/good.pem \
    "${trust[@]}"
cmp -s image.sif staged.sif || fail "the staged copy differs from the image"
expect 12 "certificate has expired" "$sifkit" stage expired.sif staged-expired.sif \
    --certificate ca/expired.pem "${trust[@]}"
[ ! -e staged-expired.sif ] || fail "an image signed by an expired leaf was staged"
grep -qF "staged-expired.sif: not written (refused before copying: the certificate is not trusted)" \
    out.txt || fail "stage does not say that nothing was written"
expect 12 '"refused_before_copy": true' "$sifkit" stage --json expired.sif --cache-dir "$work/cache" \
    --certificate ca/expired.pem "${trust[@]}"

# Independently: openssl verifies the DSSE signature with the key openssl takes from the leaf.
python3 "$here/../dsse/check_envelope.py" image.sif good.pub >/dev/null ||
    fail "openssl does not verify the signature with the good leaf's key"
openssl x509 -in ca/revoked.pem -pubkey -noout >revoked.pub
if python3 "$here/../dsse/check_envelope.py" image.sif revoked.pub >/dev/null 2>&1; then
    fail "the independent check accepts another leaf's key"
fi

# OCSP: no responder yet, then the responders of make-ca.sh.
expect 13 "unreachable" "$sifkit" verify image.sif --certificate ca/good.pem "${trust[@]}" \
    --ocsp-verify
mapfile -t responders < <(bash ca/ocsp-responders.sh)
# Ready once both log that they listen (a probing connection would hold up `openssl ocsp`,
# which serves one connection at a time and waits for that one's request).
for _ in $(seq 100); do
    [ "$(cat ca/*-ocsp.log 2>/dev/null | grep -c 'waiting for OCSP client')" = 2 ] && break
    sleep 0.1
done
expect 0 "image.sif: verified" "$sifkit" verify image.sif --certificate ca/good.pem "${trust[@]}" \
    --ocsp-verify
expect 12 "certificate revoked (OCSP" "$sifkit" verify revoked.sif --certificate ca/revoked.pem \
    "${trust[@]}" --ocsp-verify
cp unsigned.sif unreachable.sif
"$sifkit" sign unreachable.sif --key ca/unreachable.key --certificate ca/unreachable.pem >/dev/null
expect 13 "http://127.0.0.1:1 unreachable" "$sifkit" verify unreachable.sif \
    --certificate ca/unreachable.pem "${trust[@]}" --ocsp-verify
# The intermediate is asked about too (at the root's responder): without it, no trust.
kill "${responders[0]}"
wait "${responders[0]}" 2>/dev/null || true
expect 13 "revocation status unknown for CN=sifkit test intermediate" "$sifkit" verify image.sif \
    --certificate ca/good.pem "${trust[@]}" --ocsp-verify

if [ "$failures" != 0 ]; then
    echo "$failures X.509 check(s) failed" >&2
    exit 1
fi
echo "X.509: signing, chains, usage, validity, CRL, OCSP, stage and the openssl check all as documented"
