//! The trace hook shared by every component of the chain (see [`idgw_trace`]).

pub use idgw_trace::{Hop, Trace};
