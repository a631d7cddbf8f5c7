"""Regenerates the .npy fixtures in this directory with NumPy (run: python3 generate.py).

Each file holds a small array whose values the Java tests recompute: element i (flat, C order) is
i * 0.5 - 1 for floats, i * 3 - 7 for signed ints, i * 3 for unsigned ints, i % 3 == 0 for bools.
"""
import numpy as np
from numpy.lib import format as npformat


def values(dtype, shape):
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n)
    kind = np.dtype(dtype).kind
    if kind == 'f':
        v = i * 0.5 - 1
    elif kind == 'i':
        v = i * 3 - 7
    elif kind == 'u':
        v = i * 3
    else:
        v = i % 3 == 0
    return v.astype(dtype).reshape(shape)


# name -> (dtype, shape), saved with np.save (format 1.0)
SAVED = {
    'f4_2x3': ('<f4', (2, 3)),
    'f8_scalar': ('<f8', ()),
    'f2_4': ('<f2', (4,)),
    'i4_5': ('<i4', (5,)),
    'i8_2x2x2': ('<i8', (2, 2, 2)),
    'i1_3': ('|i1', (3,)),
    'i2_3': ('<i2', (3,)),
    'u1_2x1x2x2': ('|u1', (2, 1, 2, 2)),
    'u2_3': ('<u2', (3,)),
    'u4_3': ('<u4', (3,)),
    'u8_3': ('<u8', (3,)),
    'b1_2x3': ('|b1', (2, 3)),
    'f4_0x3': ('<f4', (0, 3)),
}

for name, (dtype, shape) in SAVED.items():
    np.save(name + '.npy', values(dtype, shape))

# the same array in format versions 2.0 and 3.0
for version in [(2, 0), (3, 0)]:
    with open('f4_2x3_v%d.npy' % version[0], 'wb') as f:
        npformat.write_array(f, values('<f4', (2, 3)), version=version)

# refused: Fortran order, big-endian, object and structured dtypes
np.save('refuse_fortran.npy', np.asfortranarray(values('<f4', (2, 3))))
np.save('refuse_big_endian.npy', values('>f4', (2, 3)))
np.save('refuse_object.npy', np.array([1, 'a', None], dtype=object), allow_pickle=True)
np.save('refuse_structured.npy', np.zeros(2, dtype=[('a', '<f4'), ('b', '<i4')]))
