//! reports: turns run results into what people read — the JSON summary and text tables.
//!
//! It reads only `models`' result types (never scenarios or files) and writes strings; the CLI
//! decides where they go.

#![deny(missing_docs)]

pub mod burn;
pub mod capacity;
pub mod comparison;
pub mod dashboard;
pub mod digest;
pub mod figures;
pub mod html;
pub mod map;
pub mod metric;
pub mod page;
pub mod plot;
pub mod report;
pub mod sequence;
pub mod slo;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod text;
pub mod warmup;

pub use stats::Interval;
pub use summary::{
    CallSummary, ClientSummary, FaultWindow, MemberSummary, Quantiles, RequestClassSummary,
    RunIdentity, RunSummary, ServiceSummary, SloSpec, SloVerdict,
};
pub use text::render;
