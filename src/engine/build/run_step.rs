//! `build`'s RUN step: a real container through the engine's create request, its `--mount`s,
//! and its changes captured as a layer.
use super::*;

impl<'a, 'e> Builder<'a, 'e> {
    pub(super) fn run(
        &mut self,
        st: &mut State,
        inst: &Instruction,
        stage: usize,
    ) -> Result<(), EngineError> {
        let line = inst.line;
        self.mount_locks.clear();
        // `RUN <<EOT` with a `#!` line: the here-document is a script file run as it is.
        let mut script_file = None;
        let argv = match inst.json_args() {
            Some(v) if !v.is_empty() => v,
            _ => {
                let mut s = st.shell();
                let script = if inst.heredocs.len() == 1
                    && inst.args.trim().starts_with("<<")
                    && inst.args.split_whitespace().count() == 1
                {
                    // `RUN <<EOT`: the here-document is the script.
                    inst.heredocs[0].content.clone()
                } else if inst.heredocs.is_empty() {
                    inst.args.clone()
                } else {
                    let mut t = inst.args.clone();
                    t.push('\n');
                    for h in &inst.heredocs {
                        t.push_str(&h.content);
                        t.push_str(&h.name);
                        t.push('\n');
                    }
                    t
                };
                if script.starts_with("#!") && inst.args.trim().starts_with("<<") {
                    script_file = Some(script.clone());
                    vec![HEREDOC_SCRIPT.to_string()]
                } else {
                    s.push(script);
                    s
                }
            }
        };
        // Mounts.
        let mut mounts = Vec::new();
        let mut network = self.opts.network.clone();
        let mut mount_key = Vec::new();
        if let Some(text) = &script_file {
            let dir = tempfile::tempdir().map_err(EngineError::io("creating a temp dir"))?;
            let f = dir.path().join("script");
            std::fs::write(&f, text).map_err(EngineError::io("writing a here-document"))?;
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755))
                .map_err(EngineError::io("writing a here-document"))?;
            mounts.push(MountSpec::Bind {
                source: f,
                target: HEREDOC_SCRIPT.to_string(),
                rw: false,
            });
            mount_key.push(format!("script:{}", cache::key(&[text])));
            self._temp.push(dir);
        }
        // Mount points the runtime makes: left out of the layer.
        let mut targets: Vec<String> = [
            "/etc/hosts",
            "/etc/hostname",
            "/etc/resolv.conf",
            HEREDOC_SCRIPT,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for (name, v) in &inst.flags {
            let v = v.clone().unwrap_or_default();
            match name.as_str() {
                "mount" => {
                    let v = self.expand(st, &v, line)?;
                    let (spec, key) = self.run_mount(&v, line, stage)?;
                    mount_key.push(key);
                    targets.push(match &spec {
                        MountSpec::Bind { target, .. } | MountSpec::Tmpfs(target) => target.clone(),
                    });
                    mounts.push(spec);
                }
                "network" => {
                    network = match v.as_str() {
                        "default" => self.opts.network.clone(),
                        "none" | "host" => v.clone(),
                        other => {
                            return Err(
                                self.syntax(line, format!("unsupported RUN --network={other}"))
                            )
                        }
                    }
                }
                "security" if v == "sandbox" => {}
                other => return Err(self.syntax(line, format!("unknown flag: --{other}"))),
            }
        }
        let by = format!(
            "RUN {} # buildkit",
            if inst.json_args().is_some() {
                serde_json::to_string(&argv).unwrap_or_default()
            } else {
                argv.join(" ")
            }
        );
        let text = format!("RUN {}", inst.args);
        let key = self.key(st, &format!("{by}\n{network}"), &mount_key.join("\n"));
        let env: Vec<String> = st
            .visible_args()
            .into_iter()
            .filter(|(k, _)| st.env_get(k).is_none())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let user = st.cfg()["User"].as_str().unwrap_or("").to_string();
        let workdir = st.workdir();
        let config = st.config.clone();
        let image = st.img.id.clone();
        self.shown_step(st, &text, &key, move |b, n, start| {
            let mut req = CreateRequest::new(image);
            req.command = argv.clone();
            req.entrypoint = Some(Vec::new());
            req.env = env;
            req.workdir = Some(workdir);
            req.user = (!user.is_empty()).then_some(user);
            req.network.mode =
                create::parse::network_mode(if network == "default" { "" } else { &network })?;
            req.pull = PullPolicy::Never;
            // Binds first, then tmpfs mounts, as `--mount` and `--tmpfs` come.
            let (binds, tmpfs): (Vec<_>, Vec<_>) = mounts
                .iter()
                .partition(|m| matches!(m, MountSpec::Bind { .. }));
            for m in binds.into_iter().chain(tmpfs) {
                req.mounts.push(match m {
                    MountSpec::Bind { source, target, rw } => {
                        MountRequest::bind(source.clone(), target, *rw)?
                    }
                    MountSpec::Tmpfs(target) => MountRequest::tmpfs(target)?,
                });
            }
            req.tls_verify = b.opts.tls_verify;
            req.ulimits = b
                .opts
                .ulimits
                .iter()
                .map(|u| create::parse::ulimit(u))
                .collect::<Result<_, _>>()?;
            req.labels
                .insert(BUILD_LABEL.to_string(), std::process::id().to_string());
            let mut notices = std::io::sink();
            // sharing=locked: one RUN at a time uses the cache directory.
            let _locks = std::mem::take(&mut b.mount_locks)
                .iter()
                .map(|p| crate::state::LockFile::exclusive(p))
                .collect::<Result<Vec<_>, _>>()
                .map_err(EngineError::io("locking a cache mount"))?;
            let id = create::create(b.paths, &req, &mut notices)?;
            let result = b.run_container(&id, n, start, &argv);
            let layer = result.and_then(|()| {
                let rec = crate::state::container::Containers::new(b.paths).record(&id)?;
                let drop = |entries: &[crate::engine::container_files::LayerEntry]| {
                    mount_points(entries, &targets)
                };
                crate::engine::container_files::capture_layer_with(b.paths, &rec, Some(&drop))
            });
            let _ = container::remove(b.paths, &id, true, false);
            Ok((config, Some(layer?), Some(by)))
        })
    }

    pub(super) fn run_container(
        &mut self,
        id: &str,
        n: usize,
        start: Instant,
        argv: &[String],
    ) -> Result<(), EngineError> {
        let rec = crate::state::container::Containers::new(self.paths).record(id)?;
        container::start(self.paths, &rec, false)?;
        let this = &*self;
        let ended = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            // A build that can be cancelled kills its step's container when it is: the log
            // then ends and the step fails.
            if this.opts.cancel.can_cancel() {
                let ended = &ended;
                s.spawn(move || {
                    while !ended.load(std::sync::atomic::Ordering::Relaxed) {
                        if this.opts.cancel.is_cancelled() {
                            let _ = container::kill(this.paths, id, "KILL");
                            return;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                });
            }
            let followed = container::follow_log(this.paths, id, 0, &mut |e| {
                let secs = start.elapsed().as_secs_f64();
                for l in e.log.trim_end_matches('\n').split('\n') {
                    this.emit(BuildEvent::Log {
                        n,
                        secs,
                        line: l.to_string(),
                    });
                }
            });
            ended.store(true, std::sync::atomic::Ordering::Relaxed);
            followed
        })?;
        let code = container::wait(self.paths, id)?;
        self.opts.cancel.check()?;
        if code != 0 {
            let shown = serde_json::to_string(&argv.join(" ")).unwrap_or_default();
            return Err(failed(format!(
                "process {shown} did not complete successfully: exit code: {code}"
            )));
        }
        Ok(())
    }

    /// `RUN --mount=...`: a bind or tmpfs for the container, and what goes into the cache key.
    pub(super) fn run_mount(
        &mut self,
        spec: &str,
        line: usize,
        stage: usize,
    ) -> Result<(MountSpec, String), EngineError> {
        let mut kv: HashMap<String, String> = HashMap::new();
        for part in spec.split(',') {
            let (k, v) = part.split_once('=').unwrap_or((part, "true"));
            kv.insert(k.to_string(), v.to_string());
        }
        let kind = kv.get("type").cloned().unwrap_or_else(|| "bind".into());
        let target = kv
            .get("target")
            .or_else(|| kv.get("dst"))
            .or_else(|| kv.get("destination"))
            .cloned();
        match kind.as_str() {
            "cache" => {
                let target =
                    target.ok_or_else(|| self.syntax(line, "a cache mount needs a target"))?;
                let id = kv.get("id").cloned().unwrap_or_else(|| target.clone());
                // The directory belongs to the container's root; other owners would need the
                // user namespace helper.
                for k in ["uid", "gid"] {
                    if kv.get(k).is_some_and(|v| v != "0") {
                        return Err(self.syntax(
                            line,
                            format!("RUN --mount=type=cache: {k}= other than 0 is not supported"),
                        ));
                    }
                }
                let dir = self.cache.mount_dir(&id);
                if kv.get("sharing").map(String::as_str) == Some("locked") {
                    self.mount_locks.push(dir.with_extension("lock"));
                }
                std::fs::create_dir_all(&dir)
                    .map_err(EngineError::io(format!("creating {}", dir.display())))?;
                Ok((
                    MountSpec::Bind {
                        source: dir,
                        target: target.clone(),
                        rw: true,
                    },
                    format!("cache:{id}:{target}"),
                ))
            }
            "tmpfs" => {
                let target =
                    target.ok_or_else(|| self.syntax(line, "a tmpfs mount needs a target"))?;
                Ok((MountSpec::Tmpfs(target.clone()), format!("tmpfs:{target}")))
            }
            "secret" => {
                let id = kv.get("id").cloned().or_else(|| {
                    target
                        .as_ref()
                        .and_then(|t| t.rsplit('/').next().map(String::from))
                });
                let id = id.ok_or_else(|| self.syntax(line, "a secret mount needs an id"))?;
                let target = target.unwrap_or_else(|| format!("/run/secrets/{id}"));
                let required = kv.get("required").is_some_and(|v| v == "true");
                match self.secrets.get(&id) {
                    Some(src) => Ok((
                        MountSpec::Bind {
                            source: src.clone(),
                            target: target.clone(),
                            rw: false,
                        },
                        // The secret's content never goes into the cache key.
                        format!("secret:{id}:{target}"),
                    )),
                    None if required => Err(failed(format!("secret {id} not found"))),
                    None => Ok((MountSpec::Tmpfs(format!("{target}-unset")), String::new())),
                }
            }
            "bind" => {
                let target =
                    target.ok_or_else(|| self.syntax(line, "a bind mount needs a target"))?;
                let source = kv
                    .get("source")
                    .or_else(|| kv.get("src"))
                    .cloned()
                    .unwrap_or_default();
                let tree = match kv.get("from") {
                    Some(f) => self.tree_of(f, stage, line)?,
                    None => self.context.clone(),
                };
                let rel = files::clean_inside(&source).map_err(EngineError::Build)?;
                let rel = tree.resolve_links(&rel, true);
                let (host, meta) = tree
                    .lookup(&rel)
                    .ok_or_else(|| failed(format!("bind mount source \"/{rel}\": not found")))?;
                if meta.file_type().is_symlink() {
                    return Err(failed(format!(
                        "bind mount source \"/{rel}\" is a link out of its tree"
                    )));
                }
                let mut items = Vec::new();
                tree.items(&rel, "", &mut items)?;
                let sum = {
                    let mut g = self.lock_sums()?;
                    files::checksum_cached(&items, &mut g)?
                };
                Ok((
                    MountSpec::Bind {
                        source: host.to_path_buf(),
                        target: target.clone(),
                        rw: false,
                    },
                    format!("bind:{target}:{sum}"),
                ))
            }
            other => Err(self.syntax(line, format!("unsupported mount type {other:?}"))),
        }
    }
}

