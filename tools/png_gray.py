"""8-bit grayscale PNGs (numpy + zlib only, no PIL needed): the grayscale face of tools/png_rgb.py.

write(path, img) writes an (H, W) uint8 array as colour type 0, bit depth 8, no interlace, filter 0 on every row.
read(path) decodes an 8-bit grayscale non-interlaced PNG (any row filters) into an (H, W) uint8 array.
"""
import png_rgb


def write(path, img):
    png_rgb.write(path, img, filters=0)


def read(path):
    img, ctype = png_rgb.read(path)
    if ctype != 0:
        raise ValueError(f"{path}: not an 8-bit grayscale PNG (colour type {ctype})")
    return img
