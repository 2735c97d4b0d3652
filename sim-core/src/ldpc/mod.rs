//! 5G NR LDPC channel coding (TS 38.212 §5.2–5.5): base graphs, lifting, encoding, rate
//! matching, transport-block segmentation, and belief-propagation decoders.

pub mod base_graph;
pub mod decoder;
pub mod harq;
pub mod lifted;
pub mod params;
pub mod rate_match;
pub mod transport;

pub use base_graph::{lifting_sizes, BaseGraphId};
pub use decoder::{
    DecodeOutcome, DecoderAlgorithm, DecoderSettings, DecoderWorkspace, LdpcDecoder,
};
pub use harq::HarqCodec;
pub use lifted::LiftedCode;
pub use params::{default_tb_crc, lbrm_n_ref, select_base_graph, TbCodeParams};
pub use rate_match::RateMatcher;
pub use transport::{CodecWorkspace, TbDecodeOutcome, TransportCodec};
