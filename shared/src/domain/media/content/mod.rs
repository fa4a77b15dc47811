//! Placeholder until the content layer lands.
