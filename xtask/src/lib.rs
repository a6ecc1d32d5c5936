//! Library half of the xtask binary, so that its pieces are unit-tested.

pub mod bench;
pub mod ci;
pub mod codegen;
pub mod files;
pub mod operations;
pub mod package;
pub mod public_api;
pub mod reliability;
pub mod specs;
pub mod upstream;
pub mod upstream_operations;
pub mod vendor;
