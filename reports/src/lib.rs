//! reports: turns run results into what people read — the JSON summary and text tables.
//!
//! It reads only `models`' result types (never scenarios or files) and writes strings; the CLI
//! decides where they go.

#![deny(missing_docs)]

pub mod summary;
pub mod text;

pub use summary::{
    CallSummary, ClientSummary, FaultWindow, Quantiles, RunIdentity, RunSummary, ServiceSummary,
    SloSpec, SloVerdict,
};
pub use text::render;
