//! Operators that move values without arithmetic: gather, transpose, concat, slice, tile,
//! pad, reductions, space-to-batch and back.

use super::*;

/// Gathers elements at flat source indices, keeping the element type.
pub(crate) fn pick(x: &Tensor, shape: Vec<usize>, idx: impl Iterator<Item = usize>) -> Tensor {
    let data = match &x.data {
        Data::F32(v) => Data::F32(idx.map(|i| v[i]).collect()),
        Data::I32(v) => Data::I32(idx.map(|i| v[i]).collect()),
        Data::I64(v) => Data::I64(idx.map(|i| v[i]).collect()),
        Data::Bool(v) => Data::Bool(idx.map(|i| v[i]).collect()),
        Data::I8(v) => Data::I8(idx.map(|i| v[i]).collect()),
    };
    Tensor {
        shape,
        data,
        quant: x.quant.clone(),
    }
}

pub(crate) fn transpose(x: &Tensor, perm: &[usize]) -> Result<Tensor, OpError> {
    if perm.len() != x.shape.len() {
        return Err(OpError::Invalid(
            "TRANSPOSE permutation has the wrong length".into(),
        ));
    }
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape[p]).collect();
    let src = strides(&x.shape);
    let out_strides = strides(&shape);
    let total = x.len();
    let idx = (0..total).map(|flat| {
        let mut i = 0;
        for d in 0..shape.len() {
            i += (flat / out_strides[d]) % shape[d] * src[perm[d]];
        }
        i
    });
    Ok(pick(x, shape.clone(), idx))
}

pub(crate) fn concat(parts: &[&Tensor], a: usize) -> Result<Tensor, OpError> {
    let first = parts[0];
    let outer: usize = first.shape[..a].iter().product();
    let mut shape = first.shape.clone();
    shape[a] = parts.iter().map(|p| p.shape[a]).sum();
    for p in parts {
        if p.shape.len() != first.shape.len() {
            return Err(OpError::Invalid("CONCATENATION of different ranks".into()));
        }
    }
    let mut idx: Vec<(usize, usize)> = Vec::with_capacity(shape.iter().product());
    for o in 0..outer {
        for (k, p) in parts.iter().enumerate() {
            let block: usize = p.shape[a..].iter().product();
            idx.extend((0..block).map(|i| (k, o * block + i)));
        }
    }
    macro_rules! join {
        ($variant:ident) => {{
            let srcs: Vec<&Vec<_>> = parts
                .iter()
                .map(|p| match &p.data {
                    Data::$variant(v) => Ok(v),
                    _ => Err(OpError::Invalid("CONCATENATION of mixed types".into())),
                })
                .collect::<Result<_, _>>()?;
            Data::$variant(idx.iter().map(|&(k, i)| srcs[k][i]).collect())
        }};
    }
    let data = match &first.data {
        Data::F32(_) => join!(F32),
        Data::I32(_) => join!(I32),
        Data::I64(_) => join!(I64),
        Data::Bool(_) => join!(Bool),
        Data::I8(_) => join!(I8),
    };
    Ok(Tensor {
        shape,
        data,
        quant: first.quant.clone(),
    })
}

