//go:build amd64 && !f64

package tensor

// packA copies op(a)[i0:i0+mb, p0:p0+kb] into dst as panels of mr rows,
// each stored k-major (element (r, p) of a panel at p*mr+r) so the
// micro-kernel reads the mr values it broadcasts at one step from one
// place. An edge panel's rows past mb keep whatever the buffer held: they
// only feed tile rows that the driver discards.
func packA(dst []float32, transA bool, a []float32, lda, i0, mb, p0, kb, mr int) {
	for ir := 0; ir < mb; ir += mr {
		rows := min(mr, mb-ir)
		d := dst[ir*kb : (ir+mr)*kb]
		if transA {
			// A column of op(a) is a row of a: one contiguous run per step.
			copyInto(d, mr, a[p0*lda+i0+ir:], lda, rows, kb)
			continue
		}
		transposeInto(d, mr, a[(i0+ir)*lda+p0:], lda, rows, kb)
	}
}

// packB copies op(b)[p0:p0+kb, j0:j0+nb] into dst as panels of nr columns,
// each stored row by row (element (p, c) of a panel at p*nr+c) so the
// micro-kernel loads one step's nr values as whole vectors. As in packA,
// an edge panel's columns past nb are left as they were.
func packB(dst []float32, transB bool, b []float32, ldb, p0, kb, j0, nb, nr int) {
	for jr := 0; jr < nb; jr += nr {
		cols := min(nr, nb-jr)
		d := dst[jr*kb : (jr+nr)*kb]
		if !transB {
			copyInto(d, nr, b[p0*ldb+j0+jr:], ldb, cols, kb)
			continue
		}
		transposeInto(d, nr, b[(j0+jr)*ldb+p0:], ldb, cols, kb)
	}
}

// copyInto copies rows rows of width floats, ld apart in src, into dst with
// rows ldd apart. rows is at least 1.
func copyInto(dst []float32, ldd int, src []float32, ld, width, rows int) {
	if !useAVX512Pack || width > 32 {
		for r := range rows {
			copy(dst[r*ldd:][:width], src[r*ld:][:width])
		}
		return
	}
	// The assembly does not bounds-check, so these slices do.
	s := src[:(rows-1)*ld+width]
	d := dst[:(rows-1)*ldd+width]
	copy32(&d[0], ldd, &s[0], ld, width, rows)
}

// transposeInto writes the first k values of each of rows rows of src, ld
// apart, into the first rows columns of dst, whose k rows are ldd apart.
// k is at least 1.
func transposeInto(dst []float32, ldd int, src []float32, ld, rows, k int) {
	if !useAVX512Pack {
		for r := range rows {
			for p, v := range src[r*ld:][:k] {
				dst[p*ldd+r] = v
			}
		}
		return
	}
	for r0 := 0; r0 < rows; r0 += 16 {
		n := min(16, rows-r0)
		// Missing rows of a short block repeat the last one: loading them
		// is safe, and the lanes they produce are never stored.
		var offs [16]int
		for r := range offs {
			offs[r] = min(r, n-1) * ld
		}
		// The assembly does not bounds-check, so these slices do.
		s := src[r0*ld : r0*ld+(n-1)*ld+k]
		d := dst[r0 : r0+(k-1)*ldd+n]
		transpose16(&d[0], ldd, &s[0], &offs, n, k)
	}
}
