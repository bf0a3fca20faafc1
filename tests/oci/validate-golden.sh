#!/bin/sh
# Validates every golden domain XML in DIR against libvirt's schema.
# Fails (never skips) when virt-xml-validate is missing.
set -u
dir=${1:?usage: validate-golden.sh DIR}
if ! command -v virt-xml-validate >/dev/null 2>&1; then
	echo "validate-golden: virt-xml-validate not found; install libvirt-clients" \
		"(contrib/install-deps.sh does)" >&2
	exit 1
fi
n=0
failed=0
for f in "$dir"/*.xml; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	if ! out=$(virt-xml-validate "$f" domain 2>&1); then
		echo "validate-golden: $f is not valid domain XML:" >&2
		echo "$out" >&2
		failed=$((failed + 1))
	fi
done
if [ "$n" -lt 8 ]; then
	echo "validate-golden: only $n golden files in $dir (want at least 8)" >&2
	exit 1
fi
if [ "$failed" -ne 0 ]; then
	echo "validate-golden: $failed of $n files invalid" >&2
	exit 1
fi
echo "validate-golden: $n files valid"
