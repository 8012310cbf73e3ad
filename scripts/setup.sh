#!/usr/bin/env bash
# Installs the system tools the tests compare against (clang/llvm for BPF objects, bpftool, libbpf
# headers, gcc for the C that `bpftool btf dump format c` prints, <sys/sdt.h> (systemtap-sdt-dev)
# for the USDT probes the usdt tests compile with gcc, skopeo for bytecode images, prometheus/promtool for the exporter) when they are missing
# and we are root, and Debian's chromium (the playground's browser tests drive it through
# playwright-core, which never downloads a browser of its own), lcov (genhtml reads tsbpf/test's
# coverage), tcpdump (an independent check of the packet builders' checksums), and what the
# second-kernel tests (`npm run test:kernels`) boot a Linux 6.1 guest with: QEMU with SeaBIOS, a
# static busybox for its initramfs, xz to unpack its vmlinuz (the kernel package itself is fetched
# into a per-user cache by scripts/guest-kernel/fetch.ts, never installed). Without root it only
# says what is missing. Services are not started: the tests run their own Prometheus on loopback.
set -uo pipefail
need=()
command -v clang-19 >/dev/null || need+=(clang-19)
command -v llvm-objdump-19 >/dev/null || need+=(llvm-19)
command -v bpftool >/dev/null || need+=(bpftool)
command -v gcc >/dev/null || need+=(gcc)
[ -f /usr/include/x86_64-linux-gnu/sys/sdt.h ] || need+=(systemtap-sdt-dev)
[ -f /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
[ -f /usr/include/linux/bpf.h ] || need+=(linux-libc-dev)
command -v skopeo >/dev/null || need+=(skopeo)
command -v prometheus >/dev/null || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -f /usr/share/seabios/bios-256k.bin ] || need+=(seabios)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v xz >/dev/null || need+=(xz-utils)
command -v genhtml >/dev/null || need+=(lcov)
command -v tcpdump >/dev/null || need+=(tcpdump)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: not root; missing ${need[*]} (tests that need them will be skipped)" >&2
  exit 0
fi
echo "setup: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Packages with services (prometheus) must not start them here: a policy-rc.d answering 101 tells
# invoke-rc.d not to, as Docker images do; one we add is removed again afterwards.
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
fi
apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null
status=$?
[ "$added_policy" -eq 1 ] && rm -f "$policy"
exit $status
