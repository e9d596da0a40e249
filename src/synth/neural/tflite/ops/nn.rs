//! Neural-network kernels: GEMM, fully connected, 1-D/2-D and transposed convolutions
//! (float and TFLite's hybrid int8), batch matmul.

use super::*;
use crate::synth::neural::int8::PackedI8;

/// `c[m×n] = a[m×k] · b[k×n]`, or `c += a · b` with `accumulate`. `a` and `b` are given
/// by their (row, column) strides, so transposes and row steps need no copy; `c` is
/// row-major.
///
/// The `gemm` crate picks its AVX-512, AVX2+FMA or SSE kernels at run time, and unlike
/// matrixmultiply it needs no packing for skinny shapes (MB-MelGAN's 48-channel layers on
/// 20,000 rows run at twice the speed).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    c: &mut [f32],
    accumulate: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c[..m * n].fill(0.0);
        }
        return;
    }
    let last =
        |rows: usize, cols: usize, (rs, cs): (usize, usize)| (rows - 1) * rs + (cols - 1) * cs;
    assert!(
        last(m, k, (rsa, csa)) < a.len() && last(k, n, (rsb, csb)) < b.len() && m * n <= c.len(),
        "GEMM operands smaller than their shapes"
    );
    // SAFETY: the assertion above keeps every index of the three matrices inside their
    // slices; `c` does not overlap `a` or `b` (it is borrowed mutably).
    unsafe {
        ::gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.as_ptr(),
            csa as isize,
            rsa as isize,
            b.as_ptr(),
            csb as isize,
            rsb as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            ::gemm::Parallelism::None,
        );
    }
}

/// TFLite's `SymmetricQuantizeFloats`: int8 values in -127..=127 (returned as integer-valued
/// floats) and the scale that maps them back.
pub(crate) fn quantize_symmetric(v: &[f32]) -> (Vec<f32>, f32) {
    let range = v.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
    if range == 0.0 {
        return (vec![0.0; v.len()], 1.0);
    }
    let k = 127.0 / range;
    (
        v.iter()
            .map(|&x| (x * k).round().clamp(-127.0, 127.0))
            .collect(),
        range / 127.0,
    )
}

/// TFLite's `AsymmetricQuantizeFloats`: values minus the zero point (as floats) and the
/// scale.
pub(crate) fn quantize_asymmetric(v: &[f32]) -> (Vec<f32>, f32) {
    let min = v.iter().fold(0.0f32, |m, &x| m.min(x));
    let max = v.iter().fold(0.0f32, |m, &x| m.max(x));
    if min == max {
        return (vec![0.0; v.len()], 1.0);
    }
    let scale = (max - min) / 255.0;
    let zp_from_min = -128.0 - min / scale;
    let zp_from_max = 127.0 - max / scale;
    let err_min = -128.0f32.abs() + (min / scale).abs();
    let err_max = 127.0f32.abs() + (max / scale).abs();
    let zp = if err_min < err_max {
        zp_from_min
    } else {
        zp_from_max
    };
    let zp = zp.round().clamp(-128.0, 127.0);
    (
        v.iter()
            .map(|&x| (zp + (x / scale).round()).clamp(-128.0, 127.0) - zp)
            .collect(),
        scale,
    )
}

/// Weights as floats: integer values for int8 (scaled later), plain values for float.
pub(crate) struct Weights<'t> {
    pub(crate) values: std::borrow::Cow<'t, [f32]>,
    /// Per output channel scale for int8 weights; `None` for float weights.
    pub(crate) scales: Option<Vec<f32>>,
}

pub(crate) fn weights(w: &Tensor, channels: usize) -> Result<Weights<'_>, OpError> {
    match &w.data {
        Data::F32(v) => Ok(Weights {
            values: std::borrow::Cow::Borrowed(v),
            scales: None,
        }),
        Data::I8(v) => Ok(Weights {
            values: std::borrow::Cow::Owned(v.iter().map(|&x| f32::from(x)).collect()),
            scales: weight_scales(w, channels)?,
        }),
        _ => Err(OpError::Invalid("weights must be float or int8".into())),
    }
}

