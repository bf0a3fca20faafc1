#!/usr/bin/env bash
# Installs every Debian 12 package vshim needs to build, test and run.
# Idempotent: packages already present are left alone, and apt is not asked
# anything when nothing is missing.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config clang-format
	libxml2-dev libyajl-dev libcap-dev libseccomp-dev libmnl-dev libinih-dev
	# tests
	libcriterion-dev libxml2-utils libvirt-clients busybox-static
	python3 util-linux procps clang libclang-rt-14-dev iproute2
	containerd podman
	# podman's default network (Debian's podman picks netavark when it is
	# installed), and CNI's bridge and host-local for ctr run --cni
	netavark aardvark-dns iptables containernetworking-plugins
	# rootless podman (tests/rootless): newuidmap/newgidmap, its network
	uidmap slirp4netns
	# hypervisor
	qemu-system-x86
	runc crun libvirt-daemon-driver-qemu gnuplot-nox # contrib/bench: the peers, the chart
	iperf3 # contrib/bench: the network's throughput
	# guest kernel
	linux-source-6.1 bc bison flex libelf-dev libssl-dev cpio xz-utils patch
	gzip kmod
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
