#!/usr/bin/env bash
# make-dev-ca.sh DIR [HOSTNAME|IP ...]
#
# Creates, once, a local development certificate authority in DIR (ca.key, ca.crt: ECDSA
# P-256, 10 years, CA:TRUE, keyUsage keyCertSign+cRLSign) and a server key + certificate
# signed by it (server.key, server.crt: ECDSA P-256, 397 days, serverAuth) for
# DNS:localhost, IP:127.0.0.1, IP:::1 and any extra names given (an argument that looks like
# an IPv4/IPv6 address becomes an IP entry, anything else a DNS entry). The first extra
# host name is also the certificate's common name: for a LAN-only server (certs/README.md),
#   make-dev-ca.sh /etc/musicgraph/tls music.home.arpa 192.168.1.20
#
# Existing files are reused: the CA is never replaced (delete DIR/ca.* yourself to start
# over), and the server certificate is re-issued (with the same key) only when it is missing,
# not signed by this CA, expires within 30 days, or was made for a different list of names.
# Private keys are mode 0600. Prints how to trust the CA in a browser.
#
# Environment: MG_CERTS_QUIET=1 prints only the paths (no trust instructions).
set -euo pipefail

usage() {
	echo "usage: $0 DIR [HOSTNAME|IP ...]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
case "$1" in -h | --help) usage ;; esac

DIR=$1
shift
command -v openssl >/dev/null || {
	echo "make-dev-ca.sh: openssl not found (run scripts/setup-debian.sh)" >&2
	exit 1
}

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
umask 077

is_ip() {
	[[ $1 =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || $1 == *:* ]]
}

# The subjectAltName list, in a stable order and without duplicates; the common name.
san="DNS:localhost,IP:127.0.0.1,IP:::1"
cn=localhost
for name in "$@"; do
	[ -n "$name" ] || continue
	if is_ip "$name"; then entry="IP:$name"; else entry="DNS:$name"; fi
	[ "$cn" = localhost ] && ! is_ip "$name" && cn=$name
	case ",$san," in *",$entry,"*) continue ;; esac
	san="$san,$entry"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/openssl.cnf" <<EOF
[ req ]
distinguished_name = dn
prompt             = no
[ dn ]
CN = placeholder
[ v3_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
[ v3_server ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = $san
EOF

new_key() { # FILE
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
	chmod 0600 "$1"
}

serial() { echo "0x$(openssl rand -hex 16)"; }

made_ca=0
if [ ! -s "$DIR/ca.key" ] || [ ! -s "$DIR/ca.crt" ]; then
	if [ -e "$DIR/ca.key" ] || [ -e "$DIR/ca.crt" ]; then
		echo "make-dev-ca.sh: $DIR has only half of a CA (ca.key / ca.crt); remove both to make a new one" >&2
		exit 1
	fi
	new_key "$DIR/ca.key"
	openssl req -new -x509 -config "$tmp/openssl.cnf" -extensions v3_ca -key "$DIR/ca.key" \
		-subj "/O=Music Graph development/CN=Music Graph dev CA $(hostname 2>/dev/null || echo local) $(date +%Y-%m-%d)" \
		-days 3650 -sha256 -set_serial "$(serial)" -out "$DIR/ca.crt"
	chmod 0644 "$DIR/ca.crt"
	rm -f "$DIR/server.crt" # anything signed by a previous CA is useless now
	made_ca=1
fi
chmod 0600 "$DIR/ca.key"

reissue=0
reason=""
if [ ! -s "$DIR/server.key" ]; then
	new_key "$DIR/server.key"
	reissue=1
	reason="new key"
fi
chmod 0600 "$DIR/server.key"
if [ "$reissue" = 0 ]; then
	if [ ! -s "$DIR/server.crt" ]; then
		reissue=1 reason="no certificate"
	elif ! openssl verify -CAfile "$DIR/ca.crt" -purpose sslserver "$DIR/server.crt" >/dev/null 2>&1; then
		reissue=1 reason="not signed by this CA (or expired)"
	elif ! openssl x509 -in "$DIR/server.crt" -noout -checkend $((30 * 86400)) >/dev/null; then
		reissue=1 reason="expires within 30 days"
	elif [ "$(cat "$DIR/server.san" 2>/dev/null)" != "$san" ]; then
		reissue=1 reason="names changed"
	elif [ "$(openssl x509 -in "$DIR/server.crt" -noout -pubkey)" != "$(openssl pkey -in "$DIR/server.key" -pubout)" ]; then
		reissue=1 reason="does not match server.key"
	fi
fi

if [ "$reissue" = 1 ]; then
	openssl req -new -config "$tmp/openssl.cnf" -key "$DIR/server.key" \
		-subj "/O=Music Graph development/CN=$cn" -out "$tmp/server.csr"
	openssl x509 -req -in "$tmp/server.csr" -CA "$DIR/ca.crt" -CAkey "$DIR/ca.key" \
		-set_serial "$(serial)" -days 397 -sha256 \
		-extfile "$tmp/openssl.cnf" -extensions v3_server -out "$tmp/server.crt" 2>/dev/null
	chmod 0644 "$tmp/server.crt"
	mv -f "$tmp/server.crt" "$DIR/server.crt"
	printf '%s\n' "$san" >"$DIR/server.san"
	chmod 0644 "$DIR/server.san"
	# nginx wants the chain in one file: server certificate first, then the CA.
	cat "$DIR/server.crt" "$DIR/ca.crt" >"$DIR/server-chain.crt"
	chmod 0644 "$DIR/server-chain.crt"
	echo "make-dev-ca.sh: issued $DIR/server.crt ($reason) for $san"
else
	[ -s "$DIR/server-chain.crt" ] || {
		cat "$DIR/server.crt" "$DIR/ca.crt" >"$DIR/server-chain.crt"
		chmod 0644 "$DIR/server-chain.crt"
	}
	echo "make-dev-ca.sh: reusing $DIR/server.crt ($san)"
fi
[ "$made_ca" = 1 ] && echo "make-dev-ca.sh: created a new development CA: $DIR/ca.crt"

if [ "${MG_CERTS_QUIET:-0}" != 1 ]; then
	cat <<EOF

CA certificate:   $DIR/ca.crt   (private key: $DIR/ca.key — never share it)
Server:           $DIR/server-chain.crt + $DIR/server.key

To make a browser trust https://$cn with this CA (your own machines only):
  Firefox:          Settings > Privacy & Security > Certificates > View Certificates >
                    Authorities > Import... > $DIR/ca.crt > "Trust this CA to identify websites".
  Chromium/Chrome:  chrome://certificate-manager (older: chrome://settings/certificates) >
                    Authorities > Import > $DIR/ca.crt > "Trust this certificate for identifying websites",
                    or: certutil -d sql:\$HOME/.pki/nssdb -A -t C,, -n "Music Graph dev CA" -i $DIR/ca.crt
  Whole system (curl, Python, ...; Debian):
                    sudo cp $DIR/ca.crt /usr/local/share/ca-certificates/musicgraph-dev-ca.crt
                    sudo update-ca-certificates
  curl without that: curl --cacert $DIR/ca.crt https://$cn$([ "$cn" = localhost ] && echo :8443)/healthz
Remove the CA from those places when you delete $DIR.
EOF
fi
