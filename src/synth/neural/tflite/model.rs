//! The model file's operators: which builtin each is, its fused activation and options.

use std::sync::Arc;

use super::*;
use crate::synth::neural::flatbuf::Table;
use crate::synth::neural::int8::PackedI8;

/// Builtin operators this interpreter implements (TFLite `BuiltinOperator` codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Add,
    BatchMatMul,
    BatchToSpaceNd,
    Cast,
    Concatenation,
    Conv2d,
    Dequantize,
    Exp,
    ExpandDims,
    Fill,
    FloorMod,
    FullyConnected,
    Gather,
    GreaterEqual,
    LeakyRelu,
    Less,
    Log,
    Maximum,
    Mean,
    MirrorPad,
    Mul,
    NotEqual,
    Pack,
    Pad,
    Quantize,
    Range,
    ReduceMax,
    ReduceProd,
    Reshape,
    Round,
    Rsqrt,
    Shape,
    Softmax,
    SpaceToBatchNd,
    SquaredDifference,
    Squeeze,
    StridedSlice,
    Sub,
    Sum,
    Tanh,
    Tile,
    Transpose,
    TransposeConv,
    Where,
    /// `FlexRandomUniform`, used only by dropout layers left in the graph; see
    /// [`Graph::disable_dropout`].
    RandomUniform,
}

impl Kind {
    pub(crate) fn from_code(code: i32) -> Option<Kind> {
        use Kind::*;
        Some(match code {
            0 => Add,
            2 => Concatenation,
            3 => Conv2d,
            6 => Dequantize,
            9 => FullyConnected,
            18 => Mul,
            22 => Reshape,
            25 => Softmax,
            28 => Tanh,
            34 => Pad,
            36 => Gather,
            37 => BatchToSpaceNd,
            38 => SpaceToBatchNd,
            39 => Transpose,
            40 => Mean,
            41 => Sub,
            43 => Squeeze,
            45 => StridedSlice,
            47 => Exp,
            53 => Cast,
            55 => Maximum,
            58 => Less,
            62 => GreaterEqual,
            67 => TransposeConv,
            69 => Tile,
            70 => ExpandDims,
            72 => NotEqual,
            73 => Log,
            74 => Sum,
            76 => Rsqrt,
            77 => Shape,
            81 => ReduceProd,
            82 => ReduceMax,
            83 => Pack,
            94 => Fill,
            95 => FloorMod,
            96 => Range,
            98 => LeakyRelu,
            99 => SquaredDifference,
            100 => MirrorPad,
            109 => Where,
            114 => Quantize,
            116 => Round,
            126 => BatchMatMul,
            _ => return None,
        })
    }
}

/// Fused activation (TFLite `ActivationFunctionType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Act {
    #[default]
    None,
    Relu,
    ReluN1To1,
    Relu6,
    Tanh,
}

impl Act {
    pub(crate) fn from_code(code: u8) -> Result<Act, OpError> {
        Ok(match code {
            0 => Act::None,
            1 => Act::Relu,
            2 => Act::ReluN1To1,
            3 => Act::Relu6,
            4 => Act::Tanh,
            other => {
                return Err(OpError::Unsupported(
                    format!("fused activation {other} is not supported").into(),
                ));
            }
        })
    }

    pub(crate) fn apply(self, v: &mut [f32]) {
        match self {
            Act::None => {}
            Act::Relu => v.iter_mut().for_each(|x| *x = x.max(0.0)),
            Act::ReluN1To1 => v.iter_mut().for_each(|x| *x = x.clamp(-1.0, 1.0)),
            Act::Relu6 => v.iter_mut().for_each(|x| *x = x.clamp(0.0, 6.0)),
            Act::Tanh => v.iter_mut().for_each(|x| *x = tanh(*x)),
        }
    }
}

/// The builtin options an operator carries (only the fields used here).
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    pub(crate) act: Act,
    /// Padding::SAME for convolutions.
    pub(crate) same: bool,
    pub(crate) stride: (usize, usize),
    pub(crate) dilation: (usize, usize),
    pub(crate) axis: i32,
    pub(crate) keep_dims: bool,
    pub(crate) asymmetric: bool,
    pub(crate) beta: f32,
    pub(crate) alpha: f32,
    pub(crate) adj: (bool, bool),
    pub(crate) squeeze: Vec<i32>,
    pub(crate) new_shape: Vec<i32>,
    pub(crate) masks: [i32; 5],
    pub(crate) slice_offset: bool,
    pub(crate) symmetric: bool,
}

