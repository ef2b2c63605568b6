#!/usr/bin/env bash
# Makes the two flattened TFLite-Micro trees the `tflm` and `tflm-cmsis-nn` backends build
# from, with TFLM's own project generator
# (tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py) at a pinned commit. The
# generator runs TFLM's Makefile, which downloads every dependency at TFLM's own pins
# (tools/make/third_party_downloads.inc, ext_libs/cmsis_nn_download.sh: flatbuffers, gemmlowp,
# ruy, kissfft, CMSIS, CMSIS-NN) and copies exactly the sources and headers the library needs:
#   <dest>/reference  reference kernels                      (found by --backend tflm)
#   <dest>/cmsis_nn   OPTIMIZED_KERNEL_DIR=cmsis_nn kernels   (found by --backend tflm-cmsis-nn)
# The backends compile every translation unit a tree holds (firmware/build/tflm-tree.ts).
# Needs git, make, python3, curl/wget and unzip, and network access to github.com — lab
# machines; CI and this repository's virtual lab do without (the backends then say how to get
# a tree). Idempotent: trees stamped with this commit and options are kept.
#
#   bash provisioning/fetch-tflm.sh                          # into .cache/tflm/
#   TINYRACK_TFLM_TREES=/opt/tflm bash provisioning/fetch-tflm.sh
#   (or point TFLM_DIR / TFLM_CMSIS_NN_DIR at trees made elsewhere)
set -euo pipefail
# The commit the model set's reference figures were measured with (../shared/models/README.md).
TFLM_COMMIT=90b983c2
TFLM_REPO=${TFLM_REPO:-https://github.com/tensorflow/tflite-micro.git}
# cortex_m_generic: DebugLog through a callback (silent unless registered), no host I/O; the
# project_generation architecture adds no CPU flags — tinyrack compiles the tree with each
# board's own flags.
TFLM_MAKE_OPTIONS=${TFLM_MAKE_OPTIONS:-TARGET=cortex_m_generic TARGET_ARCH=project_generation}
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${TINYRACK_TFLM_TREES:-$root/.cache/tflm}
src=$dest/src/tflite-micro

log() { printf '[fetch-tflm] %s\n' "$*"; }
for tool in git make python3 unzip; do
  command -v "$tool" >/dev/null || { log "needs $tool on PATH"; exit 1; }
done

stamp_for() { # kernels -> the stamp a tree made by this script carries
  printf '{"tflmCommit":"%s","kernels":"%s","makefileOptions":"%s","generator":"tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py"}\n' \
    "$TFLM_COMMIT" "$1" "$TFLM_MAKE_OPTIONS${2:+ $2}"
}
up_to_date() { [ -f "$dest/$1/TINYRACK_TREE.json" ] && [ "$(cat "$dest/$1/TINYRACK_TREE.json")" = "$(stamp_for "$1" "$2")" ]; }

if up_to_date reference "" && up_to_date cmsis_nn "OPTIMIZED_KERNEL_DIR=cmsis_nn"; then
  log "trees at $TFLM_COMMIT already in $dest"; exit 0
fi

# A blobless clone: the history to resolve the abbreviated commit id, file contents only for the
# commit checked out (GitHub cannot fetch an abbreviated id shallowly).
if [ ! -d "$src/.git" ]; then
  rm -rf "$src"; mkdir -p "$(dirname "$src")"
  git clone -q --filter=blob:none --no-checkout "$TFLM_REPO" "$src"
fi
if [ "$(git -C "$src" rev-parse --short=8 HEAD 2>/dev/null || true)" != "$TFLM_COMMIT" ]; then
  git -C "$src" cat-file -e "$TFLM_COMMIT^{commit}" 2>/dev/null || git -C "$src" fetch -q origin
  git -C "$src" checkout -q --force "$TFLM_COMMIT"
fi

generate() { # kernels, extra make options
  local kernels=$1 extra=$2 out="$dest/$1"
  up_to_date "$kernels" "$extra" && { log "$kernels tree up to date"; return; }
  log "generating the $kernels tree (downloads TFLM's pinned dependencies on first use)"
  rm -rf "$out.tmp"
  (cd "$src" && python3 tensorflow/lite/micro/tools/project_generation/create_tflm_tree.py \
    --makefile_options="$TFLM_MAKE_OPTIONS${extra:+ $extra}" "$out.tmp")
  stamp_for "$kernels" "$extra" > "$out.tmp/TINYRACK_TREE.json"
  rm -rf "$out"
  mv "$out.tmp" "$out"   # a tree appears whole or not at all
  log "$kernels tree: $out ($(find "$out" -name '*.c' -o -name '*.cc' | wc -l) translation units)"
}
generate reference ""
generate cmsis_nn "OPTIMIZED_KERNEL_DIR=cmsis_nn"
log "done: --backend tflm and tflm-cmsis-nn find these trees by themselves"
