//! `build`'s COPY and ADD steps: the source tree (context, stage or image), ownership,
//! the parent directories, downloads; the layer tar written directly.
use super::*;

impl<'a, 'e> Builder<'a, 'e> {
    /// The tree of `--from=NAME`: a stage, else an image (pulled when missing).
    pub(super) fn tree_of(
        &mut self,
        name: &str,
        stage: usize,
        line: usize,
    ) -> Result<Tree, EngineError> {
        let img = match self.stage_ref(name, stage) {
            Some(d) => self.results[d]
                .clone()
                .ok_or_else(|| self.syntax(line, format!("stage {name} was not built")))?,
            None => {
                if self.stages.iter().any(|s| s.name.as_deref() == Some(name)) {
                    return Err(
                        self.syntax(line, format!("stage {name:?} is used before it is defined"))
                    );
                }
                self.image(name, false)?
            }
        };
        Ok(Tree::layers(
            self.store.layer_dirs(&img).into_iter().rev().collect(),
        ))
    }

    pub(super) fn copy(
        &mut self,
        st: &mut State,
        inst: &Instruction,
        stage: usize,
    ) -> Result<(), EngineError> {
        let line = inst.line;
        let is_add = inst.keyword == "ADD";
        let words: Vec<String> = match inst.json_args() {
            Some(v) => v
                .iter()
                .map(|w| self.expand(st, w, line))
                .collect::<Result<_, _>>()?,
            // Quotes group words (`COPY "a b" /x/`); here-document markers stay `<<NAME`.
            None => self.expand_words(st, &inst.args, line)?,
        };
        if words.len() < 2 {
            return Err(self.syntax(
                line,
                format!("{} requires at least two arguments", inst.keyword),
            ));
        }
        for (name, _) in &inst.flags {
            if !matches!(
                name.as_str(),
                "from"
                    | "chown"
                    | "chmod"
                    | "link"
                    | "parents"
                    | "exclude"
                    | "checksum"
                    | "keep-git-dir"
            ) {
                return Err(self.syntax(line, format!("unknown flag: --{name}")));
            }
            if name == "parents" {
                return Err(self.syntax(line, "COPY --parents is not supported"));
            }
            if name == "checksum" && !is_add {
                return Err(self.syntax(line, "--checksum is an ADD flag"));
            }
        }
        let excludes: Vec<String> = inst
            .flags
            .iter()
            .filter(|(n, _)| n == "exclude")
            .filter_map(|(_, v)| v.clone())
            .collect();
        let checksum = inst.flag("checksum").map(String::from);
        let (srcs, dest) = words.split_at(words.len() - 1);
        let dest = &dest[0];
        let wd = st.workdir();
        let dest_abs = if dest.starts_with('/') {
            dest.clone()
        } else {
            format!("{}/{}", wd.trim_end_matches('/'), dest)
        };
        let parent_tree = Tree::layers(self.store.layer_dirs(&st.img).into_iter().rev().collect());
        let dest_rel = parent_tree.follow_links(&crate::build::ignore::clean(&dest_abs));
        let dest_is_dir = dest.ends_with('/')
            || srcs.len() > 1
            || dest_rel.is_empty()
            || parent_tree
                .lookup(&dest_rel)
                .is_some_and(|(_, m)| m.is_dir());
        let owner = match inst.flag("chown") {
            Some(c) => {
                let c = self.expand(st, c, line)?;
                Some(resolve_owner(&parent_tree, &c).map_err(|e| self.syntax(line, e))?)
            }
            None => None,
        };
        let chmod = match inst.flag("chmod") {
            Some(m) => Some(
                u32::from_str_radix(m, 8)
                    .ok()
                    .filter(|m| *m <= 0o7777)
                    .ok_or_else(|| self.syntax(line, format!("invalid chmod parameter {m:?}")))?,
            ),
            None => None,
        };
        let mut tree = match inst.flag("from") {
            Some(f) => {
                let f = self.expand(st, f, line)?;
                self.tree_of(&f, stage, line)?
            }
            None => self.context.clone(),
        };
        if !excludes.is_empty() {
            tree.ignore = Some(tree.ignore.unwrap_or_default().with_excludes(&excludes));
        }
        let mut items = Vec::new();
        let mut archives = Vec::new();
        let mut extra = Vec::new();
        let mut heredocs = inst.heredocs.iter();
        let mut shown_srcs = Vec::new();
        for src in srcs {
            if src.starts_with("<<") && !inst.heredocs.is_empty() {
                let h = heredocs
                    .next()
                    .ok_or_else(|| self.syntax(line, "here-document without content"))?;
                let content = if h.expand {
                    shell::expand_heredoc(&h.content, &|k| st.lookup(k))
                        .map_err(|e| self.syntax(line, e))?
                } else {
                    h.content.clone()
                };
                let d = if dest_is_dir {
                    join(&dest_rel, &h.name)
                } else {
                    dest_rel.clone()
                };
                items.push(Item {
                    host: None,
                    data: Some(content.into_bytes()),
                    dest: d,
                    kind: Kind::File,
                    mode: 0o644,
                    mtime: 0,
                    uid: 0,
                    gid: 0,
                });
                shown_srcs.push(src.clone());
                continue;
            }
            shown_srcs.push(src.clone());
            if is_add && (src.starts_with("http://") || src.starts_with("https://")) {
                let (path, fname) = self.download(src)?;
                if let Some(want) = &checksum {
                    let data =
                        std::fs::read(&path).map_err(EngineError::io("reading a download"))?;
                    let got = crate::image::sha256_digest(&data);
                    if &got != want {
                        return Err(failed(format!(
                            "ADD {src}: checksum mismatch: expected {want}, got {got}"
                        )));
                    }
                }
                let d = if dest_is_dir {
                    join(&dest_rel, &fname)
                } else {
                    dest_rel.clone()
                };
                let meta =
                    std::fs::metadata(&path).map_err(EngineError::io("reading a download"))?;
                items.push(Item {
                    host: Some(path),
                    data: None,
                    dest: d,
                    kind: Kind::File,
                    mode: 0o600,
                    mtime: meta.mtime_secs(),
                    uid: 0,
                    gid: 0,
                });
                continue;
            }
            for rel in tree.resolve(src)? {
                let (host, meta) = tree
                    .lookup(&rel)
                    .ok_or_else(|| failed(format!("\"/{rel}\": not found")))?;
                if is_add
                    && meta.is_file()
                    && inst.flag("from").is_none()
                    && files::archive_reader(&host)?.is_some()
                {
                    {
                        let mut g = self.lock_sums()?;
                        let sum = files::checksum_cached(
                            &[Item {
                                host: Some(host.clone()),
                                data: None,
                                dest: dest_rel.clone(),
                                kind: Kind::File,
                                mode: 0,
                                mtime: 0,
                                uid: 0,
                                gid: 0,
                            }],
                            &mut g,
                        )?;
                        extra.push(format!("archive {rel} {sum}"));
                        archives.push((host, dest_rel.clone(), rel.clone()));
                        continue;
                    }
                }
                if meta.is_dir() {
                    tree.items(&rel, &dest_rel, &mut items)?;
                } else {
                    let base = rel.rsplit('/').next().unwrap_or(&rel).to_string();
                    let d = if dest_is_dir {
                        join(&dest_rel, &base)
                    } else {
                        dest_rel.clone()
                    };
                    tree.items(&rel, &d, &mut items)?;
                }
            }
        }
        for it in items.iter_mut() {
            if let Some((u, g)) = owner {
                it.uid = u;
                it.gid = g;
            }
            if let Some(m) = chmod {
                it.mode = m;
            }
        }
        // Parent directories: existing ones as they are in the image, new ones created.
        let mut dests: Vec<String> = items.iter().map(|i| i.dest.clone()).collect();
        for (_, d, _) in &archives {
            dests.push(format!("{d}/x"));
        }
        let mut parents = parent_dirs(&parent_tree, &dests, owner, false);
        let item_set: HashSet<String> = items.iter().map(|i| i.dest.clone()).collect();
        parents.retain(|p| !item_set.contains(&p.dest));
        if dest_is_dir
            && !dest_rel.is_empty()
            && !item_set.contains(&dest_rel)
            && parent_tree.lookup(&dest_rel).is_none()
        {
            // COPY a /new/ : the destination directory itself.
            if !parents.iter().any(|p| p.dest == dest_rel) {
                parents.extend(parent_dirs(
                    &parent_tree,
                    std::slice::from_ref(&dest_rel),
                    owner,
                    true,
                ));
                parents.dedup_by(|a, b| a.dest == b.dest);
            }
        }
        let mut all = parents;
        all.extend(items);
        let sum = {
            let mut g = self.lock_sums()?;
            files::checksum_cached(&all, &mut g)?
        };
        let flags: Vec<String> = inst
            .flags
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("--{k}={v}"),
                None => format!("--{k}"),
            })
            .collect();
        let shown = format!(
            "{} {}{}{} {}",
            inst.keyword,
            flags.join(" "),
            if flags.is_empty() { "" } else { " " },
            shown_srcs.join(" "),
            dest
        );
        let by = format!("{shown} # buildkit");
        let key = self.key(st, &shown, &format!("{sum}\n{}", extra.join("\n")));
        let config = st.config.clone();
        self.shown_step(st, &shown, &key, move |b, _, _| {
            let layer = b.write_layer(&all, &archives)?;
            Ok((config, Some(layer), Some(by)))
        })
    }

    /// ADD of a URL: the file downloaded into a temp dir that lives as long as the build.
    pub(super) fn download(&mut self, url: &str) -> Result<(PathBuf, String), EngineError> {
        let dir = tempfile::tempdir().map_err(EngineError::io("creating a temp dir"))?;
        let name = url
            .split(['?', '#'])
            .next()
            .unwrap_or(url)
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or("index.html")
            .to_string();
        let path = dir.path().join(&name);
        let client = crate::registry::http::client_builder()
            .danger_accept_invalid_certs(!self.opts.tls_verify)
            .build()
            .map_err(|e| failed(format!("ADD {url}: {e}")))?;
        let mut resp = client
            .get(url)
            .send()
            .and_then(|r| r.error_for_status())
            .map_err(|e| failed(format!("ADD {url}: {e}")))?;
        let mut f = std::fs::File::create(&path).map_err(EngineError::io("writing a download"))?;
        std::io::copy(&mut resp, &mut f).map_err(EngineError::io(format!("ADD {url}")))?;
        self._temp.push(dir);
        Ok((path, name))
    }
}

