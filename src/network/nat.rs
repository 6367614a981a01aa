//! The packet filter of the shared rootless network namespace (the netns holder's): what lets
//! the bridges of every network reach the outside through the holder's one slirp4netns.
//!
//! Rules are loaded with `iptables-restore` (Debian's iptables, the nf_tables backend), run
//! through `nsenter` in the holder's network namespace; the kernel allows nf_tables in a
//! network namespace owned by an unprivileged user namespace. skiff writes no netlink
//! messages for nf_tables itself: no vetted crate speaks it, and iptables is the tool docker
//! and netavark use for the same rules.
//!
//! - nat: everything that leaves through `tap0` is masqueraded to slirp4netns's guest address
//!   (10.0.2.100), so slirp4netns sees one guest whatever the container.
//! - filter FORWARD, policy DROP: out through `tap0` and back in are accepted; within one
//!   bridge is accepted (this only matters where br_netfilter hands bridged frames to
//!   iptables); between two bridges is dropped, as docker isolates its networks; an internal
//!   network's bridge gets a DROP first, so nothing of it goes out.
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use super::NetworkError;

/// The rules loaded once, when the holder starts.
const BASE_RULES: &str = "*nat
-A POSTROUTING -o tap0 -j MASQUERADE
COMMIT
*filter
:FORWARD DROP [0:0]
-A FORWARD -i tap0 -j ACCEPT
-A FORWARD -o tap0 -j ACCEPT
COMMIT
";

/// The rules of one bridge (loaded when the bridge is made).
fn bridge_rules(bridge: &str, internal: bool) -> String {
    let mut s = String::from("*filter\n");
    if internal {
        s.push_str(&format!("-I FORWARD -i {bridge} ! -o {bridge} -j DROP\n"));
    }
    s.push_str(&format!(
        "-A FORWARD -i {bridge} -o {bridge} -j ACCEPT\nCOMMIT\n"
    ));
    s
}

/// `nsenter` into the network namespace of `pid`, joining its user namespace too unless this
/// process is already in it (the holder's own starter is).
pub fn nsenter(pid: i32) -> Command {
    let mut cmd = Command::new("nsenter");
    cmd.arg(format!("--target={pid}")).arg("--net");
    let theirs = format!("/proc/{pid}/ns/user");
    if !crate::runtime::userns::is_rootful()
        && !crate::runtime::netns::in_user_namespace(Path::new(&theirs))
    {
        cmd.arg("--user").arg("--preserve-credentials");
    }
    cmd.arg("--");
    cmd
}

fn restore(holder: i32, rules: &str) -> Result<(), NetworkError> {
    let mut cmd = nsenter(holder);
    cmd.args(["iptables-restore", "--noflush"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| {
        NetworkError::Config(format!(
            "running nsenter and iptables-restore (install util-linux and iptables): {e}"
        ))
    })?;
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(rules.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| NetworkError::Config(format!("waiting for iptables-restore: {e}")))?;
    if out.status.success() {
        return Ok(());
    }
    Err(NetworkError::Config(format!(
        "loading the shared network namespace's NAT rules: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    )))
}

/// The holder's base rules (masquerading out through tap0, forwarding policy).
pub fn setup_holder(holder: i32) -> Result<(), NetworkError> {
    restore(holder, BASE_RULES)
}

/// A new bridge's rules in the holder's namespace.
pub fn setup_bridge(holder: i32, bridge: &str, internal: bool) -> Result<(), NetworkError> {
    restore(holder, &bridge_rules(bridge, internal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_bridges_drop_first() {
        let r = bridge_rules("skbr1", true);
        assert!(
            r.starts_with("*filter\n-I FORWARD -i skbr1 ! -o skbr1 -j DROP\n"),
            "{r}"
        );
        assert!(!bridge_rules("skbr1", false).contains("DROP"));
    }
}
