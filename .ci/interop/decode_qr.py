"""Decode every QR code in PNG images with zxing-cpp, an independent reader.

Usage: decode_qr.py FILE.png...

Prints the text of each QR code found, one per line, file after file. Exits 1
if some file holds no QR code that zxing-cpp can read, or if a symbol decodes
with an error.
"""

import sys

import zxingcpp
from PIL import Image


def decode(path):
    with Image.open(path) as im:
        image = im.convert("L")
    found = zxingcpp.read_barcodes(
        image,
        formats=zxingcpp.BarcodeFormat.QRCode,
        text_mode=zxingcpp.TextMode.Plain,
        return_errors=True,
    )
    texts = []
    for barcode in found:
        if barcode.error:
            raise SystemExit(f"{path}: a QR code decodes with an error: {barcode.error}")
        if "\n" in barcode.text:
            raise SystemExit(f"{path}: a QR code's text holds a line break")
        texts.append(barcode.text)
    return texts


def main(paths):
    if not paths:
        raise SystemExit("usage: decode_qr.py FILE.png...")
    status = 0
    for path in paths:
        texts = decode(path)
        if not texts:
            print(f"{path}: no QR code found", file=sys.stderr)
            status = 1
        for text in texts:
            print(text)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
