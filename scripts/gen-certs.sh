#!/usr/bin/env bash
# Usage: scripts/gen-certs.sh DIR
# Makes a test PKI in DIR (idempotent: files that exist are kept):
#   ca-cert.pem ca-key.pem, server-cert.pem server-key.pem (SAN localhost, 127.0.0.1, ::1),
#   admin-client-{cert,key}.pem (OU=admin), viewer-client-{cert,key}.pem (OU=viewer).
# ECDSA P-256, keys mode 0600. Never commit the output.
set -euo pipefail
dir=${1:?usage: scripts/gen-certs.sh DIR}
days=${CERT_DAYS:-825}
mkdir -p "$dir"
cd "$dir"
umask 077

newkey() { [ -f "$1" ] || openssl ecparam -name prime256v1 -genkey -noout -out "$1"; chmod 600 "$1"; }

if [ ! -f ca-cert.pem ] || [ ! -f ca-key.pem ]; then
  newkey ca-key.pem
  openssl req -x509 -new -key ca-key.pem -sha256 -days 3650 -subj "/O=jobletd/OU=ca/CN=jobletd test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca-cert.pem
  rm -f server-cert.pem admin-client-cert.pem viewer-client-cert.pem
fi

# sign NAME SUBJECT EXTFILE-CONTENT
sign() {
  local name=$1 subj=$2 ext=$3
  [ -f "$name-cert.pem" ] && [ -f "$name-key.pem" ] && return 0
  newkey "$name-key.pem"
  openssl req -new -key "$name-key.pem" -subj "$subj" -out "$name.csr"
  printf '%s\n' "$ext" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial \
    -days "$days" -sha256 -extfile "$name.ext" -out "$name-cert.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

sign server "/O=jobletd/OU=server/CN=localhost" \
"basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"
# the server key keeps the name the contract asks for
if [ -f server-key.pem ] && [ -f server-cert.pem ]; then :; fi

for role in admin viewer; do
  sign "$role-client" "/O=jobletd/OU=$role/CN=$role-client" \
"basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
rm -f ca-cert.srl
chmod 600 ./*-key.pem
chmod 644 ./*-cert.pem
echo "certificates in $(pwd)"
