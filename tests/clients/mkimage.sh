#!/bin/sh
# mkimage.sh OUT.tar NAME: an OCI image archive (an OCI layout in a tar),
# written by hand from busybox-static: one uncompressed layer, PATH=/bin,
# sh as the command, the image named NAME (e.g. localhost/busybox:latest)
# in index.json.  Both `ctr images import` and `podman load` take it.
set -eu
out=$1
name=$2
busybox=${BUSYBOX:-/bin/busybox}
[ -x "$busybox" ] || { echo "mkimage: no static busybox at $busybox (Debian package busybox-static)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/root" "$root/home/user"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' >"$root/etc/group"
chown 1000:1000 "$root/home/user"

blobs=$work/layout/blobs/sha256
mkdir -p "$blobs"
# A reproducible layer: sorted names, numeric owners, fixed times.
tar --sort=name --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer.tar" .
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
put() { # put FILE: stores FILE as a blob, prints its digest
	d=$(sha "$1")
	cp "$1" "$blobs/$d"
	echo "$d"
}
layer=$(put "$work/layer.tar")
layer_size=$(size "$work/layer.tar")

cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin:/sbin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},"history":[{"created_by":"tests/clients/mkimage.sh"}]}
JSON
config=$(put "$work/config.json")

cat >"$work/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config","size":$(size "$work/config.json")},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$layer","size":$layer_size}]}
JSON
manifest=$(put "$work/manifest.json")

cat >"$work/layout/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest","size":$(size "$work/manifest.json"),"annotations":{"org.opencontainers.image.ref.name":"$name","io.containerd.image.name":"$name"}}]}
JSON
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
tar --sort=name --numeric-owner --mtime=@0 -C "$work/layout" -cf "$out" .
