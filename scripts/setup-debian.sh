#!/usr/bin/env bash
# setup-debian.sh: install what Music Graph needs on Debian 12, and nothing already there.
#
# Idempotent and fast when everything is present (one dpkg-query). As root, or through sudo
# otherwise. `apt-get update` runs only when something is missing. Then `npm ci` when
# node_modules is missing or older than package-lock.json.
#
# It never starts system services on purpose: while it installs, a policy-rc.d (when none
# exists) asks Debian's maintainer scripts not to start nginx or the default PostgreSQL
# cluster; our stack runs its own from a state folder (test/lib/stack.sh) and does not depend
# on them either way.
#
# Environment: SETUP_SKIP_NPM=1 skips npm ci; SETUP_EXTRA_PACKAGES="pkg ..." adds packages.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf 'setup-debian: %s\n' "$*" >&2; }

PACKAGES=(
	build-essential cmake pkg-config
	libfcgi-dev libpq-dev libssl-dev libcmark-dev libzxcvbn-dev libsqlite3-dev
	postgresql postgresql-15
	nginx openssl curl ca-certificates
	python3 python3-html5lib
	clang-format valgrind wrk chromium libnss3-tools
	clang llvm libclang-rt-dev
	git procps iproute2 systemd
)
# shellcheck disable=SC2206 # (word splitting wanted)
PACKAGES+=(${SETUP_EXTRA_PACKAGES:-})

if [ ! -r /etc/debian_version ]; then
	say "this is not Debian: install the equivalent of these yourself: ${PACKAGES[*]} nodejs npm"
	exit 1
fi

# Node.js and npm: any Node.js >= 18 already on the machine is fine (NodeSource's `nodejs`
# package carries its own npm and conflicts with Debian's `npm`), otherwise Debian's.
node_ok() {
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
	local major
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
	[ "${major:-0}" -ge 18 ]
}
node_ok || PACKAGES+=(nodejs npm)

# missing: the packages not in state "installed" (one dpkg-query for all of them)
declare -A have=()
while read -r pkg status; do
	[ "$status" = installed ] && have[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for p in "${PACKAGES[@]}"; do
	[ -n "${have[$p]:-}" ] || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	SUDO=()
	if [ "$(id -u)" != 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO=(sudo)
		else
			say "missing packages: ${missing[*]}"
			say "not root and no sudo: install them as root (apt-get install ${missing[*]})"
			exit 1
		fi
	fi
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt_opts=(-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

	# Keep maintainer scripts from starting services while we install (exit 101 = "not
	# allowed"); only if the machine has no policy of its own, and removed afterwards.
	policy=/usr/sbin/policy-rc.d
	own_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# temporary, from Music Graph scripts/setup-debian.sh\nexit 101\n' |
			"${SUDO[@]}" tee "$policy" >/dev/null
		"${SUDO[@]}" chmod 0755 "$policy"
		own_policy=1
		trap '"${SUDO[@]}" rm -f "$policy"' EXIT
	fi

	"${SUDO[@]}" apt-get "${apt_opts[@]}" update -q
	"${SUDO[@]}" apt-get "${apt_opts[@]}" install -y -q "${missing[@]}"

	if [ "$own_policy" = 1 ]; then
		"${SUDO[@]}" rm -f "$policy"
		trap - EXIT
	fi
	# a second look: everything asked for must now be there
	still=()
	for p in "${missing[@]}"; do
		[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || still+=("$p")
	done
	if [ "${#still[@]}" -gt 0 ]; then
		say "still missing after apt-get install: ${still[*]}"
		exit 1
	fi
	say "installed ${#missing[@]} package(s)"
fi

node_ok || {
	say "Node.js >= 18 with npm is still not available"
	exit 1
}

# Front-end dependencies (package-lock.json is the truth; npm ci removes and recreates
# node_modules). Run as the invoking user, never through sudo.
if [ "${SETUP_SKIP_NPM:-0}" != 1 ] && [ -f package-lock.json ]; then
	stamp=node_modules/.package-lock.json
	if [ ! -d node_modules ] || [ ! -e "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
		say "npm ci (node_modules missing or older than package-lock.json)"
		npm ci --no-audit --no-fund --loglevel=warn
		touch "$stamp"
	fi
fi
exit 0
