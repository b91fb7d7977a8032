#!/usr/bin/env bash
# ctest driver of the cosign checks (cosign itself is not in Debian): key generate --type cosign
# opened by check_cosign.py's own scrypt + secretbox; sign --cosign of an OCI-SIF checked by the
# openssl CLI; verify --cosign's outcomes (a wrong key, a signature for another digest, a
# tampered payload, bytes changed in the image, no signature, a wrong passphrase: one line each,
# the exit codes of verify); the signed image still read by inspect, ls, cat and export.
#
#   tests/cosign/run.sh SIFKIT_BINARY
set -euo pipefail
sifkit="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check="$here/check_cosign.py"
work="$(mktemp -d "${TMPDIR:-/tmp}/sifkit-cosign-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work"
status=0
failed() {
    echo "FAILED: $*" >&2
    status=1
}
# Runs a command that must fail with exit code $1 and exactly one line on standard error
# containing $2.
expect_failure() {
    local code="$1" text="$2"
    shift 2
    set +e
    "$@" >out.txt 2>err.txt
    local got=$?
    set -e
    if [[ $got -ne $code ]]; then
        failed "$* exited $got, not $code: $(cat err.txt)"
    elif [[ $(wc -l <err.txt) -ne 1 ]] || ! grep -qF -- "$text" err.txt; then
        failed "$*: stderr is not one line saying '$text': $(cat err.txt)"
    fi
}

# ---- keys -----------------------------------------------------------------------------------
COSIGN_PASSWORD=s3cret "$sifkit" key generate --type cosign >/dev/null
[[ -f cosign.key && -f cosign.pub ]] || failed "key generate --type cosign wrote no cosign.key/.pub"
[[ $(stat -c %a cosign.key) == 600 ]] || failed "cosign.key is mode $(stat -c %a cosign.key)"
head -1 cosign.key | grep -qx -- "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----" ||
    failed "cosign.key label: $(head -1 cosign.key)"
python3 "$check" key cosign.key cosign.pub s3cret || failed "cosign.key does not open independently"
COSIGN_PASSWORD= "$sifkit" key generate --type cosign other >/dev/null
python3 "$check" key other.key other.pub "" || failed "an empty passphrase does not open other.key"
"$sifkit" key generate --type ecdsa-p256 plain >/dev/null
# The older label is read as well.
sed 's/SIGSTORE PRIVATE KEY/COSIGN PRIVATE KEY/' cosign.key >legacy.key

# A cosign key signs native SIFs too (DSSE), wherever a private key is read.
head -c 50000 /dev/urandom >data.bin
"$sifkit" new native.sif
"$sifkit" add native.sif data.bin --datatype 7 --groupid 1
cp native.sif native-unsigned.sif
COSIGN_PASSWORD=s3cret "$sifkit" sign native.sif --key legacy.key --passphrase-env COSIGN_PASSWORD >/dev/null
"$sifkit" verify native.sif --key cosign.pub >/dev/null || failed "DSSE signature by cosign.key"

