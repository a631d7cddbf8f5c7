package dev.isthmus.formats.image;

/** Image resampling. */
final class Resize {
    private Resize() {
    }

    /**
     * Bilinear resize of one plane, half-pixel centres (PyTorch's interpolate with align_corners=False, no
     * antialiasing): source coordinate = (dst + 0.5) · in/out − 0.5, clamped to the image.
     */
    static float[] bilinear(float[] src, int h, int w, int oh, int ow) {
        float[] dst = new float[oh * ow];
        double sy = (double) h / oh, sx = (double) w / ow;
        for (int y = 0; y < oh; y++) {
            double fy = Math.max((y + 0.5) * sy - 0.5, 0);
            int y0 = Math.min((int) fy, h - 1), y1 = Math.min(y0 + 1, h - 1);
            double wy = fy - y0;
            for (int x = 0; x < ow; x++) {
                double fx = Math.max((x + 0.5) * sx - 0.5, 0);
                int x0 = Math.min((int) fx, w - 1), x1 = Math.min(x0 + 1, w - 1);
                double wx = fx - x0;
                double top = src[y0 * w + x0] * (1 - wx) + src[y0 * w + x1] * wx;
                double bot = src[y1 * w + x0] * (1 - wx) + src[y1 * w + x1] * wx;
                dst[y * ow + x] = (float) (top * (1 - wy) + bot * wy);
            }
        }
        return dst;
    }
}
