//! sandbox placeholder
