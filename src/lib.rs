//! faultline
