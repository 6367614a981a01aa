//! Container operations.
