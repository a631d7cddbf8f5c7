/** Native backends called through FFM. The oneDNN backend lives here. */
package dev.isthmus.nativebind;
