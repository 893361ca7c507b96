//! (being written)
pub const FORMAT_VERSION: u8 = 1;
