#!/usr/bin/python3
"""NumPy .npy files for Cac's Npy reader tests (Cac.Tests/Serialization/NpyTests.cs).

Run with Debian's python3-numpy:  /usr/bin/python3 Cac.Tests/Fixtures/make_npy_fixtures.py
Writes into Cac.Tests/Fixtures/npy/:
  - valid files (float32, float64, int32; rank 0 to 5; format versions 1.0, 2.0 and 3.0; an empty array),
    each described in manifest.json as {"file": {"dtype", "shape", "version", "data": [flat values, C order]}};
    float values are printed with repr(), which round-trips float32 and float64 exactly;
  - files the reader must reject, listed in manifest.json under "rejected" with a word the error must contain.
The files are small (a few hundred bytes each).
"""

import json
import os

import numpy as np
from numpy.lib import format as npformat

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy")


def save(name, array, version=None):
    path = os.path.join(OUT_DIR, name)
    with open(path, "wb") as f:
        npformat.write_array(f, array, version=version, allow_pickle=False)
    return path


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    rng = np.random.default_rng(20240601)
    valid = {
        "f4_2x3.npy": (rng.standard_normal((2, 3)).astype(np.float32), None),
        "f8_scalar.npy": (np.array(np.pi, dtype=np.float64), None),
        "i4_2x3x4.npy": (rng.integers(-1000, 1000, size=(2, 3, 4), dtype=np.int32), None),
        "f4_v2.npy": (rng.standard_normal(5).astype(np.float32), (2, 0)),
        "f4_v3.npy": (rng.standard_normal((3, 1)).astype(np.float32), (3, 0)),
        "f8_empty_0x5.npy": (np.zeros((0, 5), dtype=np.float64), None),
        "f4_rank5.npy": (rng.standard_normal((1, 2, 1, 3, 2)).astype(np.float32), None),
        "f4_nchw_2x1x4x4.npy": (rng.standard_normal((2, 1, 4, 4)).astype(np.float32), None),
    }
    manifest = {"valid": {}, "rejected": {}}
    for name, (array, version) in valid.items():
        save(name, array, version)
        values = array.reshape(-1).tolist()
        manifest["valid"][name] = {
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "version": "%d.%d" % (version or (1, 0)),
            "data": [repr(float(v)) if array.dtype.kind == "f" else int(v) for v in values],
        }

    rejected = {
        "fortran_2x3.npy": (np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)), "fortran_order"),
        "be_f4.npy": (np.arange(4, dtype=">f4"), "'>f4'"),
        "u1.npy": (np.arange(4, dtype=np.uint8), "'|u1'"),
        "i8.npy": (np.arange(4, dtype=np.int64), "'<i8'"),
        "f2.npy": (np.arange(4, dtype=np.float16), "'<f2'"),
    }
    for name, (array, word) in rejected.items():
        save(name, array)
        manifest["rejected"][name] = word

    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    for name in sorted(os.listdir(OUT_DIR)):
        print(name, os.path.getsize(os.path.join(OUT_DIR, name)))


if __name__ == "__main__":
    main()
