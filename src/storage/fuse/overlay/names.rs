//! Changing the merged tree's names: merged directory listings, new entries, whiteouts and
//! opaque directories, unlink and rename across layers.
use super::*;

impl Overlay {
    pub(super) fn list_merged(&self, rel: &Path, layers: &[u16]) -> Res<Vec<DirEnt>> {
        let mut seen: HashSet<OsString> = HashSet::new();
        let mut out = Vec::new();
        // (device, device index) of each entry's layer: inode numbers are mapped at the end,
        // under one short hold of the node table.
        let mut devs = Vec::new();
        for (i, &l) in layers.iter().enumerate() {
            let dir = self.real(l, rel);
            let rd = match std::fs::read_dir(&dir) {
                Ok(rd) => rd,
                Err(e) if i > 0 => {
                    if matches!(e.raw_os_error(), Some(libc::ENOENT) | Some(libc::ENOTDIR)) {
                        continue;
                    }
                    return Err(errno(e));
                }
                Err(e) => return Err(errno(e)),
            };
            let dev = match std::fs::symlink_metadata(&dir) {
                Ok(m) => m.dev(),
                Err(_) => continue,
            };
            let dev_index = self.dev_index(dev);
            for e in rd {
                let e = e.map_err(errno)?;
                let name = e.file_name();
                if seen.contains(&name) {
                    continue;
                }
                seen.insert(name.clone());
                let ft = e.file_type().map_err(errno)?;
                if ft.is_char_device() {
                    if let Ok(m) = e.metadata() {
                        if is_whiteout(&m) {
                            continue;
                        }
                    }
                }
                out.push(DirEnt {
                    name,
                    ino: std::os::unix::fs::DirEntryExt::ino(&e),
                    kind: file_type(ft),
                    layer: l,
                });
                devs.push((dev, dev_index));
            }
        }
        let table = lock(&self.table);
        for (ent, (dev, dev_index)) in out.iter_mut().zip(devs) {
            ent.ino = match table.alias.get(&(dev, ent.ino)) {
                Some(n) => *n,
                None => synth_ino(dev_index, ent.ino),
            };
        }
        Ok(out)
    }

    // ---- creating and removing names ----------------------------------------------------

    /// Make room for a new name in `parent`: the parent copied up, a whiteout removed
    /// (returns whether there was one). EEXIST if the name is visible.
    pub(super) fn prepare_new(&self, parent: u64, name: &OsStr) -> Res<(PathBuf, bool, Metadata)> {
        if !valid_name(name) {
            return Err(Errno::EINVAL);
        }
        let (dir, layers, is_dir) = self.locate(parent)?;
        if !is_dir {
            return Err(Errno::ENOTDIR);
        }
        if self.resolve(&layers, &dir, name)?.is_some() {
            return Err(Errno::EEXIST);
        }
        self.copy_up_dir_path(&dir)?;
        let pmeta = lstat(&self.upper(&dir))?;
        let path = self.upper(&dir).join(name);
        let mut whiteout = false;
        if let Some(m) = lexists(&path) {
            if is_whiteout(&m) {
                std::fs::remove_file(&path).map_err(errno)?;
                whiteout = true;
            } else {
                return Err(Errno::EEXIST);
            }
        }
        Ok((path, whiteout, pmeta))
    }

    /// Owner of a new file: the caller, with the group of a set-group-id parent.
    pub(super) fn owner(req: &Request, pmeta: &Metadata) -> (u32, u32) {
        let gid = if pmeta.mode() & libc::S_ISGID != 0 {
            pmeta.gid()
        } else {
            req.gid()
        };
        (req.uid(), gid)
    }

    pub(super) fn finish_new(
        &self,
        req: &Request,
        parent: u64,
        name: &OsStr,
        path: &Path,
        pmeta: &Metadata,
        mode: Option<u32>,
    ) -> Res<FileAttr> {
        let (uid, gid) = Self::owner(req, pmeta);
        chown(path, Some(uid), Some(gid))?;
        if let Some(mode) = mode {
            let sgid_dir =
                pmeta.mode() & libc::S_ISGID != 0 && mode & libc::S_IFMT == libc::S_IFDIR;
            if mode & 0o7000 != 0 || sgid_dir {
                let extra = if sgid_dir { libc::S_ISGID } else { 0 };
                chmod(path, (mode & 0o7777) | extra)?;
            }
        }
        let meta = lstat(path)?;
        Ok(self.remember(
            &Found {
                layers: vec![0],
                meta,
            },
            parent,
            name,
        ))
    }

    pub(super) fn forget_name(&self, found: &Found, parent: u64, name: &OsStr) {
        let mut table = lock(&self.table);
        let id = self.ino_of(&table, found.meta.dev(), found.meta.ino());
        if let Some(node) = table.nodes.get_mut(&id) {
            node.names.retain(|(p, n)| !(*p == parent && n == name));
        }
        if found.top() == 0 && (found.meta.nlink() <= 1 || found.meta.is_dir()) {
            table.alias.remove(&(found.meta.dev(), found.meta.ino()));
        }
    }

    /// Whether a lower layer of the merged directory has `name` (then removing it from the
    /// upper layer must leave a whiteout).
    pub(super) fn lower_has(&self, layers: &[u16], dir: &Path, name: &OsStr) -> Res<bool> {
        let lower: Vec<u16> = layers.iter().copied().filter(|l| *l != 0).collect();
        Ok(self.resolve(&lower, dir, name)?.is_some())
    }

    pub(super) fn whiteout(&self, path: &Path) -> Res<()> {
        nix::sys::stat::mknod(path, SFlag::S_IFCHR, Mode::empty(), 0).map_err(nerr)
    }