/// Per output channel scales of int8 weights (`None` for float weights).
pub(crate) fn weight_scales(w: &Tensor, channels: usize) -> Result<Option<Vec<f32>>, OpError> {
    match &w.data {
        Data::F32(_) => Ok(None),
        Data::I8(_) => {
            let q = w
                .quant
                .as_ref()
                .ok_or(OpError::Invalid("int8 weights without scale".into()))?;
            if q.zero_point.iter().any(|&z| z != 0) {
                return Err(OpError::Unsupported(
                    "int8 weights with a zero point are not supported".into(),
                ));
            }
            if q.scale.len() == 1 {
                Ok(Some(vec![q.scale[0]; channels]))
            } else if q.scale.len() == channels && q.dim == 0 {
                Ok(Some(q.scale.clone()))
            } else {
                Err(OpError::Unsupported(
                    "unsupported weight quantization".into(),
                ))
            }
        }
        _ => Err(OpError::Invalid("weights must be float or int8".into())),
    }
}

pub(crate) fn bias(args: &Args, i: usize, n: usize) -> Result<Vec<f32>, OpError> {
    bias_values(args.get(i).and_then(|a| a.as_deref()), n)
}

/// A bias of `n` values, or zeros when there is none.
pub(crate) fn bias_values(b: Option<&Tensor>, n: usize) -> Result<Vec<f32>, OpError> {
    match b {
        Some(b) => {
            let v = b.floats()?;
            if v.len() != n {
                return Err(OpError::Invalid("bias has the wrong length".into()));
            }
            Ok(v)
        }
        None => Ok(vec![0.0; n]),
    }
}

pub(crate) fn fully_connected(args: &Args, o: &Options) -> Result<Tensor, OpError> {
    let x = arg(args, 0)?;
    let w = arg(args, 1)?;
    let [n, k] = w.shape[..] else {
        return Err(OpError::Invalid(
            "FULLY_CONNECTED weights must be 2-D".into(),
        ));
    };
    let input = f32s(x)?;
    if k == 0 || input.len() % k != 0 {
        return Err(OpError::Invalid(
            "FULLY_CONNECTED input does not match the weights".into(),
        ));
    }
    let rows = input.len() / k;
    let wt = weights(w, n)?;
    let b = bias(args, 2, n)?;
    let mut out = vec![0.0; rows * n];
    match &wt.scales {
        None => gemm(
            rows,
            k,
            n,
            input,
            (k, 1),
            &wt.values,
            (1, k),
            &mut out,
            false,
        ),
        Some(scales) => {
            // hybrid: each row quantized on its own
            let mut q = Vec::with_capacity(input.len());
            let mut row_scale = Vec::with_capacity(rows);
            for row in input.chunks(k) {
                let (v, s) = if o.asymmetric {
                    quantize_asymmetric(row)
                } else {
                    quantize_symmetric(row)
                };
                q.extend(v);
                row_scale.push(s);
            }
            gemm(rows, k, n, &q, (k, 1), &wt.values, (1, k), &mut out, false);
            // TFLite folds the weight scale into the row scale first
            for (r, row) in out.chunks_mut(n).enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v *= row_scale[r] * scales[j];
                }
            }
        }
    }
    for row in out.chunks_mut(n) {
        for (v, bb) in row.iter_mut().zip(&b) {
            *v += bb;
        }
    }
    o.act.apply(&mut out);
    let shape = if o.keep_dims {
        let mut s = x.shape.clone();
        *s.last_mut().expect("rank >= 1") = n;
        s
    } else {
        vec![rows, n]
    };
    Ok(Tensor::f32(shape, out))
}

/// TFLite's padding: (before, total) for one spatial dimension.
pub(crate) fn padding(
    same: bool,
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
) -> (usize, usize) {
    let eff = (kernel - 1) * dilation + 1;
    let out = if same {
        input.div_ceil(stride)
    } else {
        (input + stride).saturating_sub(eff) / stride
    };
    let total = ((out.max(1) - 1) * stride + eff).saturating_sub(input);
    (total / 2, out)
}

/// Rows of output computed per im2col block, to bound memory on long inputs.
pub(crate) const BLOCK_ROWS: usize = 4096;