impl Options {
    pub(crate) fn read(kind: Kind, t: Option<Table>) -> Result<Options, OpError> {
        let mut o = Options {
            stride: (1, 1),
            dilation: (1, 1),
            beta: 1.0,
            alpha: 0.2,
            ..Options::default()
        };
        let Some(t) = t else {
            return Ok(o);
        };
        let e = OpError::from;
        let pos = |v: i32| v.max(1) as usize;
        match kind {
            Kind::Conv2d => {
                o.same = t.u8(0, 0).map_err(e)? == 0;
                o.stride = (pos(t.i32(2, 1).map_err(e)?), pos(t.i32(1, 1).map_err(e)?));
                o.act = Act::from_code(t.u8(3, 0).map_err(e)?)?;
                o.dilation = (pos(t.i32(5, 1).map_err(e)?), pos(t.i32(4, 1).map_err(e)?));
            }
            Kind::TransposeConv => {
                o.same = t.u8(0, 0).map_err(e)? == 0;
                o.stride = (pos(t.i32(2, 1).map_err(e)?), pos(t.i32(1, 1).map_err(e)?));
                o.act = Act::from_code(t.u8(3, 0).map_err(e)?)?;
            }
            Kind::FullyConnected => {
                o.act = Act::from_code(t.u8(0, 0).map_err(e)?)?;
                if t.u8(1, 0).map_err(e)? != 0 {
                    return Err(OpError::Unsupported(
                        "shuffled fully-connected weights are not supported".into(),
                    ));
                }
                o.keep_dims = t.bool(2).map_err(e)?;
                o.asymmetric = t.bool(3).map_err(e)?;
            }
            Kind::Add | Kind::Sub | Kind::Mul => {
                o.act = Act::from_code(t.u8(0, 0).map_err(e)?)?;
            }
            Kind::Concatenation => {
                o.axis = t.i32(0, 0).map_err(e)?;
                o.act = Act::from_code(t.u8(1, 0).map_err(e)?)?;
            }
            Kind::Softmax => o.beta = t.f32(0, 1.0).map_err(e)?,
            Kind::LeakyRelu => o.alpha = t.f32(0, 0.0).map_err(e)?,
            Kind::Reshape => o.new_shape = t.i32s(0).map_err(e)?,
            Kind::Squeeze => o.squeeze = t.i32s(0).map_err(e)?,
            Kind::StridedSlice => {
                for (i, m) in o.masks.iter_mut().enumerate() {
                    *m = t.i32(i, 0).map_err(e)?;
                }
                o.slice_offset = t.bool(5).map_err(e)?;
            }
            Kind::Gather => {
                o.axis = t.i32(0, 0).map_err(e)?;
                if t.i32(1, 0).map_err(e)? != 0 {
                    return Err(OpError::Unsupported(
                        "GATHER with batch_dims is not supported".into(),
                    ));
                }
            }
            Kind::Pack => o.axis = t.i32(1, 0).map_err(e)?,
            Kind::Mean | Kind::Sum | Kind::ReduceMax | Kind::ReduceProd => {
                o.keep_dims = t.bool(0).map_err(e)?
            }
            Kind::BatchMatMul => o.adj = (t.bool(0).map_err(e)?, t.bool(1).map_err(e)?),
            Kind::MirrorPad => o.symmetric = t.u8(0, 0).map_err(e)? == 1,
            _ => {}
        }
        Ok(o)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub(crate) kind: Kind,
    pub(crate) inputs: Vec<i32>,
    pub(crate) outputs: Vec<i32>,
    pub(crate) options: Options,
    /// CONV_2D with int8 weights: the weights packed for the int8 kernel, where the CPU
    /// has one (see [`crate::synth::neural::int8`]).
    pub(crate) packed: Option<Arc<PackedI8>>,
    /// SPACE_TO_BATCH_ND that starts a dilated convolution chain: the index of the chain's
    /// BATCH_TO_SPACE_ND (see [`Graph::dilated_conv`]).
    pub(crate) dilated_until: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct TensorInfo {
    pub(crate) name: String,
    pub(crate) dtype: DType,
    pub(crate) quant: Option<Quant>,
}