pub(crate) fn strided_slice(args: &Args, o: &Options) -> Result<Tensor, OpError> {
    let x = arg(args, 0)?;
    let (begin, end, step) = (
        arg(args, 1)?.ints()?,
        arg(args, 2)?.ints()?,
        arg(args, 3)?.ints()?,
    );
    let [begin_mask, end_mask, ellipsis, new_axis, shrink] = o.masks;
    if ellipsis != 0 || new_axis != 0 || o.slice_offset {
        return Err(OpError::Unsupported(
            "STRIDED_SLICE with ellipsis, new axis or offset is not supported".into(),
        ));
    }
    let rank = x.shape.len();
    let mut starts = Vec::new();
    let mut counts = Vec::new();
    let mut steps = Vec::new();
    let mut shape = Vec::new();
    for d in 0..rank {
        let dim = x.shape[d] as i64;
        if d >= begin.len() {
            starts.push(0);
            counts.push(dim as usize);
            steps.push(1);
            shape.push(dim as usize);
            continue;
        }
        let s = step[d];
        if s == 0 {
            return Err(OpError::Invalid("STRIDED_SLICE with stride 0".into()));
        }
        let norm = |v: i64| if v < 0 { v + dim } else { v };
        let bit = |m: i32| m & (1 << d) != 0;
        let mut b = if bit(begin_mask) {
            if s > 0 { 0 } else { dim - 1 }
        } else {
            norm(begin[d])
        };
        let mut e = if bit(end_mask) {
            if s > 0 { dim } else { -1 }
        } else {
            norm(end[d])
        };
        if bit(shrink) {
            b = norm(begin[d]);
            e = b + 1;
            if !(0..dim).contains(&b) {
                return Err(OpError::Invalid(
                    "STRIDED_SLICE shrinks an axis out of range".into(),
                ));
            }
            starts.push(b as usize);
            counts.push(1);
            steps.push(1);
            continue;
        }
        if s > 0 {
            b = b.clamp(0, dim);
            e = e.clamp(0, dim);
        } else {
            b = b.clamp(-1, dim - 1);
            e = e.clamp(-1, dim - 1);
        }
        let n = if s > 0 {
            ((e - b).max(0) + s - 1) / s
        } else {
            ((b - e).max(0) + (-s) - 1) / (-s)
        };
        starts.push(b.max(0) as usize);
        counts.push(n as usize);
        steps.push(s);
        shape.push(n as usize);
    }
    let src = strides(&x.shape);
    let total: usize = counts.iter().product();
    let cstr = strides(&counts);
    let idx = (0..total).map(|flat| {
        let mut i = 0i64;
        for d in 0..rank {
            let k = ((flat / cstr[d]) % counts[d]) as i64;
            i += (starts[d] as i64 + k * steps[d]) * src[d] as i64;
        }
        i as usize
    });
    Ok(pick(x, shape, idx))
}

pub(crate) fn gather(params: &Tensor, indices: &Tensor, ax: i32) -> Result<Tensor, OpError> {
    let a = axis(i64::from(ax), params.shape.len())?;
    let ids = indices.ints()?;
    let outer: usize = params.shape[..a].iter().product();
    let n = params.shape[a];
    let inner: usize = params.shape[a + 1..].iter().product();
    for &i in &ids {
        if i < 0 || i as usize >= n {
            return Err(OpError::Invalid(
                format!("GATHER index {i} out of range 0..{n}").into(),
            ));
        }
    }
    let mut shape = params.shape[..a].to_vec();
    shape.extend(&indices.shape);
    shape.extend(&params.shape[a + 1..]);
    let idx = (0..outer).flat_map(|o| {
        ids.iter()
            .flat_map(move |&i| (0..inner).map(move |k| (o * n + i as usize) * inner + k))
    });
    Ok(pick(params, shape, idx))
}

pub(crate) fn tile(x: &Tensor, reps: &[i64]) -> Result<Tensor, OpError> {
    if reps.len() != x.shape.len() {
        return Err(OpError::Invalid(
            "TILE multiples have the wrong length".into(),
        ));
    }
    let reps: Vec<usize> = reps.iter().map(|&r| r.max(0) as usize).collect();
    let shape: Vec<usize> = x.shape.iter().zip(&reps).map(|(&d, &r)| d * r).collect();
    let total: usize = shape.iter().product();
    let data = match &x.data {
        Data::F32(v) => Data::F32(tiled(v, &x.shape, &reps, total)),
        Data::I32(v) => Data::I32(tiled(v, &x.shape, &reps, total)),
        Data::I64(v) => Data::I64(tiled(v, &x.shape, &reps, total)),
        Data::Bool(v) => Data::Bool(tiled(v, &x.shape, &reps, total)),
        Data::I8(v) => Data::I8(tiled(v, &x.shape, &reps, total)),
    };
    Ok(Tensor {
        shape,
        data,
        quant: x.quant.clone(),
    })
}

