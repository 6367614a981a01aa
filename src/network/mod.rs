//! User-mode networking for rootless containers.