/// The directories above `paths` (image paths, relative): as they are in the image when they
/// exist there, else new (0755, `owner` or root). With `include_self`, the paths themselves
/// are directories too.
pub(super) fn parent_dirs(
    tree: &Tree,
    paths: &[String],
    owner: Option<(u32, u32)>,
    include_self: bool,
) -> Vec<Item> {
    use std::os::unix::fs::MetadataExt;
    let mapping = crate::runtime::userns::IdMapping::for_current_user();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in paths {
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        let upto = if include_self {
            segs.len()
        } else {
            segs.len().saturating_sub(1)
        };
        for k in 1..=upto {
            let d = segs[..k].join("/");
            if !seen.insert(d.clone()) {
                continue;
            }
            match tree.lookup(&d) {
                Some((_, m)) if m.is_dir() => out.push(Item {
                    host: None,
                    data: None,
                    dest: d,
                    kind: Kind::Dir,
                    mode: m.mode() & 0o7777,
                    mtime: m.mtime().max(0) as u64,
                    uid: container_id(m.uid(), &mapping.uids),
                    gid: container_id(m.gid(), &mapping.gids),
                }),
                // A link or file in the way: leave it to the unpacker to refuse.
                Some(_) => {}
                None => {
                    let (uid, gid) = owner.unwrap_or((0, 0));
                    out.push(Item {
                        host: None,
                        data: None,
                        dest: d,
                        kind: Kind::Dir,
                        mode: 0o755,
                        mtime: 0,
                        uid,
                        gid,
                    })
                }
            }
        }
    }
    out
}