/// `v` (of `shape`) repeated `reps[d]` times along each dimension `d`: each block is built
/// once, then copied whole.
pub(crate) fn tiled<T: Copy>(v: &[T], shape: &[usize], reps: &[usize], total: usize) -> Vec<T> {
    fn fill<T: Copy>(v: &[T], shape: &[usize], reps: &[usize], out: &mut Vec<T>) {
        let (Some((&n, inner_shape)), Some((&r, inner_reps))) =
            (shape.split_first(), reps.split_first())
        else {
            out.push(v[0]);
            return;
        };
        let start = out.len();
        if inner_shape.is_empty() {
            out.extend_from_slice(&v[..n]);
        } else {
            let inner: usize = inner_shape.iter().product();
            for i in 0..n {
                fill(&v[i * inner..(i + 1) * inner], inner_shape, inner_reps, out);
            }
        }
        let block = out.len() - start;
        for _ in 1..r {
            out.extend_from_within(start..start + block);
        }
    }
    let mut out = Vec::with_capacity(total);
    if total > 0 {
        fill(v, shape, reps, &mut out);
    }
    out
}

pub(crate) fn pad(x: &Tensor, p: &[i64], mirror: bool, symmetric: bool) -> Result<Tensor, OpError> {
    let rank = x.shape.len();
    if p.len() != 2 * rank {
        return Err(OpError::Invalid("PAD paddings have the wrong shape".into()));
    }
    let src = strides(&x.shape);
    // per dimension: output coordinate → source offset (`None`: a padded zero)
    let mut maps: Vec<Vec<Option<usize>>> = Vec::with_capacity(rank);
    for d in 0..rank {
        let n = x.shape[d] as i64;
        let before = p[2 * d].max(0);
        let len = n + before + p[2 * d + 1].max(0);
        let mut map = Vec::with_capacity(len as usize);
        for o in 0..len {
            let mut c = o - before;
            if c < 0 || c >= n {
                if !mirror {
                    map.push(None);
                    continue;
                }
                let off = i64::from(symmetric);
                c = if c < 0 { -c - off } else { 2 * n - 2 - c + off };
                if c < 0 || c >= n {
                    return Err(OpError::Invalid("MIRROR_PAD wider than the input".into()));
                }
            }
            map.push(Some(c as usize * src[d]));
        }
        maps.push(map);
    }
    let shape: Vec<usize> = maps.iter().map(Vec::len).collect();
    let data = match &x.data {
        Data::F32(v) => Data::F32(gather_padded(v, 0.0, &maps)),
        Data::I32(v) => Data::I32(gather_padded(v, 0, &maps)),
        _ => {
            return Err(OpError::Unsupported(
                "PAD of this type is not supported".into(),
            ));
        }
    };
    Ok(Tensor::with_data(shape, data))
}

/// The padded tensor in row-major order: each output element is `v[Σ maps[d][i_d]]`, or
/// `zero` where any dimension's map is `None`.
pub(crate) fn gather_padded<T: Copy>(v: &[T], zero: T, maps: &[Vec<Option<usize>>]) -> Vec<T> {
    /// `whole_rows`: the last dimension is not padded, so its rows are copied whole.
    fn fill<T: Copy>(
        v: &[T],
        zero: T,
        maps: &[Vec<Option<usize>>],
        base: Option<usize>,
        whole_rows: bool,
        out: &mut Vec<T>,
    ) {
        let Some((map, rest)) = maps.split_first() else {
            out.push(base.map_or(zero, |b| v[b]));
            return;
        };
        if rest.is_empty() {
            match base {
                Some(b) if whole_rows => out.extend_from_slice(&v[b..b + map.len()]),
                Some(b) => out.extend(map.iter().map(|m| m.map_or(zero, |c| v[b + c]))),
                None => out.extend(std::iter::repeat_n(zero, map.len())),
            }
        } else {
            for m in map {
                let base = base.and_then(|b| m.map(|c| b + c));
                fill(v, zero, rest, base, whole_rows, out);
            }
        }
    }
    let whole_rows = maps
        .last()
        .is_some_and(|m| m.iter().enumerate().all(|(i, &c)| c == Some(i)));
    let total: usize = maps.iter().map(Vec::len).product();
    let mut out = Vec::with_capacity(total);
    fill(v, zero, maps, Some(0), whole_rows, &mut out);
    out
}

