//! Operators: one function per builtin, dispatched by [`eval`]; the shared helpers here,
//! the kernels by kind in [`elementwise`], [`shape`] and [`nn`].

use std::sync::Arc;

use super::*;

mod elementwise;
mod nn;
mod shape;

pub(crate) use elementwise::*;
pub(crate) use nn::*;
pub(crate) use shape::*;

pub(crate) type Args = [Option<Arc<Tensor>>];

pub(crate) fn arg(args: &Args, i: usize) -> Result<&Tensor, OpError> {
    args.get(i)
        .and_then(|a| a.as_deref())
        .ok_or(OpError::MissingInput(i))
}

/// Input `i` by value: its buffer when no one else holds it (this operator reads it last),
/// else a copy.
pub(crate) fn take(args: &mut Args, i: usize) -> Result<Tensor, OpError> {
    args.get_mut(i)
        .and_then(Option::take)
        .map(Arc::unwrap_or_clone)
        .ok_or(OpError::MissingInput(i))
}

/// Input `i` by value if no one else holds it (so its buffer can be reused in place);
/// otherwise it stays in `args`.
pub(crate) fn take_unique(args: &mut Args, i: usize) -> Option<Tensor> {
    let slot = args.get_mut(i)?;
    match Arc::try_unwrap(slot.take()?) {
        Ok(t) => Some(t),
        Err(shared) => {
            *slot = Some(shared);
            None
        }
    }
}

pub(crate) fn f32s(t: &Tensor) -> Result<&[f32], OpError> {
    t.as_f32()
        .ok_or(OpError::Invalid("expected a float tensor".into()))
}

/// Normalizes a possibly negative axis for a tensor of rank `rank`.
pub(crate) fn axis(a: i64, rank: usize) -> Result<usize, OpError> {
    let r = rank as i64;
    let a = if a < 0 { a + r } else { a };
    if (0..r.max(1)).contains(&a) {
        Ok(a as usize)
    } else {
        Err(OpError::Invalid(
            format!("axis {a} out of range for rank {rank}").into(),
        ))
    }
}

/// `v[i] = f(v[i])`, monomorphic so that the loop is inlined and vectorized.
pub(crate) fn map_in_place(v: &mut [f32], f: impl Fn(f32) -> f32) {
    v.iter_mut().for_each(|e| *e = f(*e));
}

/// tanh as a rational function of degree 13/6 on [-7.9, 7.9] (Eigen's `ptanh`, which
/// TFLite's float TANH uses): no branches or calls, so loops over it vectorize. Within
/// 5e-7 of the true value; libm's `tanhf` took 10 ns a value.
#[allow(clippy::excessive_precision)] // Eigen's coefficients as written there
pub(crate) fn tanh(x: f32) -> f32 {
    let x = x.clamp(-7.905_311, 7.905_311);
    let x2 = x * x;
    let mut p = x2 * -2.760_768_5e-16 + 2.000_187_9e-13;
    p = x2 * p - 8.604_671_5e-11;
    p = x2 * p + 5.122_297e-8;
    p = x2 * p + 1.485_722_4e-5;
    p = x2 * p + 6.372_619_3e-4;
    p = x2 * p + 4.893_524_6e-3;
    let mut q = x2 * 1.198_258_4e-6 + 1.185_347_1e-4;
    q = x2 * q + 2.268_434_6e-3;
    q = x2 * q + 4.893_525_2e-3;
    let r = x * p / q;
    // below this the rational function loses relative precision; tanh(x) = x there
    if x.abs() < 0.0004 { x } else { r }
}

pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

