#!/usr/bin/env bash
# Installs the system tools the tests compare against (clang/llvm for BPF objects, bpftool, libbpf
# headers) when they are missing and we are root. Without root it only says what is missing.
set -uo pipefail
need=()
command -v clang-19 >/dev/null || need+=(clang-19)
command -v llvm-objdump-19 >/dev/null || need+=(llvm-19)
command -v bpftool >/dev/null || need+=(bpftool)
[ -f /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
[ -f /usr/include/linux/bpf.h ] || need+=(linux-libc-dev)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: not root; missing ${need[*]} (tests that need them will be skipped)" >&2
  exit 0
fi
echo "setup: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null
