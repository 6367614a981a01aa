//! Copy-up: a lower file or directory brought into the upper layer (data, metadata, the other
//! names of a hard-linked file) before it is changed, atomically through a temporary name.
use super::*;

impl Overlay {
    /// Make sure the merged directory `rel` exists in the upper layer, copying it and its
    /// ancestors up (with their metadata) where they do not.
    pub(super) fn copy_up_dir_path(&self, rel: &Path) -> Res<()> {
        match std::fs::symlink_metadata(self.upper(rel)) {
            Ok(m) if m.is_dir() => return Ok(()),
            _ => {}
        }
        let root_layers = {
            let table = lock(&self.table);
            table
                .nodes
                .get(&ROOT)
                .map(|n| n.layers.clone())
                .unwrap_or_default()
        };
        let mut layers = root_layers;
        let mut prefix = PathBuf::new();
        for comp in rel.components() {
            let name = comp.as_os_str();
            let found = self.resolve(&layers, &prefix, name)?.ok_or(Errno::ENOENT)?;
            if !found.meta.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            prefix.push(name);
            let mut merged = found.layers.clone();
            if found.top() != 0 {
                self.make_upper_dir(&prefix, &found)?;
                merged.insert(0, 0);
            }
            layers = merged;
        }
        Ok(())
    }

    pub(super) fn make_upper_dir(&self, rel: &Path, found: &Found) -> Res<()> {
        let src = self.real(found.top(), rel);
        let tmp = self.tmp_path();
        std::fs::create_dir(&tmp).map_err(errno)?;
        let done = copy_meta(&src, &tmp, &found.meta)
            .and_then(|()| std::fs::rename(&tmp, self.upper(rel)).map_err(errno));
        if let Err(e) = done {
            let _ = std::fs::remove_dir(&tmp);
            return Err(e);
        }
        let dst = self.upper(rel);
        set_times(&dst, &found.meta)?;
        let up = lstat(&dst)?;
        let mut table = lock(&self.table);
        let id = self.ino_of(&table, found.meta.dev(), found.meta.ino());
        table.alias.insert((up.dev(), up.ino()), id);
        if let Some(node) = table.nodes.get_mut(&id) {
            if node.layers.first() != Some(&0) {
                node.layers.insert(0, 0);
            }
        }
        Ok(())
    }

    /// Copy the non-directory `rel` up from `layer` (its metadata `meta`).
    pub(super) fn copy_up_file(
        &self,
        rel: &Path,
        layer: u16,
        meta: &Metadata,
        skip_data: bool,
    ) -> Res<()> {
        if let Some(parent) = rel.parent() {
            self.copy_up_dir_path(parent)?;
        }
        let src = self.real(layer, rel);
        let tmp = self.tmp_path();
        let made = self.make_copy(&src, &tmp, meta, skip_data);
        let renamed = made.and_then(|()| std::fs::rename(&tmp, self.upper(rel)).map_err(errno));
        if let Err(e) = renamed {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        let up = lstat(&self.upper(rel))?;
        {
            let mut table = lock(&self.table);
            let id = self.ino_of(&table, meta.dev(), meta.ino());
            table.alias.insert((up.dev(), up.ino()), id);
            if let Some(node) = table.nodes.get_mut(&id) {
                node.layers = vec![0];
            }
        }
        if meta.nlink() > 1 {
            self.link_up_other_names(rel, layer, meta)?;
        }
        Ok(())
    }

    pub(super) fn make_copy(
        &self,
        src: &Path,
        tmp: &Path,
        meta: &Metadata,
        skip_data: bool,
    ) -> Res<()> {
        let ft = meta.file_type();
        if ft.is_file() {
            let mut out = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(tmp)
                .map_err(errno)?;
            if !skip_data {
                let mut input = File::open(src).map_err(errno)?;
                io::copy(&mut input, &mut out).map_err(errno)?;
            }
        } else if ft.is_symlink() {
            let target = std::fs::read_link(src).map_err(errno)?;
            std::os::unix::fs::symlink(target, tmp).map_err(errno)?;
        } else {
            let kind = SFlag::from_bits_truncate(meta.mode() & libc::S_IFMT);
            nix::sys::stat::mknod(tmp, kind, Mode::from_bits_truncate(0o600), meta.rdev())
                .map_err(nerr)?;
        }
        copy_meta(src, tmp, meta)?;
        set_times(tmp, meta)
    }

    /// Kernel overlay's `index=on` semantics, done eagerly: the other visible names of a
    /// hard-linked file that was just copied up are linked to the copy, so all names keep
    /// seeing the same data (and the upper directory stays a faithful layer).
    pub(super) fn link_up_other_names(&self, rel: &Path, layer: u16, meta: &Metadata) -> Res<()> {
        let root = self.real(layer, Path::new(""));
        let mut others = Vec::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(root.join(&dir)) else {
                continue;
            };
            for e in rd.flatten() {
                let Ok(ft) = e.file_type() else { continue };
                let child = dir.join(e.file_name());
                if ft.is_dir() {
                    stack.push(child);
                } else if std::os::unix::fs::DirEntryExt::ino(&e) == meta.ino() && child != rel {
                    others.push(child);
                }
            }
        }
        for other in others {
            let Ok(found) = self.resolve_path(&other) else {
                continue;
            };
            if found.top() != layer
                || found.meta.ino() != meta.ino()
                || found.meta.dev() != meta.dev()
            {
                continue;
            }
            if let Some(parent) = other.parent() {
                self.copy_up_dir_path(parent)?;
            }
            std::fs::hard_link(self.upper(rel), self.upper(&other)).map_err(errno)?;
        }
        Ok(())
    }

    /// Copy a node up (nothing to do if it is in the upper layer already).
    pub(super) fn copy_up(&self, id: u64, skip_data: bool) -> Res<PathBuf> {
        let (rel, layers, is_dir) = self.locate(id)?;
        let top = layers.first().copied().unwrap_or(0);
        if top == 0 {
            return Ok(rel);
        }
        if is_dir {
            self.copy_up_dir_path(&rel)?;
        } else {
            let meta = lstat(&self.real(top, &rel))?;
            self.copy_up_file(&rel, top, &meta, skip_data)?;
        }
        Ok(rel)
    }

    /// Copy a whole merged directory tree up (before it is renamed).
    pub(super) fn copy_up_tree(&self, rel: &Path) -> Res<()> {
        self.copy_up_dir_path(rel)?;
        let found = self.resolve_path(rel)?;
        for ent in self.list_merged(rel, &found.layers)?.iter() {
            let child = rel.join(&ent.name);
            if ent.kind == FileType::Directory {
                self.copy_up_tree(&child)?;
            } else {
                let f = self
                    .resolve(&found.layers, rel, &ent.name)?
                    .ok_or(Errno::ENOENT)?;
                if f.top() != 0 {
                    self.copy_up_file(&child, f.top(), &f.meta, false)?;
                }
            }
        }
        Ok(())
    }

    // ---- listings -----------------------------------------------------------------------
}