pub(crate) fn reduce(
    kind: Kind,
    x: &Tensor,
    axes: &Tensor,
    o: &Options,
) -> Result<Tensor, OpError> {
    let rank = x.shape.len();
    let mut reduced = vec![false; rank];
    for a in axes.ints()? {
        reduced[axis(a, rank)?] = true;
    }
    let out_full: Vec<usize> = (0..rank)
        .map(|d| if reduced[d] { 1 } else { x.shape[d] })
        .collect();
    let shape: Vec<usize> = if o.keep_dims {
        out_full.clone()
    } else {
        (0..rank)
            .filter(|&d| !reduced[d])
            .map(|d| x.shape[d])
            .collect()
    };
    let ostr = strides(&out_full);
    let istr = strides(&x.shape);
    let total = x.len();
    let out_of = |flat: usize| {
        let mut i = 0;
        for d in 0..rank {
            if !reduced[d] {
                i += (flat / istr[d]) % x.shape[d] * ostr[d];
            }
        }
        i
    };
    let n_out: usize = out_full.iter().product();
    let count = (total / n_out.max(1)).max(1);
    match &x.data {
        Data::I32(v) => {
            let init = match kind {
                Kind::ReduceMax => i32::MIN,
                Kind::ReduceProd => 1,
                _ => 0,
            };
            let mut acc = vec![init; n_out];
            for (flat, &e) in v.iter().enumerate() {
                let a = &mut acc[out_of(flat)];
                *a = match kind {
                    Kind::ReduceMax => (*a).max(e),
                    Kind::ReduceProd => *a * e,
                    _ => *a + e,
                };
            }
            if kind == Kind::Mean {
                acc.iter_mut().for_each(|a| *a /= count as i32);
            }
            Ok(Tensor::i32(shape, acc))
        }
        Data::F32(v) => {
            // fast path: reducing the last axis only
            let last_only = reduced.iter().rposition(|&r| r) == Some(rank - 1)
                && reduced.iter().filter(|&&r| r).count() == 1;
            let init = match kind {
                Kind::ReduceMax => f32::NEG_INFINITY,
                Kind::ReduceProd => 1.0,
                _ => 0.0,
            };
            let mut acc = vec![init; n_out];
            if last_only {
                let n = x.shape[rank - 1].max(1);
                for (a, row) in acc.iter_mut().zip(v.chunks(n)) {
                    *a = match kind {
                        Kind::ReduceMax => row.iter().fold(init, |m, &e| m.max(e)),
                        Kind::ReduceProd => row.iter().product(),
                        _ => row.iter().sum(),
                    };
                }
            } else {
                for (flat, &e) in v.iter().enumerate() {
                    let a = &mut acc[out_of(flat)];
                    *a = match kind {
                        Kind::ReduceMax => a.max(e),
                        Kind::ReduceProd => *a * e,
                        _ => *a + e,
                    };
                }
            }
            if kind == Kind::Mean {
                acc.iter_mut().for_each(|a| *a /= count as f32);
            }
            Ok(Tensor::f32(shape, acc))
        }
        _ => Err(OpError::Unsupported(
            "reduction of this type is not supported".into(),
        )),
    }
}

/// Spatial block ops work on `[N, H, W, C]`; a single spatial dimension is treated as W
/// with H = 1... except that TFLite's 1-D form is `[N, W, C]`, which is handled by
/// inserting H = 1.
pub(crate) fn as_4d(x: &Tensor, block: &[i64]) -> Result<(Vec<usize>, (usize, usize)), OpError> {
    match (x.shape.len(), block.len()) {
        (4, 2) => Ok((x.shape.clone(), (block[0] as usize, block[1] as usize))),
        (3, 1) => Ok((
            vec![x.shape[0], 1, x.shape[1], x.shape[2]],
            (1, block[0] as usize),
        )),
        _ => Err(OpError::Unsupported(
            format!(
                "space/batch op on shape {:?} with block {block:?} is not supported",
                x.shape
            )
            .into(),
        )),
    }
}

