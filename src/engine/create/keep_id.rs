//! The /etc/passwd and /etc/group entries podman adds for `--userns keep-id` (libpod's
//! `generatePasswdAndGroup`): the user running skiff, named as on the host, unless the image
//! has that name or uid; its group likewise; and, for a numeric user the image lacks
//! (`keep-id:uid=N,gid=M`, or `-u N`), an entry for that id. The home of the user's entry is
//! the host home when it (or a directory above it) is mounted into the container, else the
//! working directory. The files are the image's with the entries appended, bound over the
//! image's at start (podman's way for a read-only root; skiff does it for every container, so
//! the image's layers are never written).
use std::path::PathBuf;

use super::parse_extras::KeepId;
use super::user::read_from_layers;

/// The texts to bind at /etc/passwd and /etc/group; None where nothing was added.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EtcFiles {
    pub passwd: Option<String>,
    pub group: Option<String>,
}

/// A host account, as podman takes it from Go's `os/user`.
#[derive(Debug, Clone)]
struct HostUser {
    name: String,
    uid: u32,
    gid: u32,
    /// The GECOS field up to its first comma (Go's `User.Name`).
    gecos: String,
    home: String,
}

fn host_user(uid: u32) -> Option<HostUser> {
    let u = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()?;
    let gecos = u.gecos.to_string_lossy();
    Some(HostUser {
        name: u.name,
        uid,
        gid: u.gid.as_raw(),
        gecos: gecos.split(',').next().unwrap_or_default().to_string(),
        home: u.dir.to_string_lossy().into_owned(),
    })
}

fn host_group_name(gid: u32) -> Option<String> {
    nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
        .ok()
        .flatten()
        .map(|g| g.name)
}

/// Whether an /etc/passwd or /etc/group text has an entry for `id_or_name` (podman's lookup: a
/// number is an id, anything else a name).
fn has_entry(text: &str, id_or_name: &str) -> bool {
    let numeric = id_or_name.parse::<u32>().is_ok();
    text.lines().any(|l| {
        let f: Vec<&str> = l.split(':').collect();
        f.len() >= 3
            && if numeric {
                f[2] == id_or_name
            } else {
                f[0] == id_or_name
            }
    })
}

/// What the entries depend on besides the image.
pub struct Inputs<'a> {
    pub opts: &'a KeepId,
    /// The container's user as it will run (`uid:gid` by default with keep-id).
    pub user_spec: &'a str,
    pub workdir: &'a str,
    /// Where the request mounts something in the container.
    pub mount_destinations: Vec<&'a str>,
}

/// The files for a keep-id container on `layers`.
pub fn etc_files(layers: &[PathBuf], inp: &Inputs<'_>) -> EtcFiles {
    let passwd = read_from_layers(layers, "etc/passwd").unwrap_or_default();
    let group = read_from_layers(layers, "etc/group").unwrap_or_default();
    let me = nix::unistd::getuid().as_raw();
    let my_gid = nix::unistd::getgid().as_raw();
    let current = (inp.opts.uid.is_none() && inp.opts.gid.is_none() && me != 0)
        .then(|| host_user(me))
        .flatten();
    entries(
        &passwd,
        &group,
        inp,
        current.as_ref(),
        my_gid,
        &|gid| host_group_name(gid),
        &|uid| host_user(uid),
    )
}

/// The pure part of `etc_files`: `current` is the host user when its entry is wanted.
fn entries(
    passwd: &str,
    group: &str,
    inp: &Inputs<'_>,
    current: Option<&HostUser>,
    current_gid: u32,
    group_name: &dyn Fn(u32) -> Option<String>,
    lookup_uid: &dyn Fn(u32) -> Option<HostUser>,
) -> EtcFiles {
    let mut pw = String::new();
    let mut gr = String::new();
    let mut added_uid = None;
    let mut added_gid = None;
    if let Some(u) = current {
        // podman's userPasswdEntry.
        if !has_entry(passwd, &u.name) && !has_entry(passwd, &u.uid.to_string()) {
            let home = if home_is_mounted(&u.home, &inp.mount_destinations) {
                u.home.as_str()
            } else {
                inp.workdir
            };
            pw.push_str(&format!(
                "{}:*:{}:{}:{}:{home}:/bin/sh\n",
                u.name, u.uid, u.gid, u.gecos
            ));
        }
        added_uid = Some(u.uid);
        // podman's generateCurrentUserGroupEntry.
        if current_gid != 0 {
            added_gid = Some(current_gid);
            if let Some(g) = group_name(current_gid) {
                if !has_entry(group, &g) && !has_entry(group, &current_gid.to_string()) {
                    gr.push_str(&format!("{g}:x:{current_gid}:{}\n", u.name));
                }
            }
        }
    }
    // podman's generateUserPasswdEntry and generateUserGroupEntry: a numeric user (and group)
    // the image does not have.
    let (user_part, group_part) = match inp.user_spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (inp.user_spec, None),
    };
    if let Ok(uid) = user_part.parse::<u32>() {
        if added_uid != Some(uid) && !has_entry(passwd, user_part) {
            let gid = match group_part {
                Some(g) => g.parse::<u32>().ok().or_else(|| group_id(group, g)),
                None => Some(0),
            };
            if let Some(gid) = gid {
                let line = match lookup_uid(uid) {
                    Some(h) => format!(
                        "{}:*:{uid}:{gid}:{}:{}:/bin/sh\n",
                        h.name, h.gecos, inp.workdir
                    ),
                    None => format!(
                        "{uid}:*:{uid}:{gid}:container user:{}:/bin/sh\n",
                        inp.workdir
                    ),
                };
                pw.push_str(&line);
            }
        }
    }
    if !inp.user_spec.is_empty() {
        let g = group_part.unwrap_or("0");
        if let Ok(gid) = g.parse::<u32>() {
            if added_gid != Some(gid) && !has_entry(group, g) {
                gr.push_str(&format!("{gid}:x:{gid}:{user_part}\n"));
            }
        }
    }
    let append = |orig: &str, add: String| {
        (!add.is_empty()).then(|| {
            let mut t = orig.to_string();
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
            t + &add
        })
    };
    EtcFiles {
        passwd: append(passwd, pw),
        group: append(group, gr),
    }
}