    /// Empty the upper part of a merged directory that is about to go (only whiteouts can
    /// be left in it once the merged view is empty).
    pub(super) fn clear_upper_dir(&self, path: &Path) -> Res<()> {
        if let Ok(rd) = std::fs::read_dir(path) {
            for e in rd.flatten() {
                std::fs::remove_file(e.path()).map_err(errno)?;
            }
        }
        Ok(())
    }

    pub(super) fn do_unlink(&self, parent: u64, name: &OsStr, dir_wanted: bool) -> Res<()> {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let (dir, layers, _) = self.locate(parent)?;
        let found = self.resolve(&layers, &dir, name)?.ok_or(Errno::ENOENT)?;
        let is_dir = found.meta.is_dir();
        if dir_wanted && !is_dir {
            return Err(Errno::ENOTDIR);
        }
        if !dir_wanted && is_dir {
            return Err(Errno::EISDIR);
        }
        let child = dir.join(name);
        if is_dir && !self.list_merged(&child, &found.layers)?.is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        let lower = self.lower_has(&layers, &dir, name)?;
        if lower {
            self.copy_up_dir_path(&dir)?;
        }
        let path = self.upper(&child);
        if found.top() == 0 {
            if is_dir {
                self.clear_upper_dir(&path)?;
                std::fs::remove_dir(&path).map_err(errno)?;
            } else {
                std::fs::remove_file(&path).map_err(errno)?;
            }
        }
        if lower {
            self.whiteout(&path)?;
        }
        self.forget_name(&found, parent, name);
        Ok(())
    }

    pub(super) fn do_rename(
        &self,
        parent: u64,
        name: &OsStr,
        newparent: u64,
        newname: &OsStr,
        flags: u32,
    ) -> Res<()> {
        if flags & !libc::RENAME_NOREPLACE != 0 {
            return Err(Errno::EINVAL);
        }
        if !valid_name(newname) {
            return Err(Errno::EINVAL);
        }
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let (dir, layers, _) = self.locate(parent)?;
        let (ndir, nlayers, nis_dir) = self.locate(newparent)?;
        if !nis_dir {
            return Err(Errno::ENOTDIR);
        }
        let src = self.resolve(&layers, &dir, name)?.ok_or(Errno::ENOENT)?;
        let from = dir.join(name);
        let to = ndir.join(newname);
        if from == to {
            return Ok(());
        }
        let target = self.resolve(&nlayers, &ndir, newname)?;
        if let Some(t) = &target {
            if flags & libc::RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if src.meta.is_dir() {
                if !t.meta.is_dir() {
                    return Err(Errno::ENOTDIR);
                }
                if !self.list_merged(&to, &t.layers)?.is_empty() {
                    return Err(Errno::ENOTEMPTY);
                }
            } else if t.meta.is_dir() {
                return Err(Errno::EISDIR);
            }
        }
        // Bring the source (a directory with everything below it) up, and the new parent.
        if src.meta.is_dir() {
            // A directory only in the upper layer moves as it is.
            if src.layers != [0] {
                self.copy_up_tree(&from)?;
            }
        } else if src.top() != 0 {
            self.copy_up_file(&from, src.top(), &src.meta, false)?;
        }
        self.copy_up_dir_path(&ndir)?;
        let src_lower = self.lower_has(&layers, &dir, name)?;
        let dst_lower = self.lower_has(&nlayers, &ndir, newname)?;
        let upath = self.upper(&from);
        let npath = self.upper(&to);
        let mut replaced_whiteout = false;
        if let Some(m) = lexists(&npath) {
            if is_whiteout(&m) {
                if src.meta.is_dir() {
                    std::fs::remove_file(&npath).map_err(errno)?;
                }
                replaced_whiteout = true;
            } else if m.is_dir() {
                self.clear_upper_dir(&npath)?;
            }
        }
        let moved = lstat(&upath)?;
        std::fs::rename(&upath, &npath).map_err(errno)?;
        if src_lower {
            self.whiteout(&upath)?;
        }
        if src.meta.is_dir() && (dst_lower || replaced_whiteout) {
            xattr::set(&npath, &self.opaque_xattr, b"y").map_err(errno)?;
        }
        // Update the nodes: the replaced target loses its name, the source gets the new one,
        // and directories below a moved directory now live in the upper layer only.
        let mut table = lock(&self.table);
        if let Some(t) = &target {
            let tid = self.ino_of(&table, t.meta.dev(), t.meta.ino());
            if let Some(node) = table.nodes.get_mut(&tid) {
                node.names
                    .retain(|(p, n)| !(*p == newparent && n == newname));
            }
        }
        let id = self.ino_of(&table, moved.dev(), moved.ino());
        if let Some(node) = table.nodes.get_mut(&id) {
            node.names.retain(|(p, n)| !(*p == parent && n == name));
            node.names.insert(0, (newparent, newname.to_os_string()));
            if node.is_dir {
                node.layers = vec![0];
            }
        }
        if src.meta.is_dir() {
            let below: Vec<u64> = table
                .nodes
                .iter()
                .filter(|(nid, n)| n.is_dir && **nid != id && Self::descends(&table, **nid, id))
                .map(|(nid, _)| *nid)
                .collect();
            for nid in below {
                if let Some(n) = table.nodes.get_mut(&nid) {
                    n.layers = vec![0];
                }
            }
        }
        Ok(())
    }

    pub(super) fn descends(table: &Table, mut id: u64, ancestor: u64) -> bool {
        for _ in 0..4096 {
            let Some(node) = table.nodes.get(&id) else {
                return false;
            };
            let Some((p, _)) = node.names.first() else {
                return false;
            };
            if *p == ancestor {
                return true;
            }
            if *p == ROOT {
                return false;
            }
            id = *p;
        }
        false
    }
}
