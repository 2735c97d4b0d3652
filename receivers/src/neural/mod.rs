//! Neural receivers (burn): the model, its input features, weights files, CPU inference and
//! training on the simulator's own slots.

pub mod device;
pub mod features;
pub mod infer;
pub mod model;
pub mod train;
pub mod weights;

pub use device::{GpuKind, NeuralDevice};
pub use features::in_channels;
pub use infer::NeuralRunner;
pub use model::{NeuralReceiver, NeuralShape};
pub use weights::{load_model, save_model, InitFrom, ModelMeta, NeuralError};
