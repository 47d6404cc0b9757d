"""Checks that poppler draws each seal: rasterises a sealed PDF and its first
revision (the licence as rendered, before any seal; the bytes up to the first
%%EOF), and requires the sealed page to have at least MIN_SEAL_RED_PX more
seal-red pixels per seal.

    seal_visible.py WORKDIR SEALS PDF
"""

import subprocess
import sys

from PIL import Image

DPI = 150
# The smallest seal, 20 mm on a card, is at 150 dpi a disc of about 10,900
# px²; its ink (rim, star, text) covers about a seventh of it (328 px at 72
# dpi, 1,400 at 150). A 40 mm seal has four times as much.
MIN_SEAL_RED_PX = 1000


def red_pixels(pdf, work, name):
    prefix = f'{work}/{name}'
    subprocess.run(['pdftoppm', '-r', str(DPI), '-png', '-singlefile', pdf, prefix], check=True)
    image = Image.open(prefix + '.png').convert('RGB')
    return sum(1 for r, g, b in image.getdata() if r > 150 and g < 110 and b < 110)


def main():
    work, seals, pdf = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    data = open(pdf, 'rb').read()
    end = data.index(b'%%EOF') + 5
    while data[end:end + 1] in (b'\r', b'\n'):
        end += 1
    original = f'{work}/original.pdf'
    with open(original, 'wb') as f:
        f.write(data[:end])
    before = red_pixels(original, work, 'before')
    after = red_pixels(pdf, work, 'after')
    print(f'{pdf}: {before} red pixels before sealing, {after} after ({seals} seal(s))')
    if after - before < seals * MIN_SEAL_RED_PX:
        print(f'{pdf}: the seal is not drawn', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
