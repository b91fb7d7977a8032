#!/usr/bin/env bash
# A throwaway X.509 PKI for the certificate tests, made with the openssl command line only:
#
#   root.pem            self-signed root (the trust anchor, --certificate-roots)
#   intermediate.pem    CA issued by the root (the pool, --certificate-intermediates)
#   good.pem/.key       leaf with the code-signing extended key usage
#   revoked.pem/.key    leaf like good, revoked in intermediate.crl.pem
#   expired.pem/.key    leaf valid only in 2020
#   server.pem/.key     leaf whose extended key usage is serverAuth only
#   noeku.pem/.key      leaf without an extended key usage extension (Go: any usage)
#   stranger.pem/.key   leaf with code signing from another, untrusted root (other-root.pem)
#   unreachable.pem/.key  leaf with code signing whose OCSP responder is a closed port
#   self.pem/.key       self-signed code-signing certificate (its own root)
#   intermediate.crl.pem  the intermediate's CRL (revoked.pem listed)
#   outdated.crl.pem    the same, past its next update
#   ocsp-responders.sh  starts the two OCSP responders the AIA extensions name (run.sh uses it)
#
# The intermediate's and the leaves' Authority Information Access name OCSP responders on
# 127.0.0.1:ROOT_OCSP_PORT (the root's, about the intermediate) and 127.0.0.1:CA_OCSP_PORT (the
# intermediate's, about the leaves).
#
#   tests/x509/make-ca.sh DIR ROOT_OCSP_PORT CA_OCSP_PORT
set -euo pipefail
dir="$1"
root_port="$2"
ca_port="$3"
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

# One `openssl ca` directory per issuing CA: its index is what the CRL and the OCSP responder
# report from.
ca_dir() {
    mkdir -p "$1/newcerts"
    : >"$1/index.txt"
    echo 1000 >"$1/serial"
    echo 1000 >"$1/crlnumber"
    cat >"$1/ca.cnf" <<CNF
[ ca ]
default_ca = issuer
[ issuer ]
dir = $PWD/$1
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $PWD/$1.pem
private_key = $PWD/$1.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = any_name
unique_subject = no
copy_extensions = none
[ any_name ]
commonName = supplied
[ intermediate ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:\${ENV::OCSP_URL}
[ codesign ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:\${ENV::OCSP_URL}
[ server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:\${ENV::OCSP_URL}
[ noeku ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:\${ENV::OCSP_URL}
CNF
}

self_signed() {  # NAME CN
    key "$1"
    openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -sha256 \
        -addext "basicConstraints=critical,CA:true" \
        -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
        -addext "subjectKeyIdentifier=hash" -out "$1.pem"
}

issue() {  # ISSUER NAME CN EXTENSIONS OCSP_PORT [openssl ca options...]
    local issuer="$1" name="$2" cn="$3" extensions="$4" port="$5"
    shift 5
    key "$name"
    openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
    OCSP_URL="http://127.0.0.1:$port" openssl ca -batch -notext -config "$issuer/ca.cnf" \
        -extensions "$extensions" -in "$name.csr" -out "$name.pem" "$@" 2>/dev/null
    rm "$name.csr"
}

self_signed root "sifkit test root"
ca_dir root
issue root intermediate "sifkit test intermediate" intermediate "$root_port" -days 365
ca_dir intermediate
issue intermediate good "sifkit good signer" codesign "$ca_port"
issue intermediate revoked "sifkit revoked signer" codesign "$ca_port"
issue intermediate expired "sifkit expired signer" codesign "$ca_port" \
    -startdate 20200101000000Z -enddate 20201231000000Z
issue intermediate server "sifkit web server" server "$ca_port"
issue intermediate noeku "sifkit signer without EKU" noeku "$ca_port"
issue intermediate unreachable "sifkit signer, OCSP down" codesign 1

# A signer that is its own root (no CA: a small site's single signing certificate).
key self
openssl req -x509 -new -key self.key -subj "/CN=sifkit self-signed signer" -days 30 -sha256 \
    -addext "keyUsage=critical,digitalSignature" -addext "extendedKeyUsage=codeSigning" \
    -out self.pem

self_signed other-root "another root"
ca_dir other-root
issue other-root stranger "sifkit stranger" codesign "$ca_port"

# The configuration names ${ENV::OCSP_URL}: revoking and CRLs need a value, not used.
export OCSP_URL=unused
openssl ca -batch -config intermediate/ca.cnf -revoke revoked.pem -crl_reason keyCompromise \
    2>/dev/null
openssl ca -batch -config intermediate/ca.cnf -gencrl -out intermediate.crl.pem 2>/dev/null
# The same CRL as a site that stopped publishing would leave it: next update in 2021.
openssl ca -batch -config intermediate/ca.cnf -gencrl -crl_lastupdate 20200101000000Z \
    -crl_nextupdate 20210101000000Z -out outdated.crl.pem 2>/dev/null

# Responders (foreground; the caller puts them in the background and ends them).
cat >ocsp-responders.sh <<SH
#!/usr/bin/env bash
# Starts the root's and the intermediate's OCSP responders; prints their process IDs.
cd "$PWD"
openssl ocsp -index root/index.txt -port $root_port -rsigner root.pem -rkey root.key \\
    -CA root.pem -ignore_err >root-ocsp.log 2>&1 &
echo \$!
openssl ocsp -index intermediate/index.txt -port $ca_port -rsigner intermediate.pem \\
    -rkey intermediate.key -CA intermediate.pem -ignore_err >intermediate-ocsp.log 2>&1 &
echo \$!
SH
chmod +x ocsp-responders.sh