pub(crate) fn conv2d(
    args: &Args,
    o: &Options,
    packed: Option<&PackedI8>,
) -> Result<Tensor, OpError> {
    let x = arg(args, 0)?;
    let shape = <[usize; 4]>::try_from(x.shape.as_slice())
        .map_err(|_| OpError::Invalid("CONV_2D input must be 4-D".into()))?;
    let bias = args.get(2).and_then(|a| a.as_deref());
    conv2d_on(f32s(x)?, shape, arg(args, 1)?, bias, o, packed)
}

/// CONV_2D on `input` of shape `[n, h, wd, c]`.
pub(crate) fn conv2d_on(
    input: &[f32],
    [n, h, wd, c]: [usize; 4],
    w: &Tensor,
    bias_tensor: Option<&Tensor>,
    o: &Options,
    packed: Option<&PackedI8>,
) -> Result<Tensor, OpError> {
    let [co, kh, kw, ci] = <[usize; 4]>::try_from(w.shape.as_slice())
        .map_err(|_| OpError::Invalid("CONV_2D filter must be 4-D".into()))?;
    if input.len() != n * h * wd * c {
        return Err(OpError::Invalid(
            "CONV_2D input does not match its shape".into(),
        ));
    }
    if c != ci {
        return Err(OpError::Invalid(
            format!("CONV_2D input has {c} channels, filter expects {ci}").into(),
        ));
    }
    let (sh, sw) = o.stride;
    let (dh, dw) = o.dilation;
    let (pt, oh) = padding(o.same, h, kh, sh, dh);
    let (pl, ow) = padding(o.same, wd, kw, sw, dw);
    let b = bias_values(bias_tensor, co)?;
    // the shape of the 1-D convolution this is when h == 1 and kh == 1
    let geometry = Conv1d {
        width: wd,
        channels: c,
        kernel: kw,
        stride: sw,
        dilation: dw,
        pad: pl,
        out_width: ow,
    };
    let packed = packed.filter(|p| {
        h == 1 && kh == 1 && (sw, dw) == (1, 1) && p.channels() == co && p.depth() == kw * c
    });
    if let (Some(p), Some(scales)) = (packed, weight_scales(w, co)?) {
        let mut out = conv1d_int8(input, n, &geometry, p, &scales, &b);
        o.act.apply(&mut out);
        return Ok(Tensor::f32(vec![n, oh, ow, co], out));
    }
    let wt = weights(w, co)?;
    if h == 1 && kh == 1 && co <= 8 && wt.scales.is_none() {
        let mut out = conv1d_direct(input, n, &geometry, &wt.values, &b);
        o.act.apply(&mut out);
        return Ok(Tensor::f32(vec![n, oh, ow, co], out));
    }
    let mut out = vec![0.0; n * oh * ow * co];
    let plane = h * wd * c;
    let mut padded = Vec::new();
    for batch in 0..n {
        let img = &input[batch * plane..(batch + 1) * plane];
        let (quantized, scale) = match wt.scales {
            Some(_) => {
                let (q, s) = quantize_symmetric(img);
                (Some(q), s)
            }
            None => (None, 1.0),
        };
        let src = quantized.as_deref().unwrap_or(img);
        let rows = oh * ow;
        let dst_all = &mut out[batch * rows * co..(batch + 1) * rows * co];
        if h == 1 && kh == 1 {
            conv1d_taps(src, &geometry, &wt.values, co, dst_all, &mut padded);
        } else {
            conv2d_im2col(
                src,
                [h, wd, c],
                [kh, kw],
                o,
                [pt, pl, oh, ow],
                &wt.values,
                co,
                dst_all,
            );
        }
        for row in dst_all.chunks_mut(co) {
            match &wt.scales {
                Some(s) => {
                    for ((v, ws), bb) in row.iter_mut().zip(s).zip(&b) {
                        *v = *v * (scale * ws) + bb;
                    }
                }
                None => {
                    for (v, bb) in row.iter_mut().zip(&b) {
                        *v += bb;
                    }
                }
            }
        }
    }
    o.act.apply(&mut out);
    Ok(Tensor::f32(vec![n, oh, ow, co], out))
}