/// `--chown user[:group]`, names looked up in the image's /etc/passwd and /etc/group.
pub(super) fn resolve_owner(tree: &Tree, spec: &str) -> Result<(u32, u32), String> {
    let read = |rel: &str| -> String {
        tree.lookup(rel)
            .filter(|(_, m)| m.is_file())
            .and_then(|(p, _)| crate::limits::read_head(&p, crate::limits::MAX_ACCOUNT_FILE).ok())
            .unwrap_or_default()
    };
    let (u, g) = spec.split_once(':').unwrap_or((spec, ""));
    let passwd = read("etc/passwd");
    let (uid, primary) = match u.parse::<u32>() {
        Ok(n) => (n, n),
        Err(_) => passwd
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.len() >= 4 && f[0] == u)
                    .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
            })
            .ok_or_else(|| {
                format!("unable to find user {u}: no matching entries in passwd file")
            })?,
    };
    let gid = if g.is_empty() {
        if u.parse::<u32>().is_ok() {
            uid
        } else {
            primary
        }
    } else {
        match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => read("etc/group")
                .lines()
                .find_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() >= 3 && f[0] == g).then(|| f[2].parse().ok())?
                })
                .ok_or_else(|| {
                    format!("unable to find group {g}: no matching entries in group file")
                })?,
        }
    };
    Ok((uid, gid))
}