# Keys that are not cosign's format as written: one line each, exit 4, before any scrypt.
python3 - cosign.key costly.key unnamed.key <<'PY'
import base64, json, sys
text = open(sys.argv[1]).read()
label = "ENCRYPTED SIGSTORE PRIVATE KEY"
body = json.loads(base64.b64decode("".join(text.split("-----")[2].split())))
def write(path, document):
    data = base64.b64encode(json.dumps(document).encode()).decode()
    open(path, "w").write("-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, data, label))
costly = json.loads(json.dumps(body)); costly["kdf"]["params"]["N"] = 1 << 24
write(sys.argv[2], costly)
unnamed = json.loads(json.dumps(body)); unnamed["cipher"]["name"] = "aes-gcm"
write(sys.argv[3], unnamed)
PY
for bad in costly:"unsupported scrypt parameters" unnamed:"unknown cipher"; do
    COSIGN_PASSWORD=s3cret expect_failure 4 "${bad#*:}" \
        "$sifkit" sign native-unsigned.sif --key "${bad%%:*}.key" --passphrase-env COSIGN_PASSWORD
done


# ---- OCI-SIF ----------------------------------------------------------------------------------
mkdir -p rootfs/etc rootfs/bin
echo cosign-fixture >rootfs/etc/hostname
printf 'line\n%.0s' $(seq 100) >rootfs/bin/tool
"$sifkit" convert --format oci-sif dir:rootfs image.oci.sif >/dev/null
cp image.oci.sif unsigned.oci.sif
"$sifkit" ls -lR image.oci.sif / >ls-before.txt

# A wrong passphrase: one line, exit 8, the image unchanged.
before="$(sha256sum <image.oci.sif)"
COSIGN_PASSWORD=wrong expect_failure 8 "wrong passphrase" \
    "$sifkit" sign --cosign --key cosign.key image.oci.sif
[[ "$(sha256sum <image.oci.sif)" == "$before" ]] || failed "a refused signing changed the image"

# Fixed, distinct --time values here and below: the payload carries the signing time, and two
# signings in the same second would share one payload blob (one free slot fewer used), which
# made the slot count at "free slot" below depend on the clock.
COSIGN_PASSWORD=s3cret "$sifkit" sign --cosign --key cosign.key --time 1699999990 image.oci.sif \
    >sign.txt
grep -q "_cosign:sha256-" sign.txt || failed "sign --cosign output: $(cat sign.txt)"
python3 "$check" oci-sif "$sifkit" image.oci.sif cosign.pub || failed "openssl does not verify"
"$sifkit" verify --cosign --key cosign.pub image.oci.sif >verify.txt ||
    failed "verify --cosign of a signed image: $(cat verify.txt)"
"$sifkit" verify --cosign --key other.pub --key cosign.pub image.oci.sif >/dev/null ||
    failed "verify --cosign with two keys, one right"

# The signed image reads as before.
"$sifkit" ls -lR image.oci.sif / >ls-after.txt
cmp -s ls-before.txt ls-after.txt || failed "ls -lR differs after signing"
[[ "$("$sifkit" cat image.oci.sif /etc/hostname)" == cosign-fixture ]] || failed "cat after signing"
"$sifkit" inspect --json image.oci.sif | grep -q '"oci-sif"' || failed "inspect after signing"
"$sifkit" export image.oci.sif exported >/dev/null 2>&1
cmp -s exported/bin/tool rootfs/bin/tool || failed "export after signing"
"$sifkit" export --format oci image.oci.sif layout >/dev/null 2>&1
python3 -c 'import json,sys; sys.exit(len(json.load(open("layout/index.json"))["manifests"]) != 1)' ||
    failed "export --format oci lists more than the image"

# A second signature is appended to the same signature manifest; both verify.
COSIGN_PASSWORD= "$sifkit" sign --cosign --key other.key --time 1699999991 image.oci.sif \
    >/dev/null
python3 "$check" oci-sif "$sifkit" image.oci.sif other.pub | grep -q "1 of 2" ||
    failed "the second signature is not beside the first"
"$sifkit" verify --cosign --key other.pub image.oci.sif >/dev/null || failed "second signature"
"$sifkit" verify --cosign --key cosign.pub image.oci.sif >/dev/null || failed "first signature kept"
cp image.oci.sif signed.oci.sif

# ---- refusals -----------------------------------------------------------------------------------
expect_failure 12 "none by a trusted key" "$sifkit" verify --cosign --key plain.pub image.oci.sif
expect_failure 10 "no cosign signature" "$sifkit" verify --cosign --key cosign.pub unsigned.oci.sif

cp unsigned.oci.sif other-digest.oci.sif
python3 "$check" forge "$sifkit" other-digest.oci.sif plain.key --names \
    "sha256:$(printf 0%.0s $(seq 64))"
expect_failure 11 "the signature is for sha256:000" \
    "$sifkit" verify --cosign --key plain.pub other-digest.oci.sif

cp unsigned.oci.sif tampered.oci.sif
python3 "$check" forge "$sifkit" tampered.oci.sif plain.key --tamper
expect_failure 12 "none by a trusted key" "$sifkit" verify --cosign --key plain.pub tampered.oci.sif
# The same forgery without the change verifies: the refusal above is the tampering's.
cp unsigned.oci.sif forged.oci.sif
python3 "$check" forge "$sifkit" forged.oci.sif plain.key --names "$(python3 -c '
import json,subprocess,sys
objs=json.loads(subprocess.run([sys.argv[1],"list","--json","forged.oci.sif"],capture_output=True,check=True).stdout)["objects"]
i=[o["id"] for o in objs if o["type"]=="oci-root-index"][0]
print(json.loads(subprocess.run([sys.argv[1],"dump",str(i),"forged.oci.sif"],capture_output=True,check=True).stdout)["manifests"][0]["digest"])' "$sifkit")"
"$sifkit" verify --cosign --key plain.pub forged.oci.sif >/dev/null ||
    failed "a signature made by openssl does not verify"

# A byte of the layer changed in place: its digest no longer matches, the image is tampered.
cp signed.oci.sif flipped.oci.sif
layer_offset="$("$sifkit" list --json flipped.oci.sif | python3 -c '
import json,sys
print([o for o in json.load(sys.stdin)["objects"] if o["type"]=="oci-blob"][0]["offset"] + 100)')"
printf '\x55' | dd of=flipped.oci.sif bs=1 seek="$layer_offset" conv=notrunc status=none
expect_failure 11 "image tampered" "$sifkit" verify --cosign --key cosign.pub flipped.oci.sif

# Signing until the spare descriptors run out: a new signature needs 4 free slots (payload,
# config, manifest, root index) and gives 3 back; then exit 6, one line, the image unchanged.
# (Distinct --time values: the same payload twice would reuse its blob.)
cp signed.oci.sif full.oci.sif
"$sifkit" sign --cosign --key plain.key --time 1700000000 full.oci.sif >/dev/null
before="$(sha256sum <full.oci.sif)"
expect_failure 6 "free slot" "$sifkit" sign --cosign --key plain.key --time 1700000001 full.oci.sif
[[ "$(sha256sum <full.oci.sif)" == "$before" ]] || failed "a refused signing changed the image"
"$sifkit" verify --cosign --key plain.pub full.oci.sif >/dev/null || failed "third signature"

# Two root indexes (what an OCI-SIF signer that adds the new index before deleting the old one
# leaves when interrupted): which image is meant? Refused as Apptainer refuses it, one line:
# verify says the image was tampered with (exit 11), inspect and sign that it is malformed
# (exit 4), and signing does not make it worse.
cp signed.oci.sif two-roots.oci.sif
"$sifkit" dump "$("$sifkit" list --json two-roots.oci.sif | python3 -c '
import json,sys
print([o["id"] for o in json.load(sys.stdin)["objects"] if o["type"]=="oci-root-index"][0])')" \
    two-roots.oci.sif >root-index.json
"$sifkit" add --datatype 10 --groupid 1 \
    --ocidigest "sha256:$(sha256sum <root-index.json | cut -d' ' -f1)" \
    two-roots.oci.sif root-index.json
before="$(sha256sum <two-roots.oci.sif)"
expect_failure 11 "2 OCI.RootIndex objects" "$sifkit" verify --cosign --key cosign.pub two-roots.oci.sif
expect_failure 4 "an OCI-SIF holds exactly one" "$sifkit" inspect two-roots.oci.sif
expect_failure 4 "2 OCI.RootIndex objects" \
    "$sifkit" sign --cosign --key plain.key --time 1700000002 two-roots.oci.sif
[[ "$(sha256sum <two-roots.oci.sif)" == "$before" ]] || failed "a refused signing changed the image"

# Not an OCI-SIF, and options --cosign does not take.
expect_failure 2 "not an OCI-SIF" "$sifkit" verify --cosign --key cosign.pub native.sif
expect_failure 2 "exactly one --key" "$sifkit" sign --cosign image.oci.sif
# Refused before any passphrase is looked for (none is set here: that would be exit 8).
expect_failure 2 "not an OCI-SIF" "$sifkit" sign --cosign --key cosign.key native.sif

exit $status