/// A 2-D convolution of one image as im2col (blocks of [`BLOCK_ROWS`] output positions)
/// and a GEMM. `dst` is `[oh·ow, co]`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv2d_im2col(
    src: &[f32],
    [h, wd, c]: [usize; 3],
    [kh, kw]: [usize; 2],
    o: &Options,
    [pt, pl, oh, ow]: [usize; 4],
    w: &[f32],
    co: usize,
    dst_all: &mut [f32],
) {
    let ((sh, sw), (dh, dw)) = (o.stride, o.dilation);
    let kk = kh * kw * c;
    let rows = oh * ow;
    let mut col = vec![0.0f32; BLOCK_ROWS.min(rows) * kk];
    for start in (0..rows).step_by(BLOCK_ROWS) {
        let m = BLOCK_ROWS.min(rows - start);
        let a: &[f32] = {
            let col = &mut col[..m * kk];
            col.fill(0.0);
            for r in 0..m {
                let (y, xo) = ((start + r) / ow, (start + r) % ow);
                for i in 0..kh {
                    let yy = (y * sh + i * dh) as i64 - pt as i64;
                    if yy < 0 || yy >= h as i64 {
                        continue;
                    }
                    for j in 0..kw {
                        let xx = (xo * sw + j * dw) as i64 - pl as i64;
                        if xx < 0 || xx >= wd as i64 {
                            continue;
                        }
                        let s = (yy as usize * wd + xx as usize) * c;
                        let d = r * kk + (i * kw + j) * c;
                        col[d..d + c].copy_from_slice(&src[s..s + c]);
                    }
                }
            }
            col
        };
        let dst = &mut dst_all[start * co..(start + m) * co];
        gemm(m, kk, co, a, (kk, 1), w, (1, kk), dst, false);
    }
}

/// One 1-D convolution of an image of `[width, channels]` rows: one GEMM per kernel tap,
/// summed into `dst` (`[out_width, co]`). Each tap reads the input rows in place (row step
/// `stride·channels`), so nothing is copied unless the input needs zero padding, which
/// goes through `padded`. `w` is `[co][kernel][channels]`.
pub(crate) fn conv1d_taps(
    img: &[f32],
    g: &Conv1d,
    w: &[f32],
    co: usize,
    dst: &mut [f32],
    padded: &mut Vec<f32>,
) {
    let c = g.channels;
    if g.out_width == 0 {
        return;
    }
    // input rows the outputs reach, counting the padding
    let span = (g.out_width - 1) * g.stride + (g.kernel - 1) * g.dilation + 1;
    let src: &[f32] = if g.pad == 0 && span <= g.width {
        img
    } else {
        padded.clear();
        padded.resize(span * c, 0.0);
        let rows = g.width.min(span.saturating_sub(g.pad));
        if rows > 0 {
            padded[g.pad * c..(g.pad + rows) * c].copy_from_slice(&img[..rows * c]);
        }
        padded
    };
    for j in 0..g.kernel {
        gemm(
            g.out_width,
            c,
            co,
            &src[j * g.dilation * c..],
            (g.stride * c, 1),
            &w[j * c..],
            (1, g.kernel * c),
            dst,
            j > 0,
        );
    }
}

/// A hybrid 1-D convolution (stride and dilation 1) on the int8 kernel: per image, the
/// input quantized as TFLite does and zero-padded (128 in the kernel's offset form), one
/// exact int8 product per output and channel over its receptive field, then scaled back.
pub(crate) fn conv1d_int8(
    input: &[f32],
    batches: usize,
    g: &Conv1d,
    w: &PackedI8,
    scales: &[f32],
    bias: &[f32],
) -> Vec<f32> {
    let (c, co) = (g.channels, bias.len());
    // input rows the outputs reach, counting the padding
    let span = g.out_width + g.kernel - 1;
    let mut q = Vec::new();
    let mut sums = vec![0i32; g.out_width * co];
    let mut out = Vec::with_capacity(batches * g.out_width * co);
    for batch in 0..batches {
        let img = &input[batch * g.width * c..(batch + 1) * g.width * c];
        let (values, scale) = quantize_symmetric(img);
        // 3 bytes past the last row: the kernel reads in groups of 4
        q.clear();
        q.resize(span * c + 3, 128u8);
        let rows = g.width.min(span.saturating_sub(g.pad));
        if rows > 0 {
            for (d, &v) in q[g.pad * c..(g.pad + rows) * c].iter_mut().zip(&values) {
                *d = (v as i32 + 128) as u8;
            }
        }
        w.matmul(&q, g.out_width, c, &mut sums);
        for row in sums.chunks_exact(co) {
            for ((&s, ws), bb) in row.iter().zip(scales).zip(bias) {
                out.push(s as f32 * (scale * ws) + bb);
            }
        }
    }
    out
}

