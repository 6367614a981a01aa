//! Open files: pinned descriptors, the handle table (passthrough where the kernel allows),
//! open modes, and setattr on an open or pinned file.
use super::*;

impl Overlay {
    /// The node's file in its top layer, pinned (`O_PATH`): call with `tree` held.
    pub(super) fn pin_top(&self, id: u64) -> Res<OwnedFd> {
        let (rel, layers, _) = self.locate(id)?;
        self.pin(layers.first().copied().unwrap_or(0), &rel, OFlag::O_PATH)
    }

    pub(super) fn getattr_id(&self, id: u64) -> Res<FileAttr> {
        let (rel, layers, is_dir) = self.locate(id)?;
        let meta = lstat(&self.real(layers.first().copied().unwrap_or(0), &rel))?;
        Ok(self.attr(id, &meta, is_dir && layers.len() > 1))
    }

    pub(super) fn add_file(
        &self,
        file: Arc<File>,
        ino: u64,
        passthrough: bool,
        in_upper: bool,
    ) -> u64 {
        let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
        self.files
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                fh,
                Handle {
                    file,
                    ino,
                    passthrough,
                    in_upper,
                },
            );
        fh
    }

    pub(super) fn any_upper_handle(&self, ino: u64) -> Option<Arc<File>> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .find(|h| h.in_upper && h.ino == ino)
            .map(|h| h.file.clone())
    }

    /// The file of an open handle if it is an upper file (changes may go through it).
    pub(super) fn upper_handle(&self, fh: FileHandle) -> Option<Arc<File>> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&fh.0)
            .filter(|h| h.in_upper)
            .map(|h| h.file.clone())
    }

    /// Decide how a new open of inode `ino` is served: passed through to `file` (returns its
    /// backing id) or cached through this server. Only upper files are passed through (a lower
    /// file's backing would conflict with the upper one after a copy-up).
    pub(super) fn open_mode(
        &self,
        ino: u64,
        in_upper: bool,
        register: impl FnOnce() -> io::Result<BackingId>,
    ) -> Option<Arc<BackingId>> {
        let mut opens = lock(&self.opens);
        let st = opens.entry(ino).or_default();
        if self.passthrough.load(Ordering::Relaxed) && in_upper && st.cached == 0 {
            let backing = match &st.backing {
                Some(b) => Some(b.clone()),
                None => match register() {
                    Ok(b) => {
                        let b = Arc::new(b);
                        st.backing = Some(b.clone());
                        Some(b)
                    }
                    Err(e) => {
                        tracing::debug!("FUSE passthrough unavailable: {e}");
                        self.passthrough.store(false, Ordering::Relaxed);
                        None
                    }
                },
            };
            if backing.is_some() {
                st.passthrough += 1;
                return backing;
            }
        }
        if let Some(b) = &st.backing {
            // Already passed through: every open must use the same backing file.
            st.passthrough += 1;
            return Some(b.clone());
        }
        st.cached += 1;
        None
    }

    pub(super) fn file(&self, fh: FileHandle) -> Res<Arc<File>> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&fh.0)
            .map(|h| h.file.clone())
            .ok_or(Errno::EBADF)
    }

    pub(super) fn open_flags(flags: i32) -> nix::fcntl::OFlag {
        let keep = flags
            & !(libc::O_CREAT | libc::O_EXCL | libc::O_NOCTTY | libc::O_DIRECT | libc::O_NOATIME);
        nix::fcntl::OFlag::from_bits_truncate(keep | libc::O_CLOEXEC)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn do_setattr(
        &self,
        ino: u64,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        fh: Option<FileHandle>,
    ) -> Res<FileAttr> {
        // Through an open upper file: works for open-then-unlinked files too (ftruncate,
        // fchmod, futimens on a temporary file).
        // fchmod, fchown and futimens come without a handle: if the file has no name left,
        // any open upper handle of the inode will do.
        let file = fh.and_then(|fh| self.upper_handle(fh)).or_else(|| {
            if self.locate(ino).is_err() {
                self.any_upper_handle(ino)
            } else {
                None
            }
        });
        if let Some(file) = file {
            if uid.is_some() || gid.is_some() {
                std::os::unix::fs::fchown(&*file, uid, gid).map_err(errno)?;
            }
            if let Some(mode) = mode {
                file.set_permissions(std::fs::Permissions::from_mode(mode & 0o7777))
                    .map_err(errno)?;
            }
            if let Some(size) = size {
                file.set_len(size).map_err(errno)?;
            }
            if atime.is_some() || mtime.is_some() {
                nix::sys::stat::futimens(&*file, &timespec(atime), &timespec(mtime))
                    .map_err(nerr)?;
            }
            let meta = file.metadata().map_err(errno)?;
            return Ok(self.attr(ino, &meta, false));
        }
        // The whole change under the tree lock, on the pinned node (see "Path safety").
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let rel = self.copy_up(ino, size == Some(0))?;
        let node = self.pin(0, &rel, OFlag::O_PATH)?;
        if uid.is_some() || gid.is_some() {
            nix::unistd::fchownat(
                &node,
                "",
                uid.map(nix::unistd::Uid::from_raw),
                gid.map(nix::unistd::Gid::from_raw),
                nix::fcntl::AtFlags::AT_EMPTY_PATH | nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(nerr)?;
        }
        if let Some(mode) = mode {
            let meta = File::from(node.try_clone().map_err(errno)?)
                .metadata()
                .map_err(errno)?;
            if !meta.file_type().is_symlink() {
                chmod(&fd_path(&node), mode)?;
            }
        }
        if let Some(size) = size {
            match fh.map(|fh| self.file(fh)) {
                Some(Ok(f)) => f.set_len(size).map_err(errno)?,
                _ => File::from(self.pin(0, &rel, OFlag::O_WRONLY)?)
                    .set_len(size)
                    .map_err(errno)?,
            }
        }
        if atime.is_some() || mtime.is_some() {
            crate::sys::fd::set_times(
                std::os::fd::AsFd::as_fd(&node),
                &timespec(atime),
                &timespec(mtime),
            )
            .map_err(errno)?;
        }
        self.getattr_id(ino)
    }
}
