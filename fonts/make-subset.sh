#!/usr/bin/env bash
# Regenerates fonts/NotoSerifSC-Regular-Subset.otf, the default CJK face that
# the `embedded-font` feature builds into the binary.
#
# Source: Noto Serif CJK SC Regular, from Debian's fonts-noto-cjk
#         (/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc, the SC face).
# Cut to: every character of GB 2312 + the 8,105 of the Table of General
#         Standard Chinese Characters (通用规范汉字表, 2013; the list is
#         fonts/tongyong-guifan-hanzi-2013.txt) + printable ASCII + Latin-1 + a
#         few punctuation marks used on licences (see EXTRA below); CFF outlines,
#         no hinting, GPOS 'kern' only, English name records 0-7, 13, 14.
#
# Usage:  bash fonts/make-subset.sh [OUTPUT.otf]
# Env:    NOTO_CJK_TTC  path of the source .ttc (default: Debian's path)
#         TMPDIR        where the Python venv goes (default /tmp)
# Needs:  Debian (apt-get) and root or sudo, only if the font or python3-venv
#         is missing; pip access to PyPI (or PIP_FIND_LINKS with the wheel).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc}
out=${1:-$here/NotoSerifSC-Regular-Subset.otf}
tgscc=$here/tongyong-guifan-hanzi-2013.txt

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt-get install, running `apt-get update` only if the install fails without it.
apt_install() {
    if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; then
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
    fi
}

if [ ! -f "$src" ]; then
    echo "== $src missing: installing fonts-noto-cjk" >&2
    apt_install fonts-noto-cjk
fi
if dpkg-query -W -f='${Version}' fonts-noto-cjk >/dev/null 2>&1; then
    echo "== fonts-noto-cjk $(dpkg-query -W -f='${Version}' fonts-noto-cjk)" >&2
fi

command -v python3 >/dev/null || apt_install python3 python3-venv
venv=$(mktemp -d "${TMPDIR:-/tmp}/elicence-font-venv.XXXXXX")
trap 'rm -rf "$venv"' EXIT
if ! python3 -m venv "$venv" 2>/dev/null; then
    # Debian's python3 has no ensurepip without python3-venv.
    apt_install python3-venv
    rm -rf "$venv" && python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

"$venv/bin/python" - "$src" "$out" "$tgscc" <<'PY'
import hashlib
import os
import sys

from fontTools import subset, version as ft_version
from fontTools.ttLib import TTCollection, TTFont

src, out, tgscc = sys.argv[1], sys.argv[2], sys.argv[3]
WANT_PS_NAME = "NotoSerifCJKsc-Regular"
WANT_FAMILY = "Noto Serif CJK SC"

# 1. Find the SC face by its name table, not by trusting a fixed index.
coll = TTCollection(src, lazy=True)
face = None
for i, f in enumerate(coll.fonts):
    n = f["name"]
    ps, fam = n.getDebugName(6), n.getDebugName(1)
    print(f"   face {i}: {fam!r} / {ps!r}", file=sys.stderr)
    if ps == WANT_PS_NAME and fam == WANT_FAMILY:
        face = i
if face is None:
    sys.exit(f"no face named {WANT_PS_NAME} in {src}")
print(f"== using face {face} of {src}", file=sys.stderr)

# 2. The character set.
chars = set()
for hi in range(0xA1, 0xF8):          # GB 2312 rows 1-87 (0xA1-0xF7)
    for lo in range(0xA1, 0xFF):      # cells 1-94
        try:
            s = bytes([hi, lo]).decode("gb2312")
        except UnicodeDecodeError:
            continue                  # unassigned cell
        assert len(s) == 1
        chars.add(ord(s))
