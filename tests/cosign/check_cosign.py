#!/usr/bin/env python3
"""Independent checks of what sifkit writes for cosign, from the documented formats only
(Python standard library and the openssl CLI; cosign is not in Debian).

    check_cosign.py key COSIGN.key COSIGN.pub PASSPHRASE
        The private key is cosign's format (sigstore/cosign pkg/cosign/keys.go over
        go-securesystemslib's `encrypted`): PEM "ENCRYPTED SIGSTORE PRIVATE KEY" around the JSON
        {kdf: scrypt N=32768 r=8 p=1 salt, cipher: nacl/secretbox nonce, ciphertext}. It is
        opened here with hashlib.scrypt and a secretbox (XSalsa20-Poly1305) written from the
        NaCl specification, and the PKCS#8 inside must be the key of COSIGN.pub (openssl).
    check_cosign.py oci-sif SIFKIT IMAGE COSIGN.pub
        The root index of the OCI-SIF lists the image manifest and, under the ref.name
        "_cosign:sha256-<hex>.sig", a manifest whose simple-signing layers name the image
        manifest's digest and whose signatures `openssl dgst -sha256 -verify COSIGN.pub` accepts.
    check_cosign.py forge SIFKIT IMAGE KEY.pem (--names DIGEST | --tamper)
        Adds to the image's signature manifest a signature made here (openssl dgst -sha256 -sign
        KEY.pem), as cosign_sign.py does for registries: --names, a payload naming DIGEST
        instead of the image; --tamper, a payload changed after signing (its blob digest is
        updated, so only the signature can tell). The SIF is edited with `sifkit add/del`, as
        oci-tools' ReplaceImage does.
Exit 0 when everything holds; 1 with a line saying what does not.
"""
import base64
import hashlib
import json
import subprocess
import sys
import tempfile

MASK32 = 0xFFFFFFFF


def fail(message):
    print("check_cosign: " + message, file=sys.stderr)
    sys.exit(1)


def rotl(value, shift):
    return ((value << shift) | (value >> (32 - shift))) & MASK32


def salsa_rounds(state):
    x = list(state)

    def quarter(a, b, c, d):
        x[b] ^= rotl((x[a] + x[d]) & MASK32, 7)
        x[c] ^= rotl((x[b] + x[a]) & MASK32, 9)
        x[d] ^= rotl((x[c] + x[b]) & MASK32, 13)
        x[a] ^= rotl((x[d] + x[c]) & MASK32, 18)

    for _ in range(10):
        quarter(0, 4, 8, 12)
        quarter(5, 9, 13, 1)
        quarter(10, 14, 2, 6)
        quarter(15, 3, 7, 11)
        quarter(0, 1, 2, 3)
        quarter(5, 6, 7, 4)
        quarter(10, 11, 8, 9)
        quarter(15, 12, 13, 14)
    return x


SIGMA = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]


def words(data):
    return [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]


def initial_state(key, sixteen):
    k = words(key)
    n = words(sixteen)
    return [SIGMA[0], k[0], k[1], k[2], k[3], SIGMA[1], n[0], n[1], n[2], n[3],
            SIGMA[2], k[4], k[5], k[6], k[7], SIGMA[3]]


def hsalsa20(key, nonce16):
    x = salsa_rounds(initial_state(key, nonce16))
    return b"".join(x[i].to_bytes(4, "little") for i in (0, 5, 10, 15, 6, 7, 8, 9))


def xsalsa20_stream(key, nonce24, length):
    subkey = hsalsa20(key, nonce24[:16])
    out = bytearray()
    counter = 0
    while len(out) < length:
        state = initial_state(subkey, nonce24[16:24] + counter.to_bytes(8, "little"))
        mixed = salsa_rounds(state)
        out += b"".join(((mixed[i] + state[i]) & MASK32).to_bytes(4, "little") for i in range(16))
        counter += 1
    return bytes(out[:length])


def poly1305(key, message):
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:32], "little")
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(message), 16):
        acc = (acc + int.from_bytes(message[i:i + 16] + b"\x01", "little")) * r % p
    return ((acc + s) % (1 << 128)).to_bytes(16, "little")