pub(crate) fn eval(op: &Op, args: &mut Args, out: &TensorInfo) -> Result<Tensor, OpError> {
    use Kind::*;
    let o = &op.options;
    match op.kind {
        Add | Sub | Mul | Maximum | SquaredDifference | FloorMod => binary(op.kind, o.act, args),
        Less | GreaterEqual | NotEqual => compare(op.kind, args),
        Exp | Log | Tanh | Rsqrt | Round | LeakyRelu => {
            let mut x = take(args, 0)?;
            let Data::F32(v) = &mut x.data else {
                return Err(OpError::Invalid("expected a float tensor".into()));
            };
            match op.kind {
                Exp => map_in_place(v, f32::exp),
                Log => map_in_place(v, f32::ln),
                Tanh => map_in_place(v, tanh),
                Rsqrt => map_in_place(v, |e| 1.0 / e.sqrt()),
                Round => map_in_place(v, f32::round_ties_even),
                _ => {
                    let a = o.alpha;
                    map_in_place(v, |e| if e > 0.0 { e } else { e * a })
                }
            }
            x.quant = None;
            Ok(x)
        }
        Cast => cast(arg(args, 0)?, out.dtype),
        Dequantize => {
            let x = arg(args, 0)?;
            Ok(Tensor::f32(x.shape.clone(), x.floats()?))
        }
        Quantize => {
            let x = arg(args, 0)?;
            let q = out
                .quant
                .as_ref()
                .ok_or(OpError::Invalid("QUANTIZE output without scale".into()))?;
            if q.scale.len() != 1 {
                return Err(OpError::Unsupported(
                    "per-channel QUANTIZE is not supported".into(),
                ));
            }
            let (s, z) = (
                q.scale[0],
                q.zero_point.first().copied().unwrap_or(0) as f32,
            );
            let v = f32s(x)?
                .iter()
                .map(|&v| ((v / s).round() + z).clamp(-128.0, 127.0) as i8)
                .collect();
            Ok(Tensor {
                shape: x.shape.clone(),
                data: Data::I8(v),
                quant: Some(q.clone()),
            })
        }
        Reshape => {
            let x = take(args, 0)?;
            let spec: Vec<i64> = match args.get(1).and_then(|a| a.as_deref()) {
                Some(s) => s.ints()?,
                None => o.new_shape.iter().map(|&v| i64::from(v)).collect(),
            };
            let known: i64 = spec.iter().filter(|&&d| d >= 0).product();
            let shape = spec
                .iter()
                .map(|&d| {
                    if d < 0 {
                        x.len() / known.max(1) as usize
                    } else {
                        d as usize
                    }
                })
                .collect::<Vec<_>>();
            if shape.iter().product::<usize>() != x.len() {
                return Err(OpError::Invalid(
                    format!("cannot reshape {:?} to {spec:?}", x.shape).into(),
                ));
            }
            Ok(Tensor { shape, ..x })
        }
        ExpandDims => {
            let mut x = take(args, 0)?;
            let a = arg(args, 1)?.ints()?[0];
            let a = axis(a, x.shape.len() + 1)?;
            x.shape.insert(a, 1);
            Ok(x)
        }
        Squeeze => {
            let x = take(args, 0)?;
            let dims: Vec<usize> = o
                .squeeze
                .iter()
                .map(|&d| axis(i64::from(d), x.shape.len()))
                .collect::<Result<_, _>>()?;
            let shape = x
                .shape
                .iter()
                .enumerate()
                .filter(|&(i, &d)| !(d == 1 && (dims.is_empty() || dims.contains(&i))))
                .map(|(_, &d)| d)
                .collect();
            Ok(Tensor { shape, ..x })
        }
        Shape => {
            let x = arg(args, 0)?;
            let dims = x.shape.iter().map(|&d| d as i64);
            let n = x.shape.len();
            Ok(match out.dtype {
                DType::I64 => Tensor::with_data(vec![n], Data::I64(dims.collect())),
                _ => Tensor::i32(vec![n], dims.map(|d| d as i32).collect()),
            })
        }
        Transpose => {
            let x = arg(args, 0)?;
            let perm: Vec<usize> = arg(args, 1)?
                .ints()?
                .iter()
                .map(|&p| axis(p, x.shape.len()))
                .collect::<Result<_, _>>()?;
            transpose(x, &perm)
        }
        Pack => {
            let parts: Vec<&Tensor> = (0..args.len())
                .map(|i| arg(args, i))
                .collect::<Result<_, _>>()?;
            let first = parts[0];
            let a = axis(i64::from(o.axis), first.shape.len() + 1)?;
            let expanded: Vec<Tensor> = parts
                .iter()
                .map(|p| {
                    let mut shape = p.shape.clone();
                    shape.insert(a, 1);
                    Tensor {
                        shape,
                        ..(*p).clone()
                    }
                })
                .collect();
            concat(&expanded.iter().collect::<Vec<_>>(), a)
        }
        Concatenation => {
            let parts: Vec<&Tensor> = (0..args.len())
                .map(|i| arg(args, i))
                .collect::<Result<_, _>>()?;
            let a = axis(i64::from(o.axis), parts[0].shape.len())?;
            let mut t = concat(&parts, a)?;
            if let Data::F32(v) = &mut t.data {
                o.act.apply(v);
            }
            Ok(t)
        }
        StridedSlice => strided_slice(args, o),
        Gather => gather(arg(args, 0)?, arg(args, 1)?, o.axis),
        Tile => {
            let x = arg(args, 0)?;
            let reps = arg(args, 1)?.ints()?;
            tile(x, &reps)
        }
        Fill => {
            let dims: Vec<usize> = arg(args, 0)?
                .ints()?
                .iter()
                .map(|&d| d.max(0) as usize)
                .collect();
            let v = arg(args, 1)?;
            let n: usize = dims.iter().product();
            let data = match &v.data {
                Data::F32(x) => Data::F32(vec![x[0]; n]),
                Data::I32(x) => Data::I32(vec![x[0]; n]),
                Data::I64(x) => Data::I64(vec![x[0]; n]),
                Data::Bool(x) => Data::Bool(vec![x[0]; n]),
                Data::I8(_) => return Err(OpError::Invalid("FILL of int8".into())),
            };
            Ok(Tensor::with_data(dims, data))
        }
        Range => {
            let (s, l, d) = (arg(args, 0)?, arg(args, 1)?, arg(args, 2)?);
            match (&s.data, &l.data, &d.data) {
                (Data::I32(s), Data::I32(l), Data::I32(d)) => {
                    let (s, l, d) = (s[0], l[0], d[0]);
                    if d == 0 {
                        return Err(OpError::Invalid("RANGE with delta 0".into()));
                    }
                    let n = ((l - s) as f64 / d as f64).ceil().max(0.0) as usize;
                    Ok(Tensor::i32(
                        vec![n],
                        (0..n as i32).map(|i| s + i * d).collect(),
                    ))
                }
                _ => {
                    let (s, l, d) = (s.floats()?[0], l.floats()?[0], d.floats()?[0]);
                    let n = ((l - s) / d).ceil().max(0.0) as usize;
                    Ok(Tensor::f32(
                        vec![n],
                        (0..n).map(|i| s + i as f32 * d).collect(),
                    ))
                }
            }
        }
        Where => {
            let x = arg(args, 0)?;
            let Data::Bool(v) = &x.data else {
                return Err(OpError::Invalid("WHERE expects a bool tensor".into()));
            };
            let st = strides(&x.shape);
            let rank = x.shape.len();
            let mut coords = Vec::new();
            for (i, _) in v.iter().enumerate().filter(|(_, b)| **b) {
                for (d, s) in st.iter().enumerate() {
                    coords.push(((i / s) % x.shape[d]) as i64);
                }
            }
            let n = coords.len() / rank.max(1);
            Ok(Tensor::with_data(vec![n, rank], Data::I64(coords)))
        }
        Pad | MirrorPad => pad(
            arg(args, 0)?,
            &arg(args, 1)?.ints()?,
            op.kind == MirrorPad,
            o.symmetric,
        ),
        Mean | Sum | ReduceMax | ReduceProd => reduce(op.kind, arg(args, 0)?, arg(args, 1)?, o),
        Softmax => {
            let x = arg(args, 0)?;
            let n = *x
                .shape
                .last()
                .ok_or(OpError::Invalid("SOFTMAX of a scalar".into()))?;
            let mut v = f32s(x)?.to_vec();
            for row in v.chunks_mut(n.max(1)) {
                let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
                let mut sum = 0.0;
                for e in row.iter_mut() {
                    *e = ((*e - m) * o.beta).exp();
                    sum += *e;
                }
                row.iter_mut().for_each(|e| *e /= sum);
            }
            Ok(Tensor::f32(x.shape.clone(), v))
        }
        SpaceToBatchNd => space_to_batch(
            arg(args, 0)?,
            &arg(args, 1)?.ints()?,
            &arg(args, 2)?.ints()?,
        ),
        BatchToSpaceNd => batch_to_space(
            arg(args, 0)?,
            &arg(args, 1)?.ints()?,
            &arg(args, 2)?.ints()?,
        ),
        FullyConnected => fully_connected(args, o),
        Conv2d => conv2d(args, o, op.packed.as_deref()),
        TransposeConv => transpose_conv(args, o),
        BatchMatMul => batch_matmul(arg(args, 0)?, arg(args, 1)?, o.adj),
        RandomUniform => {
            // only reached after `disable_dropout`: a draw of all ones keeps every unit
            let dims: Vec<usize> = arg(args, 0)?
                .ints()?
                .iter()
                .map(|&d| d.max(0) as usize)
                .collect();
            let n = dims.iter().product();
            Ok(Tensor::f32(dims, vec![1.0; n]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize], v: &[f32]) -> Option<Arc<Tensor>> {
        Some(Arc::new(Tensor::f32(shape.to_vec(), v.to_vec())))
    }

    fn ints(v: &[i32]) -> Option<Arc<Tensor>> {
        Some(Arc::new(Tensor::i32(vec![v.len()], v.to_vec())))
    }

    #[test]
    fn add_broadcasts_a_bias_over_rows() {
        let mut args = [
            t(&[2, 3], &[1., 2., 3., 4., 5., 6.]),
            t(&[3], &[10., 20., 30.]),
        ];
        let r = binary(Kind::Add, Act::None, &mut args).unwrap();
        assert_eq!(r.as_f32().unwrap(), &[11., 22., 33., 14., 25., 36.]);
        let mut args = [t(&[2, 1], &[1., 2.]), t(&[1, 3], &[10., 20., 30.])];
        let r = binary(Kind::Mul, Act::None, &mut args).unwrap();
        assert_eq!(r.shape, vec![2, 3]);
        assert_eq!(r.as_f32().unwrap(), &[10., 20., 30., 20., 40., 60.]);
    }

    #[test]
    fn conv2d_same_padding_matches_a_hand_computed_1d_convolution() {
        // [1,1,4,1] input, kernel 3 of ones: moving sums with zero padding
        let o = Options {
            same: true,
            stride: (1, 1),
            dilation: (1, 1),
            ..Options::default()
        };
        let args = [
            t(&[1, 1, 4, 1], &[1., 2., 3., 4.]),
            t(&[1, 1, 3, 1], &[1., 1., 1.]),
            t(&[1], &[0.5]),
        ];
        let r = conv2d(&args, &o, None).unwrap();
        assert_eq!(r.as_f32().unwrap(), &[3.5, 6.5, 9.5, 7.5]);
    }

    /// TFLite's CONV_2D on `[1, 1, W, C]`, one multiply-add at a time.
    fn naive_conv1d(x: &[f32], c: usize, w: &[f32], co: usize, kw: usize, o: &Options) -> Vec<f32> {
        let wd = x.len() / c;
        let (pl, ow) = padding(o.same, wd, kw, o.stride.1, o.dilation.1);
        let mut out = vec![0.0; ow * co];
        for xo in 0..ow {
            for oc in 0..co {
                for j in 0..kw {
                    let xi = (xo * o.stride.1 + j * o.dilation.1) as i64 - pl as i64;
                    if (0..wd as i64).contains(&xi) {
                        for ci in 0..c {
                            out[xo * co + oc] +=
                                x[xi as usize * c + ci] * w[(oc * kw + j) * c + ci];
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn conv1d_with_stride_and_dilation_matches_the_definition_on_both_paths() {
        let (wd, c, kw) = (23, 5, 3);
        let x: Vec<f32> = (0..wd * c)
            .map(|i| ((i * 37 % 17) as f32 - 8.0) / 4.0)
            .collect();
        for co in [2, 9] {
            let w: Vec<f32> = (0..co * kw * c)
                .map(|i| ((i * 11 % 13) as f32 - 6.0) / 8.0)
                .collect();
            for (same, stride, dilation) in [(true, 1, 1), (true, 2, 3), (false, 3, 2)] {
                let o = Options {
                    same,
                    stride: (1, stride),
                    dilation: (1, dilation),
                    ..Options::default()
                };
                let args = [
                    t(&[1, 1, wd, c], &x),
                    t(&[co, 1, kw, c], &w),
                    t(&[co], &vec![0.0; co]),
                ];
                let got = conv2d(&args, &o, None).unwrap();
                let want = naive_conv1d(&x, c, &w, co, kw, &o);
                assert_eq!(got.shape, vec![1, 1, want.len() / co, co]);
                let err = max_diff(got.as_f32().unwrap(), &want);
                assert!(
                    err < 1e-5,
                    "co {co} stride {stride} dilation {dilation}: {err}"
                );
            }
        }
    }

    #[test]
    fn conv2d_over_two_dimensions_sums_each_window() {
        // [1,3,3,1] input 1..9, 2x2 kernel of ones, VALID: the four 2x2 window sums
        let o = Options {
            stride: (1, 1),
            dilation: (1, 1),
            ..Options::default()
        };
        let x: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let args = [
            t(&[1, 3, 3, 1], &x),
            t(&[1, 2, 2, 1], &[1., 1., 1., 1.]),
            t(&[1], &[0.0]),
        ];
        let r = conv2d(&args, &o, None).unwrap();
        assert_eq!(r.shape, vec![1, 2, 2, 1]);
        assert_eq!(r.as_f32().unwrap(), &[12., 16., 24., 28.]);
    }

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        assert_eq!(a.len(), b.len());
        a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
    }

    #[test]
    fn transpose_conv_upsamples_by_its_stride() {
        let o = Options {
            same: true,
            stride: (1, 2),
            ..Options::default()
        };
        let args = [
            ints(&[1, 1, 4, 1]),
            t(&[1, 1, 2, 1], &[1., 1.]),
            t(&[1, 1, 2, 1], &[3., 5.]),
        ];
        let r = transpose_conv(&args, &o).unwrap();
        assert_eq!(r.as_f32().unwrap(), &[3., 3., 5., 5.]);
    }

    #[test]
    fn tanh_is_within_5e7_of_the_true_value() {
        let worst = (-120_000..120_000)
            .map(|i| i as f32 * 1e-4)
            .map(|x| (f64::from(tanh(x)) - f64::from(x).tanh()).abs())
            .fold(0.0, f64::max);
        assert!(worst < 5e-7, "{worst}");
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(tanh(f32::INFINITY), tanh(100.0));
    }

    #[test]
    fn tile_repeats_each_dimension() {
        let x = Tensor::i32(vec![2, 1, 2], vec![1, 2, 3, 4]);
        let r = tile(&x, &[2, 3, 1]).unwrap();
        assert_eq!(r.shape, vec![4, 3, 2]);
        let want = [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4];
        assert_eq!(r.as_i32().unwrap(), [want, want].concat());
        assert_eq!(tile(&x, &[1, 0, 1]).unwrap().len(), 0);
    }

    #[test]
    fn binary_broadcasts_rows_and_columns_in_both_directions() {
        // [2,3,1] x [3,4]: each needs broadcasting, and neither has the output's shape
        let a: Vec<f32> = (0..6).map(|v| v as f32).collect();
        let b: Vec<f32> = (0..12).map(|v| v as f32 * 10.0).collect();
        let mut args = [t(&[2, 3, 1], &a), t(&[3, 4], &b)];
        let r = binary(Kind::Sub, Act::None, &mut args).unwrap();
        assert_eq!(r.shape, vec![2, 3, 4]);
        let want: Vec<f32> = (0..24).map(|i| a[i / 4] - b[i % 12]).collect();
        assert_eq!(r.as_f32().unwrap(), want);
        // the full-shape operand second, its buffer reused for `a - b`
        let mut args = [t(&[3, 1], &a[..3]), t(&[3, 4], &b)];
        let r = binary(Kind::Sub, Act::None, &mut args).unwrap();
        let want: Vec<f32> = (0..12).map(|i| a[i / 4] - b[i]).collect();
        assert_eq!(r.as_f32().unwrap(), want);
    }

    #[test]
    fn strided_slice_with_shrink_and_masks() {
        let x = Tensor::i32(vec![2, 3], vec![0, 1, 2, 3, 4, 5]);
        let o = Options {
            masks: [0, 2, 0, 0, 1],
            ..Options::default()
        };
        let args = [
            Some(Arc::new(x)),
            ints(&[1, 1]),
            ints(&[2, 0]),
            ints(&[1, 1]),
        ];
        let r = strided_slice(&args, &o).unwrap();
        assert_eq!(r.shape, vec![2]);
        assert_eq!(r.as_i32().unwrap(), &[4, 5]);
    }

    #[test]
    fn space_to_batch_then_back_is_the_identity() {
        let x = Tensor::f32(vec![1, 1, 6, 2], (0..12).map(|v| v as f32).collect());
        let s = space_to_batch(&x, &[1, 2], &[0, 0, 1, 1]).unwrap();
        assert_eq!(s.shape, vec![2, 1, 4, 2]);
        let back = batch_to_space(&s, &[1, 2], &[0, 0, 1, 1]).unwrap();
        assert_eq!(back, x);
    }

    #[test]
    fn reflect_pad_mirrors_without_the_edge() {
        let x = Tensor::f32(vec![1, 3, 1], vec![1., 2., 3.]);
        let r = pad(&x, &[0, 0, 2, 2, 0, 0], true, false).unwrap();
        assert_eq!(r.as_f32().unwrap(), &[3., 2., 1., 2., 3., 2., 1.]);
    }

    #[test]
    fn hybrid_quantization_matches_tflite_rules() {
        let (q, s) = quantize_symmetric(&[0.5, -1.0, 0.25]);
        assert_eq!(q, vec![64.0, -127.0, 32.0]);
        assert!((s - 1.0 / 127.0).abs() < 1e-9);
        assert_eq!(quantize_symmetric(&[0.0, 0.0]).0, vec![0.0, 0.0]);
    }

    #[test]
    fn batch_matmul_with_adjoint_b() {
        let a = Tensor::f32(vec![1, 2, 2], vec![1., 2., 3., 4.]);
        let b = Tensor::f32(vec![1, 2, 2], vec![1., 0., 0., 1.]);
        let r = batch_matmul(&a, &b, (false, true)).unwrap();
        assert_eq!(r.as_f32().unwrap(), &[1., 2., 3., 4.]);
    }
}
