//! Element-wise operators: broadcasting arithmetic, comparisons, casts.

use super::*;

/// Broadcast shape of two shapes (numpy rules).
pub(crate) fn broadcast_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>, OpError> {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            let da = if i + a.len() >= n {
                a[i + a.len() - n]
            } else {
                1
            };
            let db = if i + b.len() >= n {
                b[i + b.len() - n]
            } else {
                1
            };
            match (da, db) {
                (x, y) if x == y => Ok(x),
                (1, y) => Ok(y),
                (x, 1) => Ok(x),
                _ => Err(OpError::Invalid(
                    format!("shapes {a:?} and {b:?} do not broadcast").into(),
                )),
            }
        })
        .collect()
}

/// For each element of `shape`, the index into a tensor of shape `src` broadcast to it.
pub(crate) fn broadcast_index(src: &[usize], shape: &[usize]) -> Vec<usize> {
    let n = shape.len();
    let total: usize = shape.iter().product();
    if src.iter().product::<usize>() == total {
        return (0..total).collect();
    }
    let src_strides = strides(src);
    let mut eff = vec![0; n];
    for i in 0..src.len() {
        let d = i + n - src.len();
        eff[d] = if src[i] == 1 { 0 } else { src_strides[i] };
    }
    let out_strides = strides(shape);
    (0..total)
        .map(|flat| {
            let mut idx = 0;
            for d in 0..n {
                idx += (flat / out_strides[d]) % shape[d] * eff[d];
            }
            idx
        })
        .collect()
}

pub(crate) fn zip_broadcast<T: Copy, U>(
    a: &[T],
    sa: &[usize],
    b: &[T],
    sb: &[usize],
    f: impl Fn(T, T) -> U,
) -> Result<(Vec<usize>, Vec<U>), OpError> {
    let shape = broadcast_shape(sa, sb)?;
    let total: usize = shape.iter().product();
    let out = if a.len() == total && b.len() == total {
        a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()
    } else if a.len() == total
        && (b.len() == 1 || total.is_multiple_of(b.len().max(1)) && is_suffix(sb, &shape))
    {
        let n = b.len().max(1);
        a.iter().enumerate().map(|(i, &x)| f(x, b[i % n])).collect()
    } else if b.len() == total && (a.len() == 1 || is_suffix(sa, &shape)) {
        let n = a.len().max(1);
        b.iter().enumerate().map(|(i, &y)| f(a[i % n], y)).collect()
    } else {
        let ia = broadcast_index(sa, &shape);
        let ib = broadcast_index(sb, &shape);
        ia.iter().zip(&ib).map(|(&i, &j)| f(a[i], b[j])).collect()
    };
    Ok((shape, out))
}

/// Whether `s` (without leading 1s) equals the trailing dimensions of `shape`, so that it
/// repeats with period `len(s)`.
pub(crate) fn is_suffix(s: &[usize], shape: &[usize]) -> bool {
    let s: Vec<usize> = s.iter().copied().skip_while(|&d| d == 1).collect();
    s.len() <= shape.len() && shape[shape.len() - s.len()..] == s[..]
}

/// The tensor's values as floats, borrowed when they already are.
pub(crate) fn float_view(t: &Tensor) -> Result<std::borrow::Cow<'_, [f32]>, OpError> {
    match &t.data {
        Data::F32(v) => Ok(std::borrow::Cow::Borrowed(v)),
        _ => Ok(std::borrow::Cow::Owned(t.floats()?)),
    }
}

pub(crate) fn binary(kind: Kind, act: Act, args: &mut Args) -> Result<Tensor, OpError> {
    let (a, b) = (arg(args, 0)?, arg(args, 1)?);
    match (&a.data, &b.data) {
        (Data::I32(x), Data::I32(y)) => {
            let f = |p: i32, q: i32| -> i32 {
                match kind {
                    Kind::Add => p.wrapping_add(q),
                    Kind::Sub => p.wrapping_sub(q),
                    Kind::Mul => p.wrapping_mul(q),
                    Kind::Maximum => p.max(q),
                    Kind::SquaredDifference => (p - q) * (p - q),
                    _ => {
                        if q == 0 {
                            0
                        } else {
                            let r = p % q;
                            if r != 0 && ((r < 0) != (q < 0)) {
                                r + q
                            } else {
                                r
                            }
                        }
                    }
                }
            };
            let (shape, v) = zip_broadcast(x, &a.shape, y, &b.shape, f)?;
            Ok(Tensor::i32(shape, v))
        }
        _ => match kind {
            Kind::Add => binary_f32(args, act, |p, q| p + q),
            Kind::Sub => binary_f32(args, act, |p, q| p - q),
            Kind::Mul => binary_f32(args, act, |p, q| p * q),
            Kind::Maximum => binary_f32(args, act, f32::max),
            Kind::SquaredDifference => binary_f32(args, act, |p, q| (p - q) * (p - q)),
            _ => binary_f32(args, act, |p, q| p - (p / q).floor() * q),
        },
    }
}

