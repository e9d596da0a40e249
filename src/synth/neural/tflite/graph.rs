//! A loaded graph: parsing the flatbuffer, the rewrites made once at load time, and the
//! run loop that evaluates operators in order and lets go of values read for the last time.

use std::sync::Arc;

use super::*;
use crate::synth::neural::flatbuf::{Corrupt, Table};
use crate::synth::neural::int8::PackedI8;

/// A loaded model: the main subgraph, its constants, and the order to run it in.
#[derive(Debug, Clone)]
pub struct Graph {
    pub(crate) tensors: Vec<TensorInfo>,
    pub(crate) constants: Vec<Option<Arc<Tensor>>>,
    pub(crate) ops: Vec<Op>,
    pub(crate) inputs: Vec<usize>,
    pub(crate) outputs: Vec<usize>,
    /// For each tensor, the index of the last operator that reads it.
    pub(crate) last_use: Vec<usize>,
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
            let options = Options::read(kind, o.table(4)?).map_err(|source| ModelError::Run {
                index,
                op: format!("{kind:?}"),
                source,
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
    pub(crate) fn find_dilated_chains(&mut self) {
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

    pub(crate) fn compute_last_use(&mut self) {
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
            let fail = |source: OpError| ModelError::Run {
                index,
                op: format!("{:?}", op.kind),
                source,
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
                    fail(OpError::Invalid(
                        format!("input `{}` has no value", self.tensors[i].name).into(),
                    ))
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
pub(crate) fn pack_conv_weights(
    constants: &[Option<Arc<Tensor>>],
    op: &Op,
) -> Option<Arc<PackedI8>> {
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
    pub(crate) fn release_inputs(&self, index: usize, values: &mut [Option<Arc<Tensor>>]) {
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
    pub(crate) fn dilated_conv(
        &self,
        start: usize,
        values: &[Option<Arc<Tensor>>],
    ) -> Result<Option<Tensor>, OpError> {
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