pub(crate) fn space_to_batch(x: &Tensor, block: &[i64], pads: &[i64]) -> Result<Tensor, OpError> {
    let (s, (bh, bw)) = as_4d(x, block)?;
    let (pt, pb, pl, pr) = if block.len() == 2 {
        (pads[0], pads[1], pads[2], pads[3])
    } else {
        (0, 0, pads[0], pads[1])
    };
    let [n, h, w, c] = [s[0], s[1], s[2], s[3]];
    let (hp, wp) = (h + (pt + pb) as usize, w + (pl + pr) as usize);
    if bh == 0 || bw == 0 || hp % bh != 0 || wp % bw != 0 {
        return Err(OpError::Invalid(
            "SPACE_TO_BATCH_ND padding does not divide the block".into(),
        ));
    }
    let (oh, ow) = (hp / bh, wp / bw);
    let v = f32s(x)?;
    let mut out = vec![0.0; n * bh * bw * oh * ow * c];
    for yo in 0..bh {
        for xo in 0..bw {
            for b in 0..n {
                let ob = (yo * bw + xo) * n + b;
                for i in 0..oh {
                    let y = (i * bh + yo) as i64 - pt;
                    if y < 0 || y >= h as i64 {
                        continue;
                    }
                    for j in 0..ow {
                        let xx = (j * bw + xo) as i64 - pl;
                        if xx < 0 || xx >= w as i64 {
                            continue;
                        }
                        let src = ((b * h + y as usize) * w + xx as usize) * c;
                        let dst = ((ob * oh + i) * ow + j) * c;
                        out[dst..dst + c].copy_from_slice(&v[src..src + c]);
                    }
                }
            }
        }
    }
    let shape = if block.len() == 2 {
        vec![n * bh * bw, oh, ow, c]
    } else {
        vec![n * bw, ow, c]
    };
    Ok(Tensor::f32(shape, out))
}

pub(crate) fn batch_to_space(x: &Tensor, block: &[i64], crops: &[i64]) -> Result<Tensor, OpError> {
    let (s, (bh, bw)) = as_4d(x, block)?;
    let (ct, cb, cl, cr) = if block.len() == 2 {
        (crops[0], crops[1], crops[2], crops[3])
    } else {
        (0, 0, crops[0], crops[1])
    };
    let [nb, h, w, c] = [s[0], s[1], s[2], s[3]];
    if bh * bw == 0 || nb % (bh * bw) != 0 {
        return Err(OpError::Invalid(
            "BATCH_TO_SPACE_ND batch does not divide the block".into(),
        ));
    }
    let n = nb / (bh * bw);
    let oh = (h * bh) as i64 - ct - cb;
    let ow = (w * bw) as i64 - cl - cr;
    if oh < 0 || ow < 0 {
        return Err(OpError::Invalid(
            "BATCH_TO_SPACE_ND crops more than the input".into(),
        ));
    }
    let (oh, ow) = (oh as usize, ow as usize);
    let v = f32s(x)?;
    let mut out = vec![0.0; n * oh * ow * c];
    for ib in 0..nb {
        let b = ib % n;
        let yo = (ib / n) / bw;
        let xo = (ib / n) % bw;
        for i in 0..h {
            let y = (i * bh + yo) as i64 - ct;
            if y < 0 || y >= oh as i64 {
                continue;
            }
            for j in 0..w {
                let xx = (j * bw + xo) as i64 - cl;
                if xx < 0 || xx >= ow as i64 {
                    continue;
                }
                let src = ((ib * h + i) * w + j) * c;
                let dst = ((b * oh + y as usize) * ow + xx as usize) * c;
                out[dst..dst + c].copy_from_slice(&v[src..src + c]);
            }
        }
    }
    let shape = if block.len() == 2 {
        vec![n, oh, ow, c]
    } else {
        vec![n, ow, c]
    };
    Ok(Tensor::f32(shape, out))
}