/// A float elementwise operator `f(a, b)` with broadcasting. The result goes into the
/// buffer of an input that has the output's shape and that no one else holds, if any.
pub(crate) fn binary_f32(
    args: &mut Args,
    act: Act,
    f: impl Fn(f32, f32) -> f32,
) -> Result<Tensor, OpError> {
    let (a, b) = (arg(args, 0)?, arg(args, 1)?);
    let shape = broadcast_shape(&a.shape, &b.shape)?;
    let total: usize = shape.iter().product();
    let reusable = |t: &Tensor| matches!(t.data, Data::F32(_)) && t.len() == total;
    let (a_reusable, b_reusable) = (reusable(a), reusable(b));
    let mut result = None;
    if a_reusable && let Some(mut x) = take_unique(args, 0) {
        let b = arg(args, 1)?;
        if let Data::F32(v) = &mut x.data {
            combine_into(v, &shape, &float_view(b)?, &b.shape, &f);
        }
        result = Some(x);
    } else if b_reusable && let Some(mut y) = take_unique(args, 1) {
        let a = arg(args, 0)?;
        if let Data::F32(v) = &mut y.data {
            combine_into(v, &shape, &float_view(a)?, &a.shape, |q, p| f(p, q));
        }
        result = Some(y);
    }
    let mut t = match result {
        Some(t) => t,
        None => {
            let (a, b) = (arg(args, 0)?, arg(args, 1)?);
            let x = float_view(a)?;
            let mut v: Vec<f32> = if x.len() == total {
                x.into_owned()
            } else {
                let mut v = vec![0.0; total];
                combine_into(&mut v, &shape, &x, &a.shape, |_, p| p);
                v
            };
            combine_into(&mut v, &shape, &float_view(b)?, &b.shape, &f);
            Tensor::f32(shape.clone(), v)
        }
    };
    t.shape = shape;
    t.quant = None;
    if let Data::F32(v) = &mut t.data {
        act.apply(v);
    }
    Ok(t)
}

/// `out[i] = f(out[i], y[j])`, with `y` (of shape `ys`) broadcast to `shape`, the shape of
/// `out`.
pub(crate) fn combine_into(
    out: &mut [f32],
    shape: &[usize],
    y: &[f32],
    ys: &[usize],
    f: impl Fn(f32, f32) -> f32,
) {
    if y.len() == out.len() {
        out.iter_mut().zip(y).for_each(|(o, &q)| *o = f(*o, q));
    } else if y.len() == 1 {
        let q = y[0];
        out.iter_mut().for_each(|o| *o = f(*o, q));
    } else if !y.is_empty() && is_suffix(ys, shape) {
        for row in out.chunks_exact_mut(y.len()) {
            row.iter_mut().zip(y).for_each(|(o, &q)| *o = f(*o, q));
        }
    } else {
        // row by row along the last dimension, which `y` either has or repeats
        let rank = shape.len();
        let last = shape.last().copied().unwrap_or(1).max(1);
        let y_last = if ys.len() == rank { ys[rank - 1] } else { 1 };
        let mut y_shape = vec![1; rank - ys.len().min(rank)];
        y_shape.extend(&ys[ys.len().saturating_sub(rank)..]);
        let y_strides = strides(&y_shape);
        for (r, row) in out.chunks_exact_mut(last).enumerate() {
            // the row's coordinates in the outer dimensions → its start in `y`
            let (mut rest, mut start) = (r, 0);
            for d in (0..rank.saturating_sub(1)).rev() {
                let coord = rest % shape[d];
                rest /= shape[d];
                if y_shape[d] != 1 {
                    start += coord * y_strides[d];
                }
            }
            if y_last == 1 {
                let q = y[start];
                row.iter_mut().for_each(|o| *o = f(*o, q));
            } else {
                let ys = &y[start..start + last];
                row.iter_mut().zip(ys).for_each(|(o, &q)| *o = f(*o, q));
            }
        }
    }
}

pub(crate) fn compare(kind: Kind, args: &Args) -> Result<Tensor, OpError> {
    let (a, b) = (arg(args, 0)?, arg(args, 1)?);
    let (shape, v) = match (&a.data, &b.data) {
        (Data::I32(x), Data::I32(y)) => {
            zip_broadcast(x, &a.shape, y, &b.shape, |p, q| match kind {
                Kind::Less => p < q,
                Kind::GreaterEqual => p >= q,
                _ => p != q,
            })?
        }
        (Data::I64(_), _) | (_, Data::I64(_)) => {
            let (x, y) = (a.ints()?, b.ints()?);
            zip_broadcast(&x, &a.shape, &y, &b.shape, |p, q| match kind {
                Kind::Less => p < q,
                Kind::GreaterEqual => p >= q,
                _ => p != q,
            })?
        }
        _ => {
            let (x, y) = (a.floats()?, b.floats()?);
            zip_broadcast(&x, &a.shape, &y, &b.shape, |p, q| match kind {
                Kind::Less => p < q,
                Kind::GreaterEqual => p >= q,
                _ => p != q,
            })?
        }
    };
    Ok(Tensor::with_data(shape, Data::Bool(v)))
}

pub(crate) fn cast(x: &Tensor, to: DType) -> Result<Tensor, OpError> {
    let shape = x.shape.clone();
    let data = match to {
        DType::F32 => Data::F32(x.floats()?),
        DType::I32 => Data::I32(match &x.data {
            Data::F32(v) => v.iter().map(|&f| f as i32).collect(),
            Data::Bool(v) => v.iter().map(|&b| i32::from(b)).collect(),
            _ => x.ints()?.iter().map(|&i| i as i32).collect(),
        }),
        DType::I64 => Data::I64(match &x.data {
            Data::F32(v) => v.iter().map(|&f| f as i64).collect(),
            Data::Bool(v) => v.iter().map(|&b| i64::from(b)).collect(),
            _ => x.ints()?,
        }),
        DType::Bool => Data::Bool(x.floats()?.iter().map(|&f| f != 0.0).collect()),
        DType::I8 => return Err(OpError::Unsupported("CAST to int8 is not supported".into())),
    };
    Ok(Tensor::with_data(shape, data))
}
