//! Int8 products for TFLite's hybrid (dynamic-range quantized) 1-D convolutions, on CPUs
//! with AVX-512 VNNI: the int8 weights are packed once, at load, and the activations,
//! quantized per image as TFLite does, are multiplied with them in exact int32 sums, the
//! way TFLite's own hybrid kernels do (and 4 to 5 times faster than an f32 GEMM over
//! integer-valued floats here). Other CPUs keep that f32 GEMM; both give the same sums as
//! long as they stay below 2^24.
//!
//! `vpdpbusd` multiplies unsigned by signed bytes, so activations `a` in -127..=127 go in
//! as `a + 128`, and `128 · Σ w` is taken off each output channel's sum.

/// Int8 convolution weights `[out][k]` (k = taps · input channels), laid out for the
/// kernel: per block of 16 output channels, per group of 4 consecutive k, 16 × 4 bytes.
#[derive(Debug, Clone)]
pub struct PackedI8 {
    /// Depth of each dot product (taps · input channels).
    k: usize,
    /// Output channels.
    n: usize,
    blocks: Vec<i8>,
    /// `Σ_k w[o][k]` per output channel.
    col_sums: Vec<i32>,
}

impl PackedI8 {
    /// Packs `w` (`[n][k]`, row-major). `None` when the CPU lacks AVX-512 VNNI, where the
    /// caller keeps its f32 path.
    pub fn new(w: &[i8], n: usize, k: usize) -> Option<PackedI8> {
        if !available() || n == 0 || k == 0 || w.len() != n * k {
            return None;
        }
        let (nblocks, groups) = (n.div_ceil(16), k.div_ceil(4));
        let mut blocks = vec![0i8; nblocks * groups * 64];
        for (o, row) in w.chunks_exact(k).enumerate() {
            let (nb, lane) = (o / 16, o % 16);
            for (kk, &v) in row.iter().enumerate() {
                blocks[(nb * groups + kk / 4) * 64 + lane * 4 + kk % 4] = v;
            }
        }
        let col_sums = w
            .chunks_exact(k)
            .map(|row| row.iter().map(|&v| i32::from(v)).sum())
            .collect();
        Some(PackedI8 {
            k,
            n,
            blocks,
            col_sums,
        })
    }

    /// Output channels.
    pub fn channels(&self) -> usize {
        self.n
    }

    /// Depth of each dot product (taps · input channels).
    pub fn depth(&self) -> usize {
        self.k
    }

    /// `out[r][o] = Σ_k q[r·row_step + k] · w[o][k]` for `rows` rows, where `q` holds
    /// int8 activations as `a + 128` (so padding is 128). `q` must hold 3 bytes past the
    /// last row's `k` (the kernel reads k in groups of 4). `out` is `[rows][n]`.
    pub fn matmul(&self, q: &[u8], rows: usize, row_step: usize, out: &mut [i32]) {
        if rows == 0 {
            return;
        }
        let groups = self.k.div_ceil(4);
        let n16 = self.n.div_ceil(16) * 16;
        assert!(
            (rows - 1) * row_step + groups * 4 <= q.len() && out.len() >= rows * self.n,
            "int8 GEMM operands smaller than their shapes"
        );
        let mut wide = vec![0i32; rows * n16];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `PackedI8` exists only where `available()` found AVX-512 F, BW and VNNI;
        // the assertion above bounds every read of `q`, `wide` holds rows × n16 sums, and
        // `blocks` holds n16 / 16 × groups × 64 bytes by construction.
        unsafe {
            vnni::matmul(q, rows, row_step, &self.blocks, groups, n16, &mut wide);
        }
        for (dst, src) in out.chunks_exact_mut(self.n).zip(wide.chunks_exact(n16)) {
            for ((d, &s), &sum) in dst.iter_mut().zip(src).zip(&self.col_sums) {
                *d = s - 128 * sum;
            }
        }
    }
}