fn group_id(group: &str, name: &str) -> Option<u32> {
    group.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 3 && f[0] == name)
            .then(|| f[2].parse().ok())
            .flatten()
    })
}

/// podman: the host home is the entry's when it or a directory above it (not `/`) is a mount
/// destination.
fn home_is_mounted(home: &str, destinations: &[&str]) -> bool {
    let mut dir = std::path::Path::new(home);
    while dir != std::path::Path::new("/") && !dir.as_os_str().is_empty() {
        if destinations.iter().any(|d| std::path::Path::new(d) == dir) {
            return true;
        }
        match dir.parent() {
            Some(p) => dir = p,
            None => break,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n";
    const GROUP: &str = "root:x:0:\nnogroup:x:65534:\n";

    fn me() -> HostUser {
        HostUser {
            name: "alice".into(),
            uid: 1001,
            gid: 1001,
            gecos: "Alice A".into(),
            home: "/home/alice".into(),
        }
    }

    fn run(inp: &Inputs<'_>, current: Option<&HostUser>) -> EtcFiles {
        entries(
            PASSWD,
            GROUP,
            inp,
            current,
            1001,
            &|g| (g == 1001).then(|| "alice".to_string()),
            &|u| (u == 1001).then(me),
        )
    }

    #[test]
    fn the_user_and_group_are_added_once() {
        let opts = KeepId::default();
        let inp = Inputs {
            opts: &opts,
            user_spec: "1001:1001",
            workdir: "/work",
            mount_destinations: vec!["/data"],
        };
        let f = run(&inp, Some(&me()));
        assert_eq!(
            f.passwd.unwrap(),
            format!("{PASSWD}alice:*:1001:1001:Alice A:/work:/bin/sh\n")
        );
        assert_eq!(f.group.unwrap(), format!("{GROUP}alice:x:1001:alice\n"));
        // A mounted home (or a directory above it) is the entry's home.
        let inp = Inputs {
            mount_destinations: vec!["/home"],
            ..inp
        };
        assert!(run(&inp, Some(&me()))
            .passwd
            .unwrap()
            .ends_with("alice:*:1001:1001:Alice A:/home/alice:/bin/sh\n"));
    }

    #[test]
    fn an_image_that_has_them_is_left_alone() {
        let opts = KeepId::default();
        let inp = Inputs {
            opts: &opts,
            user_spec: "1001:1001",
            workdir: "/",
            mount_destinations: vec![],
        };
        let f = entries(
            "alice:x:1001:1001::/home/alice:/bin/sh\n",
            "users:x:1001:\n",
            &inp,
            Some(&me()),
            1001,
            &|_| Some("alice".into()),
            &|_| None,
        );
        assert_eq!(f, EtcFiles::default());
    }

    #[test]
    fn numeric_ids_of_keep_id_options() {
        let opts = KeepId {
            uid: Some(2000),
            gid: Some(3000),
            size: None,
        };
        let inp = Inputs {
            opts: &opts,
            user_spec: "2000:3000",
            workdir: "/",
            mount_destinations: vec![],
        };
        let f = run(&inp, None);
        assert!(f
            .passwd
            .unwrap()
            .ends_with("\n2000:*:2000:3000:container user:/:/bin/sh\n"));
        assert!(f.group.unwrap().ends_with("\n3000:x:3000:2000\n"));
        // -u 0 with keep-id: root is the image's.
        let inp = Inputs {
            user_spec: "0",
            ..inp
        };
        assert_eq!(run(&inp, None), EtcFiles::default());
    }
}
