#!/usr/bin/env bash
# Fetches the TFLite-Micro source tree at a pinned commit for the `--backend tflm` firmware.
# Only lab machines that reach the TFLite-Micro repository can run this; CI and the virtual
# lab do without (the tflm backend then says plainly that TFLM_DIR is not set).
#
#   TFLM_DIR=/opt/tflite-micro bash provisioning/fetch-tflm.sh
#   export TFLM_DIR=/opt/tflite-micro
set -euo pipefail
TFLM_COMMIT=90b983c2   # the commit the model set's reference figures were measured with
TFLM_REPO=${TFLM_REPO:-https://github.com/tensorflow/tflite-micro.git}
dest=${TFLM_DIR:-$(dirname "$0")/../.cache/tflite-micro}

if [ -d "$dest/.git" ] && [ "$(git -C "$dest" rev-parse --short=8 HEAD)" = "$TFLM_COMMIT" ]; then
  echo "[fetch-tflm] $dest already at $TFLM_COMMIT"; exit 0
fi
mkdir -p "$dest"
git -C "$dest" init -q
git -C "$dest" remote add origin "$TFLM_REPO" 2>/dev/null || git -C "$dest" remote set-url origin "$TFLM_REPO"
# A shallow fetch of one commit needs its full id on most servers; fall back to a full fetch.
if ! git -C "$dest" fetch -q --depth 1 origin "$TFLM_COMMIT" 2>/dev/null; then
  git -C "$dest" fetch -q origin
fi
git -C "$dest" checkout -q "$TFLM_COMMIT"
echo "[fetch-tflm] TFLite-Micro $TFLM_COMMIT in $dest — export TFLM_DIR=$dest"
