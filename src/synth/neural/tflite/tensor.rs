//! Tensors: element types, quantization parameters and the values operators pass on.

use super::OpError;

/// Element type of a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I32,
    I64,
    Bool,
    I8,
}

impl DType {
    pub(crate) fn from_tflite(code: u8) -> Option<DType> {
        Some(match code {
            0 => DType::F32,
            2 => DType::I32,
            4 => DType::I64,
            6 => DType::Bool,
            9 => DType::I8,
            _ => return None,
        })
    }
}

/// Affine quantization: `real = scale * (q - zero_point)`, per channel along `dim` when
/// there is more than one scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Quant {
    pub scale: Vec<f32>,
    pub zero_point: Vec<i64>,
    pub dim: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    Bool(Vec<bool>),
    /// Int8 values; their [`Quant`] lives on the tensor.
    I8(Vec<i8>),
}

/// A value flowing through the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub data: Data,
    pub quant: Option<Quant>,
}

impl Tensor {
    pub fn f32(shape: Vec<usize>, data: Vec<f32>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Tensor {
            shape,
            data: Data::F32(data),
            quant: None,
        }
    }

    pub fn i32(shape: Vec<usize>, data: Vec<i32>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Tensor {
            shape,
            data: Data::I32(data),
            quant: None,
        }
    }

    pub(crate) fn with_data(shape: Vec<usize>, data: Data) -> Tensor {
        Tensor {
            shape,
            data,
            quant: None,
        }
    }

    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.data {
            Data::F32(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_i32(&self) -> Option<&[i32]> {
        match &self.data {
            Data::I32(v) => Some(v),
            _ => None,
        }
    }

    /// Integer contents (shape vectors, axes, indices) widened to i64.
    pub(crate) fn ints(&self) -> Result<Vec<i64>, OpError> {
        Ok(match &self.data {
            Data::I32(v) => v.iter().map(|&x| i64::from(x)).collect(),
            Data::I64(v) => v.clone(),
            _ => return Err(OpError::Invalid("expected an integer tensor".into())),
        })
    }

    /// The values as floats (int8 dequantized, integers converted).
    pub fn floats(&self) -> Result<Vec<f32>, OpError> {
        Ok(match &self.data {
            Data::F32(v) => v.clone(),
            Data::I32(v) => v.iter().map(|&x| x as f32).collect(),
            Data::I64(v) => v.iter().map(|&x| x as f32).collect(),
            Data::Bool(v) => v.iter().map(|&x| f32::from(u8::from(x))).collect(),
            Data::I8(v) => dequantize(v, &self.shape, self.quant.as_ref())?,
        })
    }
}

pub(crate) fn dequantize(
    v: &[i8],
    shape: &[usize],
    quant: Option<&Quant>,
) -> Result<Vec<f32>, OpError> {
    let q = quant.ok_or(OpError::Invalid(
        "int8 tensor without quantization parameters".into(),
    ))?;
    if q.scale.len() <= 1 {
        let s = q.scale.first().copied().unwrap_or(1.0);
        let z = q.zero_point.first().copied().unwrap_or(0) as f32;
        return Ok(v.iter().map(|&x| (f32::from(x) - z) * s).collect());
    }
    let inner: usize = shape.get(q.dim + 1..).map_or(1, |s| s.iter().product());
    let channels = shape.get(q.dim).copied().unwrap_or(1);
    Ok(v.iter()
        .enumerate()
        .map(|(i, &x)| {
            let c = (i / inner) % channels;
            let z = q.zero_point.get(c).copied().unwrap_or(0) as f32;
            (f32::from(x) - z) * q.scale[c]
        })
        .collect())
}

pub(crate) fn decode(dtype: DType, bytes: &[u8]) -> Data {
    fn chunks<const N: usize, T>(b: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
        b.chunks_exact(N)
            .map(|c| f(c.try_into().expect("chunk size")))
            .collect()
    }
    match dtype {
        DType::F32 => Data::F32(chunks(bytes, f32::from_le_bytes)),
        DType::I32 => Data::I32(chunks(bytes, i32::from_le_bytes)),
        DType::I64 => Data::I64(chunks(bytes, i64::from_le_bytes)),
        DType::Bool => Data::Bool(bytes.iter().map(|&b| b != 0).collect()),
        DType::I8 => Data::I8(bytes.iter().map(|&b| b as i8).collect()),
    }
}
