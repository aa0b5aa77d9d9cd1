#!/usr/bin/env bash
# Renders tdw-recorder.svg to the PNGs (16..256 px) and the Windows .ico kept beside it in git.
# Run it after editing the SVG: rsvg-convert (Debian: librsvg2-bin) if present, else ImageMagick's convert.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
svg="$here/tdw-recorder.svg"
sizes=(16 32 48 64 128 256)

render() {  # render SIZE OUT
  if command -v rsvg-convert >/dev/null; then
    rsvg-convert --width "$1" --height "$1" --keep-aspect-ratio "$svg" --output "$2"
  elif command -v convert >/dev/null; then
    convert -background none -density 384 "$svg" -resize "$1x$1" "PNG32:$2"
  else
    echo "make_icons.sh: needs rsvg-convert (apt install librsvg2-bin) or ImageMagick (apt install imagemagick)" >&2
    exit 1
  fi
}

pngs=()
for size in "${sizes[@]}"; do
  render "$size" "$here/tdw-recorder-$size.png"
  pngs+=("$here/tdw-recorder-$size.png")
done
# Windows: one .ico holding the usual sizes (PyInstaller's --icon); macOS takes the 256 px PNG (see packaging/).
if command -v convert >/dev/null; then
  convert "${pngs[0]}" "${pngs[1]}" "${pngs[2]}" "${pngs[3]}" "${pngs[5]}" "$here/tdw-recorder.ico"
fi
ls -l "$here"/tdw-recorder-*.png "$here"/tdw-recorder.ico >&2