n_gb = len(chars)
assert n_gb == 7445, n_gb            # 682 symbols + 6763 hanzi
chars |= set(range(0x20, 0x7F))       # printable ASCII
chars |= set(range(0xA0, 0x100))      # Latin-1: NBSP, ·, ×, ©, é, ü ...
chars |= set(range(0xFF01, 0xFF5F))   # all full-width ASCII (GB 2312 has FFE5/FFE3 for two of them)
EXTRA = (
    "\u3000"                          # ideographic space
    "·—–“”‘’…（）：；，。、《》【】〔〕№×"
    "\u2014\u2013\u2015\u2012\u2212"  # em dash (Python's GB 2312 gives U+2015), en dash, figure dash, minus
    "\u00b7\u30fb\u2027\u2022"        # middle dots in minority names: U+00B7 (GB 18030), U+30FB (Python's GB 2312), U+2027, bullet
    "\u301c\uff5e"                    # wave dashes
    "\u300c\u300d\u300e\u300f\u3016\u3017"  # 「」『』〖〗
    "\u2122\u2103\u2116\u3007"        # ™ ℃ № 〇
)
chars |= {ord(c) for c in EXTRA}

# The Table of General Standard Chinese Characters (2013), one character a
# line in the table's order: "U+XXXX<TAB>字<TAB>pinyin". The file is pinned
# by its SHA-256 (provenance in fonts/README.md) so a changed list cannot
# slip into the font unnoticed.
TGSCC_SHA256 = "ebb2d5abc708c36e3d0bfc9ff31931a88479e355828060d36eb0a8259754ccf4"
with open(tgscc, "rb") as fh:
    raw = fh.read()
if hashlib.sha256(raw).hexdigest() != TGSCC_SHA256:
    sys.exit(f"{tgscc}: SHA-256 is not {TGSCC_SHA256}")
table = []
for number, line in enumerate(raw.decode("utf-8").splitlines(), 1):
    code, ch = line.split("\t")[:2]
    if len(ch) != 1 or code != f"U+{ord(ch):04X}":
        sys.exit(f"{tgscc}:{number}: bad line {line!r}")
    table.append(ord(ch))
assert len(table) == 8105 and len(set(table)) == 8105, len(table)
# Levels 1, 2 and 3 are serials 1-3500, 3501-6500 and 6501-8105, each in
# stroke order, so the stroke count drops where a level starts.
assert (chr(table[3499]), chr(table[3500])) == ("矗", "乂")
assert (chr(table[6499]), chr(table[6500])) == ("齉", "亍")
n_before = len(chars)
chars |= set(table)
n_tgscc_new = len(chars) - n_before

full = TTFont(src, fontNumber=face, lazy=True)
cmap = full.getBestCmap()
missing = sorted(c for c in chars if c not in cmap)
if missing:
    sys.exit("source lacks: " + " ".join(f"U+{c:04X}" for c in missing))
print(
    f"== {len(chars)} code points ({n_gb} from GB 2312, "
    f"{n_tgscc_new} more from the 8105 of the general standard table)",
    file=sys.stderr,
)

# 3. Subset.
opts = subset.Options()
opts.font_number = face
opts.hinting = False                  # drop CFF stem hints
opts.desubroutinize = False           # keep (pruned) subroutines: smaller
opts.layout_features = ["kern"]       # Latin / punctuation pair kerning only
opts.drop_tables += ["GSUB", "GDEF", "BASE", "VORG", "vhea", "vmtx", "JSTF", "MATH"]
opts.name_IDs = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]  # keep copyright (0), trademark (7), licence (13, 14)
opts.name_languages = [0x0409]
opts.name_legacy = False
opts.notdef_outline = True            # a visible .notdef box
opts.glyph_names = False
opts.recalc_timestamp = False         # keep head.modified: reproducible output

font = subset.load_font(src, opts)
sub = subset.Subsetter(opts)
sub.populate(unicodes=sorted(chars))
sub.subset(font)
subset.save_font(font, out, opts)

# 4. Check the result.
res = TTFont(out)
assert "CFF " in res and "glyf" not in res, "expected CFF outlines"
got = res.getBestCmap()
lost = sorted(c for c in chars if c not in got)
assert not lost, lost
assert res["name"].getDebugName(0) and res["name"].getDebugName(13)

def sha256(p):
    with open(p, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()

print(f"== fontTools {ft_version}", file=sys.stderr)
print(f"== tables: {' '.join(sorted(t for t in res.keys() if t != 'GlyphOrder'))}", file=sys.stderr)
print(f"== {res['maxp'].numGlyphs} glyphs, {len(got)} code points", file=sys.stderr)
print(f"source sha256 {sha256(src)}  {src}")
print(f"output sha256 {sha256(out)}  {out}")
print(f"output size   {os.path.getsize(out)} bytes")
PY