/// The entries of a RUN layer that are only the mount points of its mounts (empty files and
/// directories at or above the targets, with nothing else below them).
pub(super) fn mount_points(
    entries: &[crate::engine::container_files::LayerEntry],
    targets: &[String],
) -> HashSet<String> {
    let mut cands: Vec<String> = Vec::new();
    for t in targets {
        let rel = crate::build::ignore::clean(t);
        let segs: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
        for k in 1..=segs.len() {
            let p = segs[..k].join("/");
            if !cands.contains(&p) {
                cands.push(p);
            }
        }
    }
    cands.sort_by_key(|c| std::cmp::Reverse(c.matches('/').count()));
    let mut dropped = HashSet::new();
    for c in cands {
        let Some(e) = entries.iter().find(|e| e.path == c) else {
            continue;
        };
        let prefix = format!("{c}/");
        let empty = if e.dir {
            entries
                .iter()
                .filter(|x| x.path.starts_with(&prefix))
                .all(|x| dropped.contains(&x.path))
        } else {
            e.size == 0
        };
        if empty {
            dropped.insert(c);
        }
    }
    dropped
}

pub(super) enum MountSpec {
    /// A host path (never re-parsed: any character is fine in it).
    Bind {
        source: PathBuf,
        target: String,
        rw: bool,
    },
    Tmpfs(String),
}