/// The shape of a 1-D convolution over `[batch, width, channels]` rows.
pub(crate) struct Conv1d {
    pub(crate) width: usize,
    pub(crate) channels: usize,
    pub(crate) kernel: usize,
    pub(crate) stride: usize,
    pub(crate) dilation: usize,
    /// Zero rows before the input.
    pub(crate) pad: usize,
    pub(crate) out_width: usize,
}

/// A 1-D convolution with few output channels (MB-MelGAN's last layer and its PQMF
/// synthesis filter, 4 and 1 channels): one dot product per output value over its
/// receptive field. A GEMM with so few columns wastes most of its kernel, and im2col
/// would copy each input value `kernel` times. `w` is `[out channels][kernel][channels]`.
pub(crate) fn conv1d_direct(
    input: &[f32],
    batches: usize,
    g: &Conv1d,
    w: &[f32],
    bias: &[f32],
) -> Vec<f32> {
    let (c, co) = (g.channels, bias.len());
    let taps = g.kernel * c;
    // padded rows the outputs reach
    let span = (g.out_width.max(1) - 1) * g.stride + (g.kernel - 1) * g.dilation + 1;
    let mut padded = vec![0.0f32; span * c];
    let mut out = Vec::with_capacity(batches * g.out_width * co);
    for batch in 0..batches {
        let img = &input[batch * g.width * c..(batch + 1) * g.width * c];
        let rows = g.width.min(span.saturating_sub(g.pad));
        padded.fill(0.0);
        if rows > 0 {
            padded[g.pad * c..(g.pad + rows) * c].copy_from_slice(&img[..rows * c]);
        }
        for x in 0..g.out_width {
            let start = x * g.stride * c;
            for (o, b) in bias.iter().enumerate() {
                let wo = &w[o * taps..(o + 1) * taps];
                let sum = if g.dilation == 1 {
                    dot(&padded[start..start + taps], wo)
                } else {
                    (0..g.kernel)
                        .map(|j| {
                            let s = start + j * g.dilation * c;
                            dot(&padded[s..s + c], &wo[j * c..(j + 1) * c])
                        })
                        .sum()
                };
                out.push(sum + b);
            }
        }
    }
    out
}

/// `Σ a[i]·b[i]` in 16 interleaved partial sums, so that the loop vectorizes.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..16 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