def secretbox_open(sealed, nonce, key):
    tag, ciphertext = sealed[:16], sealed[16:]
    stream = xsalsa20_stream(key, nonce, 32 + len(ciphertext))
    if poly1305(stream[:32], ciphertext) != tag:
        return None
    return bytes(c ^ k for c, k in zip(ciphertext, stream[32:]))


def pem_body(text, label):
    begin, end = "-----BEGIN %s-----" % label, "-----END %s-----" % label
    if begin not in text or end not in text:
        fail("no %s block" % label)
    body = text.split(begin, 1)[1].split(end, 1)[0]
    return base64.b64decode("".join(body.split()))


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True)


def check_key(key_path, pub_path, passphrase):
    text = open(key_path).read()
    document = json.loads(pem_body(text, "ENCRYPTED SIGSTORE PRIVATE KEY"))
    if list(document) != ["kdf", "cipher", "ciphertext"]:
        fail("fields %s, not kdf, cipher, ciphertext" % list(document))
    kdf, cipher = document["kdf"], document["cipher"]
    if kdf["name"] != "scrypt" or kdf["params"] != {"N": 32768, "r": 8, "p": 1}:
        fail("kdf %s" % kdf)
    if cipher["name"] != "nacl/secretbox":
        fail("cipher %s" % cipher)
    salt = base64.b64decode(kdf["salt"])
    nonce = base64.b64decode(cipher["nonce"])
    if len(salt) != 32 or len(nonce) != 24:
        fail("salt of %d bytes, nonce of %d" % (len(salt), len(nonce)))
    box_key = hashlib.scrypt(passphrase.encode(), salt=salt, n=32768, r=8, p=1,
                             maxmem=64 << 20, dklen=32)
    sealed = base64.b64decode(document["ciphertext"])
    if secretbox_open(sealed, nonce, bytes(b ^ 1 for b in box_key)) is not None:
        fail("the secretbox opens with a wrong key (the check cannot say no)")
    der = secretbox_open(sealed, nonce, box_key)
    if der is None:
        fail("the secretbox does not open with the passphrase")
    public = openssl("pkey", "-inform", "DER", "-pubout", data=der)
    if public.returncode != 0:
        fail("the sealed bytes are not a PKCS#8 key: " + public.stderr.decode())
    if b"prime256v1" not in openssl("pkey", "-pubin", "-in", pub_path, "-noout",
                                        "-text_pub").stdout:
        fail("cosign.pub is not an ECDSA P-256 key")
    if public.stdout.decode() != open(pub_path).read():
        fail("the sealed key is not the key of " + pub_path)


def check_oci_sif(sifkit, image, pub_path):
    def run(*args):
        return subprocess.run([sifkit, *args], check=True, capture_output=True).stdout

    objects = json.loads(run("list", "--json", image))["objects"]
    blobs = {}
    index = None
    for obj in objects:
        data = run("dump", str(obj["id"]), image)
        if obj["type"] == "oci-root-index":
            index = json.loads(data)
        elif obj["type"] == "oci-blob":
            blobs["sha256:" + hashlib.sha256(data).hexdigest()] = data
    if index is None:
        fail("no root index")
    images = [m for m in index["manifests"]
              if not m.get("annotations", {}).get("org.opencontainers.image.ref.name",
                                                  "").startswith("_cosign")]
    if len(images) != 1:
        fail("%d image manifests" % len(images))
    digest = images[0]["digest"]
    name = "_cosign:sha256-%s.sig" % digest.split(":", 1)[1]
    signed = [m for m in index["manifests"]
              if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == name]
    if len(signed) != 1:
        fail("no signature manifest named " + name)
    manifest = json.loads(blobs[signed[0]["digest"]])
    # Byte for byte what cosign (go-containerregistry's empty image plus the layers) writes, as
    # in SingularityCE's test/oci/images/hello-world-cosign-manifest.
    digests = [layer["digest"] for layer in manifest["layers"]]
    expected_config = (
        '{"architecture":"","created":"0001-01-01T00:00:00Z","history":[%s],"os":"",'
        '"rootfs":{"type":"layers","diff_ids":[%s]},"config":{}}'
        % (",".join(['{"created":"0001-01-01T00:00:00Z"}'] * len(digests)),
           ",".join('"%s"' % d for d in digests))).encode()
    if blobs[manifest["config"]["digest"]] != expected_config:
        fail("the signature config is not cosign's: %s" % blobs[manifest["config"]["digest"]])
    if list(manifest) != ["schemaVersion", "mediaType", "config", "layers"] or any(
            list(layer) != ["mediaType", "size", "digest", "annotations"]
            for layer in manifest["layers"]):
        fail("the signature manifest's keys are not in cosign's order")
    verified = 0
    for layer in manifest["layers"]:
        if layer["mediaType"] != "application/vnd.dev.cosign.simplesigning.v1+json":
            fail("layer media type " + layer["mediaType"])
        payload = blobs[layer["digest"]]
        critical = json.loads(payload)["critical"]
        if critical["type"] != "cosign container image signature":
            fail("payload type " + critical["type"])
        if critical["image"]["docker-manifest-digest"] != digest:
            fail("the payload names %s, the image is %s"
                 % (critical["image"]["docker-manifest-digest"], digest))
        signature = base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
        with tempfile.NamedTemporaryFile() as sig, tempfile.NamedTemporaryFile() as body:
            sig.write(signature)
            sig.flush()
            body.write(payload)
            body.flush()
            if openssl("dgst", "-sha256", "-verify", pub_path, "-signature", sig.name,
                       body.name).returncode == 0:
                verified += 1
    if verified == 0:
        fail("no signature verifies with " + pub_path)
    print("%s: %d of %d cosign signature(s) verify with openssl" %
          (image, verified, len(manifest["layers"])))


