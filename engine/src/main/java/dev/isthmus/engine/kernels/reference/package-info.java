/**
 * Scalar reference kernels: plain loops, double accumulation, obviously correct. They are the oracle every fast
 * kernel is tested against and the fallback when SIMD is off; they never go away.
 */
package dev.isthmus.engine.kernels.reference;