/// Whether this CPU runs the int8 kernel.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use std::arch::x86_64::*;

    /// Rows per step: 8 accumulators hide `vpdpbusd`'s latency.
    const ROWS: usize = 8;

    /// See [`super::PackedI8::matmul`]; `out` is `[rows][n16]`.
    ///
    /// # Safety
    /// AVX-512 F, BW and VNNI are present; `q` holds `(rows - 1) · row_step + 4 · groups`
    /// bytes, `blocks` `n16 / 16 · groups · 64` and `out` `rows · n16`.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub unsafe fn matmul(
        q: &[u8],
        rows: usize,
        row_step: usize,
        blocks: &[i8],
        groups: usize,
        n16: usize,
        out: &mut [i32],
    ) {
        let mut r = 0;
        while r + ROWS <= rows {
            // SAFETY: as for the function
            unsafe { step::<ROWS>(q, r, row_step, blocks, groups, n16, out) };
            r += ROWS;
        }
        while r < rows {
            // SAFETY: as for the function
            unsafe { step::<1>(q, r, row_step, blocks, groups, n16, out) };
            r += 1;
        }
    }

    /// Rows `r0..r0 + R`, every block of 16 output channels.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn step<const R: usize>(
        q: &[u8],
        r0: usize,
        row_step: usize,
        blocks: &[i8],
        groups: usize,
        n16: usize,
        out: &mut [i32],
    ) {
        let a = q.as_ptr();
        for nb in 0..n16 / 16 {
            let mut acc = [_mm512_setzero_si512(); R];
            // SAFETY: block `nb` spans `groups` × 64 bytes of `blocks`
            let w = unsafe { blocks.as_ptr().add(nb * groups * 64) };
            for g in 0..groups {
                // SAFETY: within block `nb`
                let wv = unsafe { _mm512_loadu_si512(w.add(g * 64).cast()) };
                for (i, acc) in acc.iter_mut().enumerate() {
                    // SAFETY: row r0 + i < rows reads bytes up to its start + 4 · groups
                    let four = unsafe {
                        a.add((r0 + i) * row_step + 4 * g)
                            .cast::<i32>()
                            .read_unaligned()
                    };
                    *acc = _mm512_dpbusd_epi32(*acc, _mm512_set1_epi32(four), wv);
                }
            }
            for (i, acc) in acc.iter().enumerate() {
                // SAFETY: row r0 + i of `out` has n16 lanes; block nb fills 16 of them
                unsafe {
                    _mm512_storeu_si512(out.as_mut_ptr().add((r0 + i) * n16 + nb * 16).cast(), *acc)
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int8_products_match_integer_arithmetic() {
        let Some(_) = PackedI8::new(&[1], 1, 1) else {
            return; // no AVX-512 VNNI here: the f32 path serves
        };
        // 19 rows (two 8-row steps and 3 single rows), 37 channels (3 blocks, one
        // partial), k = 13 (not a multiple of 4), rows overlapping with step 5
        let (rows, n, k, step) = (19, 37, 13, 5);
        let w: Vec<i8> = (0..n * k)
            .map(|i| ((i * 31 % 255) as i32 - 127) as i8)
            .collect();
        let a: Vec<i32> = (0..(rows - 1) * step + k)
            .map(|i| (i * 17 % 255) as i32 - 127)
            .collect();
        let mut q: Vec<u8> = a.iter().map(|&v| (v + 128) as u8).collect();
        q.extend([128; 3]);
        let packed = PackedI8::new(&w, n, k).unwrap();
        let mut out = vec![0; rows * n];
        packed.matmul(&q, rows, step, &mut out);
        for r in 0..rows {
            for o in 0..n {
                let want: i32 = (0..k)
                    .map(|kk| a[r * step + kk] * i32::from(w[o * k + kk]))
                    .sum();
                assert_eq!(out[r * n + o], want, "row {r} channel {o}");
            }
        }
    }
}
