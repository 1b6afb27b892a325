//! Where candidate SQL comes from: sqlgate's own offline engine (`local`), or a model.

pub mod local;