pub(crate) fn transpose_conv(args: &Args, o: &Options) -> Result<Tensor, OpError> {
    let out_shape: Vec<usize> = arg(args, 0)?
        .ints()?
        .iter()
        .map(|&d| d.max(0) as usize)
        .collect();
    let w = arg(args, 1)?;
    let x = arg(args, 2)?;
    let ([n, h, wd, c], [co, kh, kw, ci], [on, oh, ow, oc]) = (
        <[usize; 4]>::try_from(x.shape.as_slice())
            .map_err(|_| OpError::Invalid("input must be 4-D".into()))?,
        <[usize; 4]>::try_from(w.shape.as_slice())
            .map_err(|_| OpError::Invalid("filter must be 4-D".into()))?,
        <[usize; 4]>::try_from(out_shape.as_slice())
            .map_err(|_| OpError::Invalid("output shape must be 4-D".into()))?,
    );
    if c != ci || oc != co || on != n {
        return Err(OpError::Invalid(
            "TRANSPOSE_CONV shapes do not match".into(),
        ));
    }
    let (sh, sw) = o.stride;
    let (pt, _) = padding(o.same, oh, kh, sh, 1);
    let (pl, _) = padding(o.same, ow, kw, sw, 1);
    let input = f32s(x)?;
    let wv = float_view(w)?;
    // weights as [kh·kw·co, ci]: row (i, j, o) holds W[o, i, j, :]
    let taps = kh * kw * co;
    let mut wt = vec![0.0; taps * ci];
    for oo in 0..co {
        for i in 0..kh {
            for j in 0..kw {
                let s = ((oo * kh + i) * kw + j) * ci;
                let d = ((i * kw + j) * co + oo) * ci;
                wt[d..d + ci].copy_from_slice(&wv[s..s + ci]);
            }
        }
    }
    let b = bias(args, 3, co)?;
    let mut out = vec![0.0; n * oh * ow * co];
    let rows = h * wd;
    let mut prod = vec![0.0; rows * taps];
    for batch in 0..n {
        let img = &input[batch * rows * c..(batch + 1) * rows * c];
        gemm(rows, c, taps, img, (c, 1), &wt, (1, ci), &mut prod, false);
        let dst = &mut out[batch * oh * ow * co..(batch + 1) * oh * ow * co];
        for y in 0..h {
            for xx in 0..wd {
                let p = &prod[(y * wd + xx) * taps..(y * wd + xx + 1) * taps];
                for i in 0..kh {
                    let oy = (y * sh + i) as i64 - pt as i64;
                    if oy < 0 || oy >= oh as i64 {
                        continue;
                    }
                    for j in 0..kw {
                        let ox = (xx * sw + j) as i64 - pl as i64;
                        if ox < 0 || ox >= ow as i64 {
                            continue;
                        }
                        let d = (oy as usize * ow + ox as usize) * co;
                        let s = (i * kw + j) * co;
                        for (dv, sv) in dst[d..d + co].iter_mut().zip(&p[s..s + co]) {
                            *dv += sv;
                        }
                    }
                }
            }
        }
        for row in dst.chunks_mut(co) {
            for (v, bb) in row.iter_mut().zip(&b) {
                *v += bb;
            }
        }
    }
    o.act.apply(&mut out);
    Ok(Tensor::f32(out_shape, out))
}

pub(crate) fn batch_matmul(
    a: &Tensor,
    b: &Tensor,
    (adj_a, adj_b): (bool, bool),
) -> Result<Tensor, OpError> {
    let (ra, rb) = (a.shape.len(), b.shape.len());
    if ra < 2 || rb < 2 {
        return Err(OpError::Invalid("BATCH_MATMUL needs rank >= 2".into()));
    }
    let (m, ka) = if adj_a {
        (a.shape[ra - 1], a.shape[ra - 2])
    } else {
        (a.shape[ra - 2], a.shape[ra - 1])
    };
    let (kb, n) = if adj_b {
        (b.shape[rb - 1], b.shape[rb - 2])
    } else {
        (b.shape[rb - 2], b.shape[rb - 1])
    };
    if ka != kb {
        return Err(OpError::Invalid(
            format!(
                "BATCH_MATMUL inner dimensions differ: {:?} × {:?}",
                a.shape, b.shape
            )
            .into(),
        ));
    }
    let batch = broadcast_shape(&a.shape[..ra - 2], &b.shape[..rb - 2])?;
    let ia = broadcast_index(&a.shape[..ra - 2], &batch);
    let ib = broadcast_index(&b.shape[..rb - 2], &batch);
    let (av, bv) = (f32s(a)?, f32s(b)?);
    let (sa, sb) = (m * ka, ka * n);
    let a_str = if adj_a { (1, m) } else { (ka, 1) };
    let b_str = if adj_b { (1, ka) } else { (n, 1) };
    let mut out = vec![0.0; ia.len() * m * n];
    for (t, (&i, &j)) in ia.iter().zip(&ib).enumerate() {
        gemm(
            m,
            ka,
            n,
            &av[i * sa..(i + 1) * sa],
            a_str,
            &bv[j * sb..(j + 1) * sb],
            b_str,
            &mut out[t * m * n..(t + 1) * m * n],
            false,
        );
    }
    let mut shape = batch;
    shape.extend([m, n]);
    Ok(Tensor::f32(shape, out))
}