def forge(sifkit, image, key, mode, value):
    def run(*args):
        return subprocess.run([sifkit, *args], check=True, capture_output=True).stdout

    def add(datatype, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            run("add", "--datatype", str(datatype), "--ocidigest", digest, "--groupid", "1",
                image, f.name)
        return digest

    objects = json.loads(run("list", "--json", image))["objects"]
    index_id = [o["id"] for o in objects if o["type"] == "oci-root-index"][0]
    index = json.loads(run("dump", str(index_id), image))
    digest = index["manifests"][0]["digest"]
    name = "_cosign:sha256-%s.sig" % digest.split(":", 1)[1]
    payload = json.dumps({"critical": {"identity": {"docker-reference": ""},
                                       "image": {"docker-manifest-digest":
                                                 value if mode == "--names" else digest},
                                       "type": "cosign container image signature"},
                          "optional": {"creator": "check_cosign.py"}},
                         separators=(",", ":")).encode()
    with tempfile.NamedTemporaryFile() as f:
        f.write(payload)
        f.flush()
        der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key, f.name],
                             check=True, capture_output=True).stdout
    if mode == "--tamper":
        payload = payload.replace(b'"check_cosign.py"', b'"check_cosign.py, changed"')
    layer = {"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
             "size": len(payload), "digest": add(11, payload),
             "annotations": {"dev.cosignproject.cosign/signature":
                             base64.b64encode(der).decode()}}
    config = json.dumps({"architecture": "", "created": "0001-01-01T00:00:00Z",
                         "history": [{"created": "0001-01-01T00:00:00Z"}], "os": "",
                         "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]},
                         "config": {}}, separators=(",", ":")).encode()
    manifest = json.dumps({"schemaVersion": 2,
                           "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "size": len(config), "digest": add(11, config)},
                           "layers": [layer]}, separators=(",", ":")).encode()
    entry = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
             "size": len(manifest), "digest": add(11, manifest),
             "annotations": {"org.opencontainers.image.ref.name": name}}
    index["manifests"] = [m for m in index["manifests"]
                          if m.get("annotations", {}).get("org.opencontainers.image.ref.name")
                          != name] + [entry]
    run("del", str(index_id), image)
    add(10, json.dumps(index, separators=(",", ":")).encode())


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "key":
        check_key(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) >= 6 and sys.argv[1] == "forge":
        forge(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
              sys.argv[6] if len(sys.argv) > 6 else None)
    elif len(sys.argv) == 5 and sys.argv[1] == "oci-sif":
        check_oci_sif(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        fail("usage: check_cosign.py key KEY PUB PASSPHRASE | oci-sif SIFKIT IMAGE PUB")


if __name__ == "__main__":
    main()
