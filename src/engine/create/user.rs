//! A container's user and groups, looked up in the image's /etc/passwd and /etc/group as
//! docker does (`-u`, `--group-add`; `exec -u` uses the container's own files).
use std::path::PathBuf;

use crate::engine::EngineError;

/// A resolved container user.
#[derive(Debug, Clone)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
    pub home: String,
}

/// Find a file in the image's layers, top layer first (enough for /etc/passwd and /etc/group,
/// which a layer replaces whole), never through a symlink.
pub(super) fn read_from_layers(layers: &[PathBuf], rel: &str) -> Option<String> {
    use std::os::fd::AsFd;
    let open = |dir: std::os::fd::BorrowedFd<'_>, name: &str, flags: nix::fcntl::OFlag| {
        nix::fcntl::openat(
            dir,
            name,
            flags | nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        )
    };
    // Top layer first. Each component is opened without following a symlink: an image's
    // `etc -> /host/path` (or a linked passwd) must never make us read the host's files. A
    // layer with a link or a non-directory there hides the layers below, as in the container.
    for l in layers.iter().rev() {
        let Ok(mut dir) = nix::fcntl::open(
            l.as_path(),
            nix::fcntl::OFlag::O_PATH
                | nix::fcntl::OFlag::O_DIRECTORY
                | nix::fcntl::OFlag::O_CLOEXEC,
            nix::sys::stat::Mode::empty(),
        ) else {
            continue;
        };
        let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
        let (last, parents) = parts.split_last()?;
        let mut missing = false;
        for p in parents {
            match open(
                dir.as_fd(),
                p,
                nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY,
            ) {
                Ok(d) => dir = d,
                Err(nix::errno::Errno::ENOENT) => {
                    missing = true;
                    break;
                }
                // A symlink (ELOOP) or a file (ENOTDIR) in this layer.
                Err(_) => return None,
            }
        }
        if missing {
            continue;
        }
        match open(dir.as_fd(), last, nix::fcntl::OFlag::O_RDONLY) {
            Ok(fd) => {
                let f = std::fs::File::from(fd);
                if !f.metadata().is_ok_and(|m| m.is_file()) {
                    return None;
                }
                // Bounded: a hostile image may ship a huge (sparse) file.
                let mut data = Vec::new();
                std::io::Read::read_to_end(
                    &mut std::io::Read::take(&f, crate::limits::MAX_ACCOUNT_FILE),
                    &mut data,
                )
                .ok()?;
                return Some(String::from_utf8_lossy(&data).into_owned());
            }
            Err(nix::errno::Errno::ENOENT) => continue,
            Err(_) => return None,
        }
    }
    None
}

/// Resolve a `--group-add` group (name or number) in the image's /etc/group.
pub fn resolve_group(layers: &[PathBuf], g: &str) -> Result<u32, EngineError> {
    if let Ok(n) = g.parse::<u32>() {
        return Ok(n);
    }
    read_from_layers(layers, "etc/group")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 3 && f[0] == g)
                .then(|| f[2].parse().ok())
                .flatten()
        })
        .ok_or_else(|| {
            EngineError::Usage(format!(
                "unable to find group {g}: no matching entries in group file"
            ))
        })
}

/// Resolve `-u user[:group]` against the image's /etc/passwd and /etc/group, as docker does.
pub fn resolve_user(layers: &[PathBuf], spec: &str) -> Result<User, EngineError> {
    let passwd = read_from_layers(layers, "etc/passwd").unwrap_or_default();
    let group = read_from_layers(layers, "etc/group").unwrap_or_default();
    resolve_user_in(&passwd, &group, spec)
}

/// Resolve `-u user[:group]` against the text of an /etc/passwd and an /etc/group.
pub fn resolve_user_in(passwd: &str, group: &str, spec: &str) -> Result<User, EngineError> {
    let (u, g) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    // docker's (moby/sys/user's) range: 4294967295 is (uid_t)-1, which setresuid takes as
    // "leave it as it is", so the process would stay root.
    for id in [Some(u), g].into_iter().flatten() {
        if id.parse::<u64>().is_ok_and(|n| n > i32::MAX as u64) {
            return Err(EngineError::Usage(
                "uids and gids must be in range 0-2147483647".into(),
            ));
        }
    }
    let entry = |line: &str| -> Option<(String, u32, u32, String)> {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 6 {
            return None;
        }
        Some((
            f[0].to_string(),
            f[2].parse().ok()?,
            f[3].parse().ok()?,
            f[5].to_string(),
        ))
    };
    let users: Vec<_> = passwd.lines().filter_map(entry).collect();
    let (uid, mut gid, home, name) = if u.is_empty() {
        users
            .iter()
            .find(|x| x.1 == 0)
            .map(|x| (0, x.2, x.3.clone(), x.0.clone()))
            .unwrap_or((0, 0, "/root".into(), "root".into()))
    } else if let Ok(n) = u.parse::<u32>() {
        users
            .iter()
            .find(|x| x.1 == n)
            .map(|x| (n, x.2, x.3.clone(), x.0.clone()))
            .unwrap_or((n, 0, "/".into(), String::new()))
    } else {
        users
            .iter()
            .find(|x| x.0 == u)
            .map(|x| (x.1, x.2, x.3.clone(), x.0.clone()))
            .ok_or_else(|| {
                EngineError::Usage(format!(
                    "unable to find user {u}: no matching entries in passwd file"
                ))
            })?
    };
    let groups_tab: Vec<(String, u32, Vec<String>)> = group
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 4).then(|| {
                Some((
                    f[0].to_string(),
                    f[2].parse().ok()?,
                    f[3].split(',')
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                ))
            })?
        })
        .collect();
    if let Some(g) = g {
        gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => groups_tab
                .iter()
                .find(|x| x.0 == g)
                .map(|x| x.1)
                .ok_or_else(|| {
                    EngineError::Usage(format!(
                        "unable to find group {g}: no matching entries in group file"
                    ))
                })?,
        };
    }
    // runc's GetExecUser, as docker uses it: a group given explicitly is the only one; without
    // one, a user found in /etc/passwd gets the groups that list it as a member.
    let groups = if name.is_empty() || g.is_some() {
        Vec::new()
    } else {
        groups_tab
            .iter()
            .filter(|x| x.2.contains(&name) && x.1 != gid)
            .map(|x| x.1)
            .collect()
    };
    if uid > i32::MAX as u32 || gid > i32::MAX as u32 {
        return Err(EngineError::Usage(
            "uids and gids must be in range 0-2147483647".into(),
        ));
    }
    Ok(User {
        uid,
        gid,
        groups,
        home,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_from_passwd() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("etc/group"),
            "root:x:0:\nuser:x:1000:\nwheel:x:10:user\n",
        )
        .unwrap();
        let layers = vec![dir.path().to_path_buf()];
        let u = resolve_user(&layers, "user").unwrap();
        assert_eq!(
            (u.uid, u.gid, u.groups.clone(), u.home.as_str()),
            (1000, 1000, vec![10], "/home/user")
        );
        // An explicit group is the only one (docker, runc).
        let g = resolve_user(&layers, "user:user").unwrap();
        assert_eq!((g.gid, g.groups), (1000, vec![]));
        assert_eq!(resolve_user(&layers, "1000").unwrap().groups, vec![10]);
        let r = resolve_user(&layers, "").unwrap();
        assert_eq!((r.uid, r.gid), (0, 0));
        let n = resolve_user(&layers, "1234:55").unwrap();
        assert_eq!((n.uid, n.gid), (1234, 55));
        assert!(resolve_user(&layers, "nobody").is_err());
    }
}
