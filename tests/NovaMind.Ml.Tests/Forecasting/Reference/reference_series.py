"""The 84-day series of the statistical-member tests: y_t = 5 + 0.01 t + 1.5 sin(2 pi t / 7) + 2 (u_t - 0.5), u_t from the
LCG state = state * 1664525 + 1013904223 (mod 2^32), u = state / 2^32, seed 12345 (as ExponentialSmoothingTests.Series)."""
import math
import numpy as np

def series(n=84, seed=12345):
    state, ys = seed, []
    for t in range(n):
        state = (state * 1664525 + 1013904223) % 2**32
        ys.append(5 + 0.01 * t + 1.5 * math.sin(2 * math.pi * t / 7) + 2 * (state / 2**32 - 0.5))
    return np.array(ys)
