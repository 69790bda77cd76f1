#!/usr/bin/env bash
# Web size (1600 px) + thumbnail (320 px) of a 12-megapixel JPEG: our pipeline next to
# libvips' vipsthumbnail doing the same, in the same hyperfine run, and the ratio.
#
#   scripts/bench-photos.sh            # RUNS=10 by default
#   RUNS=20 scripts/bench-photos.sh
#   CRITERION=1 scripts/bench-photos.sh  # also the in-process criterion benchmark
#
# Both sides are whole processes reading the same file and writing two JPEGs (web q82,
# thumbnail q75, metadata stripped). Then the bytes of the four files and their DSSIM against
# the original scaled to the same size (benches/photos.rs, PHOTOS_BENCH_COMPARE):
#   vips:  sh -c 'vipsthumbnail IMG -s 1600 -o web.jpg[Q=82,strip] &&
#                 vipsthumbnail IMG -s 320 -o thumb.jpg[Q=75,strip]'
#   ours:  the photos bench binary with PHOTOS_BENCH_ONCE (process() once, write both files)
# The test image is the one of shared/reference/tooling.md section 2 (ImageMagick plasma +
# Gaussian noise, 4000x3000, quality 90, about 5.7 MB). Installs libvips-tools, imagemagick and
# hyperfine from Debian if they are missing. Call /usr/bin/convert directly: /usr/local/bin/convert
# is a stand-in on these machines.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10}
WORK=${PHOTOS_BENCH_DIR:-${CARGO_TARGET_DIR:-target}/bench-photos}

missing=()
command -v vipsthumbnail >/dev/null || missing+=(libvips-tools)
[ -x /usr/bin/convert ] || missing+=(imagemagick)
command -v hyperfine >/dev/null || missing+=(hyperfine)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$WORK/vips" "$WORK/ours"
# Absolute: vipsthumbnail reads a relative -o path as relative to the input's directory.
WORK=$(cd "$WORK" && pwd)
IMG="$WORK/photo12mp.jpg"
if [ ! -s "$IMG" ]; then
  echo "making $IMG" >&2
  /usr/bin/convert -size 4000x3000 -seed 42 plasma:fractal -blur 0x1 -quality 90 "$WORK/p.jpg"
  /usr/bin/convert "$WORK/p.jpg" -attenuate 0.4 +noise Gaussian -quality 90 "$IMG"
fi

echo "building the bench binary (release)" >&2
EXE=$(cargo bench --bench photos --no-run --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*/deps/photos-[0-9a-f]*"' | tail -n 1 | cut -d'"' -f4)
if [ -z "$EXE" ] || [ ! -x "$EXE" ]; then
  echo "could not find the photos bench executable" >&2
  exit 1
fi

VIPS="sh -c 'vipsthumbnail $IMG -s 1600 -o $WORK/vips/web.jpg[Q=82,strip] && vipsthumbnail $IMG -s 320 -o $WORK/vips/thumb.jpg[Q=75,strip]'"
OURS="env PHOTOS_BENCH_IMAGE=$IMG PHOTOS_BENCH_ONCE=$WORK/ours $EXE"

echo "vips $(vipsthumbnail --vips-version), $(nproc) cores, image $(stat -c %s "$IMG") bytes" >&2
hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$WORK/hyperfine.json" \
  -n vipsthumbnail "$VIPS" \
  -n buergerbuero "$OURS"

python3 - "$WORK" <<'EOF'
import json, os, sys
work = sys.argv[1]
results = {r["command"]: r for r in json.load(open(os.path.join(work, "hyperfine.json")))["results"]}
vips, ours = results["vipsthumbnail"], results["buergerbuero"]
def ms(r, key="mean"):
    return r[key] * 1000
print()
print(f"vipsthumbnail x2 : {ms(vips):7.1f} ms ± {ms(vips, 'stddev'):5.1f}  (median {ms(vips, 'median'):.1f}, user {ms(vips, 'user'):.1f})")
print(f"buergerbuero     : {ms(ours):7.1f} ms ± {ms(ours, 'stddev'):5.1f}  (median {ms(ours, 'median'):.1f}, user {ms(ours, 'user'):.1f})")
print(f"ratio ours/vips  : {ours['mean'] / vips['mean']:.2f}x mean, {ours['median'] / vips['median']:.2f}x median (target <= 1.0x)")
print()
EOF

# Bytes and quality of both sides' files (see benches/photos.rs).
PHOTOS_BENCH_IMAGE="$IMG" PHOTOS_BENCH_COMPARE="$WORK/vips $WORK/ours" "$EXE"

if [ "${CRITERION:-0}" = 1 ]; then
  PHOTOS_BENCH_IMAGE="$IMG" "$EXE" --bench
fi
