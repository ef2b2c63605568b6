#!/usr/bin/env bash
# Installs everything a tinyrack lab machine or CI needs from Debian, then the npm packages.
# Idempotent and fast when nothing is missing: apt runs only for packages not yet installed,
# `npm ci` only when package-lock.json changed since the last install.
#
#   bash provisioning/install.sh            # lab machine / CI: toolchains, QEMU, broker, database
#   TINYRACK_SKIP_APT=1 bash provisioning/install.sh   # only npm
#   TINYRACK_UDEV=1 bash provisioning/install.sh       # also install udev rules for probes
set -euo pipefail
cd "$(dirname "$0")/.."

# Cross compilers + C libraries, virtual boards, the lab's broker and time-series database,
# and the flashing tools physical racks use.
APT_PACKAGES=(
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
  qemu-system-arm qemu-system-misc
  mosquitto influxdb
  openocd stlink-tools dfu-util uhubctl
  gcc make binutils socat ca-certificates
  chromium
)

log() { printf '[install] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

if [ "${TINYRACK_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
    # Services these packages ship are not wanted running system-wide on CI: tinyrack starts
    # its own broker and database on loopback ports with its own configs.
    if [ ! -e /usr/sbin/policy-rc.d ] && [ -n "${CI:-}" ]; then
      printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
      as_root chmod +x /usr/sbin/policy-rc.d
      remove_policy=1
    fi
    as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/tmp/tinyrack-apt.log 2>&1 || {
      tail -30 /tmp/tinyrack-apt.log; exit 1; }
    [ "${remove_policy:-0}" = 1 ] && as_root rm -f /usr/sbin/policy-rc.d
  else
    log "apt: all ${#APT_PACKAGES[@]} packages present"
  fi
fi

if [ "${TINYRACK_UDEV:-0}" = 1 ] && [ -d /etc/udev/rules.d ]; then
  as_root install -m 0644 provisioning/udev/*.rules /etc/udev/rules.d/
  as_root udevadm control --reload-rules 2>/dev/null || true
  log "udev rules installed"
fi

# npm: reinstall only when the lock file changed (its hash is stamped into node_modules).
stamp=node_modules/.tinyrack-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
else
  log "npm: node_modules up to date"
fi

# The TFLite-Micro trees for the tflm and tflm-cmsis-nn backends are generated from pinned
# upstream commits; only machines that reach github.com can make them (TINYRACK_FETCH_TFLM=1
# on lab machines). Elsewhere those backends say plainly how to get a tree.
if [ "${TINYRACK_FETCH_TFLM:-0}" = 1 ]; then
  bash provisioning/fetch-tflm.sh || log "TFLite-Micro trees not made; --backend tflm/tflm-cmsis-nn stay unavailable"
fi
log "done"
