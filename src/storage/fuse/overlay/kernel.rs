//! The `fuser::Filesystem` implementation: each kernel request answered from the overlay's
//! operations.
use super::*;

pub(super) fn reply_xattr(reply: ReplyXattr, data: &[u8], size: u32) {
    if size == 0 {
        reply.size(u32::try_from(data.len()).unwrap_or(u32::MAX));
    } else if data.len() > size as usize {
        reply.error(Errno::ERANGE);
    } else {
        reply.data(data);
    }
}

impl Filesystem for Overlay {
    fn init(&mut self, _req: &Request, config: &mut KernelConfig) -> io::Result<()> {
        for flag in [
            InitFlags::FUSE_PARALLEL_DIROPS,
            InitFlags::FUSE_CACHE_SYMLINKS,
            InitFlags::FUSE_ATOMIC_O_TRUNC,
            InitFlags::FUSE_BIG_WRITES,
            InitFlags::FUSE_ASYNC_READ,
        ] {
            let _ = config.add_capabilities(flag);
        }
        // Readdirplus: a listing carries each entry's attributes, so a walk that stats what it
        // lists (`ls -l`, `tar`, `du`, `find -printf %s`) makes one request per listing buffer
        // instead of a LOOKUP per name. benches/storage.sh (docs/performance.md, "Readdirplus"):
        // stat of 2,000 files after a remount 4x faster (fuse-overlayfs's speed), a `find` that
        // only lists 2x slower (still faster than fuse-overlayfs). AUTO lets the kernel fall back
        // to plain listings in a directory nobody stats. SKIFF_FUSE_NO_READDIRPLUS measures without.
        if std::env::var_os("SKIFF_FUSE_NO_READDIRPLUS").is_none() {
            let _ = config.add_capabilities(
                InitFlags::FUSE_DO_READDIRPLUS | InitFlags::FUSE_READDIRPLUS_AUTO,
            );
        }
        let _ = config.set_max_write(MAX_IO);
        // Readahead in requests as large as a READ may be (the `max_read` mount option).
        if let Err(max) = config.set_max_readahead(MAX_READ) {
            let _ = config.set_max_readahead(max);
        }
        let _ = config.set_max_background(64);
        // Reads and writes of upper files go straight to them (Linux 6.9 and later). A stack
        // depth of 1 keeps this mount usable under another overlay.
        // SKIFF_FUSE_NO_PASSTHROUGH measures the path rootless mounts take.
        let disabled = std::env::var_os("SKIFF_FUSE_NO_PASSTHROUGH").is_some();
        if !disabled
            && config.capabilities().contains(InitFlags::FUSE_PASSTHROUGH)
            && config.set_max_stack_depth(1).is_ok()
            && config.add_capabilities(InitFlags::FUSE_PASSTHROUGH).is_ok()
        {
            self.passthrough.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        match self.do_lookup(parent.0, name) {
            Ok(Some(attr)) => reply.entry(&TTL, &attr, Generation(0)),
            Ok(None) => {
                // A negative entry the kernel may cache (only the container changes names).
                reply.entry(&TTL, &negative_attr(), Generation(0));
            }
            Err(e) => reply.error(e),
        }
    }

    fn forget(&self, _req: &Request, ino: INodeNo, nlookup: u64) {
        if ino.0 == ROOT {
            return;
        }
        let mut table = lock(&self.table);
        let gone = match table.nodes.get_mut(&ino.0) {
            Some(node) => {
                node.nlookup = node.nlookup.saturating_sub(nlookup);
                node.nlookup == 0
            }
            None => false,
        };
        if gone {
            table.nodes.remove(&ino.0);
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, fh: Option<FileHandle>, reply: ReplyAttr) {
        if let Some(fh) = fh {
            if let Ok(f) = self.file(fh) {
                if let Ok(meta) = f.metadata() {
                    let attr = self.attr(ino.0, &meta, false);
                    return reply.attr(&TTL, &attr);
                }
            }
        }
        let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
        match self.getattr_id(ino.0) {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(e) => reply.error(e),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
        size: Option<u64>,
        atime: Option<TimeOrNow>,
        mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        match self.do_setattr(ino.0, mode, uid, gid, size, atime, mtime, fh) {
            Ok(attr) => reply.attr(&TTL, &attr),
            Err(e) => reply.error(e),
        }
    }

    fn readlink(&self, _req: &Request, ino: INodeNo, reply: ReplyData) {
        let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
        match self
            .pin_top(ino.0)
            .and_then(|fd| nix::fcntl::readlinkat(&fd, "").map_err(nerr))
        {
            Ok(t) => reply.data(t.as_bytes()),
            Err(e) => reply.error(e),
        }
    }

    fn mknod(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        rdev: u32,
        reply: ReplyEntry,
    ) {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self
            .prepare_new(parent.0, name)
            .and_then(|(path, _, pmeta)| {
                let mode = mode & !umask;
                let kind = SFlag::from_bits_truncate(mode & libc::S_IFMT);
                nix::sys::stat::mknod(
                    &path,
                    kind,
                    Mode::from_bits_truncate(mode & 0o777),
                    u64::from(rdev),
                )
                .map_err(nerr)?;
                self.finish_new(req, parent.0, name, &path, &pmeta, Some(mode))
            });
        match res {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn mkdir(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self
            .prepare_new(parent.0, name)
            .and_then(|(path, whiteout, pmeta)| {
                let mode = (mode & !umask & 0o7777) | libc::S_IFDIR;
                std::fs::DirBuilder::new()
                    .mode(mode & 0o777)
                    .create(&path)
                    .map_err(errno)?;
                if whiteout {
                    xattr::set(&path, &self.opaque_xattr, b"y").map_err(errno)?;
                }
                self.finish_new(req, parent.0, name, &path, &pmeta, Some(mode))
            });
        match res {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.do_unlink(parent.0, name, false) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        match self.do_unlink(parent.0, name, true) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn symlink(
        &self,
        req: &Request,
        parent: INodeNo,
        link_name: &OsStr,
        target: &Path,
        reply: ReplyEntry,
    ) {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self
            .prepare_new(parent.0, link_name)
            .and_then(|(path, _, pmeta)| {
                std::os::unix::fs::symlink(target, &path).map_err(errno)?;
                self.finish_new(req, parent.0, link_name, &path, &pmeta, None)
            });
        match res {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        match self.do_rename(parent.0, name, newparent.0, newname, flags.bits()) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn link(
        &self,
        _req: &Request,
        ino: INodeNo,
        newparent: INodeNo,
        newname: &OsStr,
        reply: ReplyEntry,
    ) {
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self.copy_up(ino.0, false).and_then(|rel| {
            let (path, _, _) = self.prepare_new(newparent.0, newname)?;
            std::fs::hard_link(self.upper(&rel), &path).map_err(errno)?;
            let meta = lstat(&path)?;
            Ok(self.remember(
                &Found {
                    layers: vec![0],
                    meta,
                },
                newparent.0,
                newname,
            ))
        });
        match res {
            Ok(attr) => reply.entry(&TTL, &attr, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let write = flags.acc_mode() != OpenAccMode::O_RDONLY || flags.0 & libc::O_TRUNC != 0;
        let oflags = Self::open_flags(flags.0);
        let res = if write {
            let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
            self.copy_up(ino.0, flags.0 & libc::O_TRUNC != 0)
                .and_then(|rel| self.pin(0, &rel, oflags))
                .map(|fd| (Arc::new(File::from(fd)), true))
        } else {
            let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
            self.locate(ino.0).and_then(|(rel, layers, _)| {
                let top = layers.first().copied().unwrap_or(0);
                self.pin(top, &rel, oflags)
                    .map(|fd| (Arc::new(File::from(fd)), top == 0))
            })
        };
        match res {
            Ok((file, in_upper)) => {
                let backing = self.open_mode(ino.0, in_upper, || reply.open_backing(&*file));
                let fh = FileHandle(self.add_file(file, ino.0, backing.is_some(), in_upper));
                match backing {
                    Some(b) => reply.opened_passthrough(fh, FopenFlags::empty(), &b),
                    None => reply.opened(fh, FopenFlags::FOPEN_KEEP_CACHE),
                }
            }
            Err(e) => reply.error(e),
        }
    }

    fn read(
        &self,
        req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        reply: ReplyData,
    ) {
        let file = match self.file(fh) {
            Ok(f) => f,
            Err(e) => return reply.error(e),
        };
        if let Some(splicer) = &self.splice {
            if splicer.read(req.unique().0, &file, offset, size) {
                return super::splice::retire(reply);
            }
        }
        // One buffer per worker thread, reused: no allocation or zeroing per request.
        READ_BUF.with(|cell| {
            let mut buf = cell.borrow_mut();
            let size = size as usize;
            if buf.len() < size {
                buf.resize(size, 0);
            }
            let mut done = 0;
            while done < size {
                match file.read_at(&mut buf[done..size], offset + done as u64) {
                    Ok(0) => break,
                    Ok(n) => done += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return reply.error(errno(e)),
                }
            }
            reply.data(&buf[..done]);
        });
    }

    fn write(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        reply: ReplyWrite,
    ) {
        let file = match self.file(fh) {
            Ok(f) => f,
            Err(e) => return reply.error(e),
        };
        match file.write_all_at(data, offset) {
            Ok(()) => reply.written(u32::try_from(data.len()).unwrap_or(u32::MAX)),
            Err(e) => reply.error(errno(e)),
        }
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: fuser::LockOwner,
        reply: ReplyEmpty,
    ) {
        reply.ok();
    }

    fn release(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        _lock_owner: Option<fuser::LockOwner>,
        _flush: bool,
        reply: ReplyEmpty,
    ) {
        let handle = self
            .files
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&fh.0);
        if let Some(h) = handle {
            let mut opens = lock(&self.opens);
            if let Some(st) = opens.get_mut(&h.ino) {
                if h.passthrough {
                    st.passthrough = st.passthrough.saturating_sub(1);
                } else {
                    st.cached = st.cached.saturating_sub(1);
                }
                if st.passthrough == 0 && st.cached == 0 {
                    opens.remove(&h.ino);
                }
            }
        }
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        datasync: bool,
        reply: ReplyEmpty,
    ) {
        let res = self.file(fh).and_then(|f| {
            if datasync {
                f.sync_data().map_err(errno)
            } else {
                f.sync_all().map_err(errno)
            }
        });
        match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn opendir(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
        let res = self
            .locate(ino.0)
            .and_then(|(rel, layers, _)| self.list_merged(&rel, &layers));
        match res {
            Ok(list) => {
                let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
                lock(&self.dirs).insert(fh, Arc::new(list));
                // The kernel may keep listings: it drops them itself when it changes the
                // directory, and nothing else does.
                reply.opened(
                    FileHandle(fh),
                    FopenFlags::FOPEN_CACHE_DIR | FopenFlags::FOPEN_KEEP_CACHE,
                );
            }
            Err(e) => reply.error(e),
        }
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let Some(list) = lock(&self.dirs).get(&fh.0).cloned() else {
            return reply.error(Errno::EBADF);
        };
        let parent_ino = {
            let table = lock(&self.table);
            table
                .nodes
                .get(&ino.0)
                .and_then(|n| n.names.first().map(|(p, _)| *p))
                .unwrap_or(ROOT)
        };
        let mut idx = offset;
        loop {
            let full = match idx {
                0 => reply.add(ino, 1, FileType::Directory, "."),
                1 => reply.add(INodeNo(parent_ino), 2, FileType::Directory, ".."),
                n => {
                    let Some(e) = usize::try_from(n - 2).ok().and_then(|i| list.get(i)) else {
                        break;
                    };
                    reply.add(INodeNo(e.ino), n + 1, e.kind, &e.name)
                }
            };
            if full {
                break;
            }
            idx += 1;
        }
        reply.ok();
    }

    /// A listing with every entry looked up (the kernel asks when it sees a walk that stats
    /// what it lists): one request per buffer instead of one per name.
    fn readdirplus(
        &self,
        _req: &Request,
        ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectoryPlus,
    ) {
        let Some(list) = lock(&self.dirs).get(&fh.0).cloned() else {
            return reply.error(Errno::EBADF);
        };
        let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
        let (rel, layers, _) = match self.locate(ino.0) {
            Ok(l) => l,
            Err(e) => return reply.error(e),
        };
        let dir_attr = match self.getattr_id(ino.0) {
            Ok(a) => a,
            Err(e) => return reply.error(e),
        };
        let mut idx = offset;
        loop {
            let full = match idx {
                // The kernel neither counts nor caches the dot entries.
                0 => reply.add(ino, 1, ".", &TTL, &dir_attr, Generation(0)),
                1 => reply.add(ino, 2, "..", &TTL, &dir_attr, Generation(0)),
                n => {
                    let Some(e) = usize::try_from(n - 2).ok().and_then(|i| list.get(i)) else {
                        break;
                    };
                    // The listing was made at opendir; the kernel caches what is sent here
                    // (a dentry even where it had a negative one), so every entry is checked
                    // as it is now. A non-directory listed from a lower layer is still there
                    // unless the upper layer has the name since (copied up, replaced, or a
                    // whiteout): one stat of the upper name, then one where it was listed.
                    let upper_changed = e.kind != FileType::Directory
                        && e.layer != 0
                        && lexists(&self.upper(&rel).join(&e.name)).is_some();
                    let found = if e.kind == FileType::Directory || upper_changed {
                        self.resolve(&layers, &rel, &e.name)
                    } else {
                        std::fs::symlink_metadata(self.real(e.layer, &rel).join(&e.name))
                            .map(|meta| {
                                Some(Found {
                                    layers: vec![e.layer],
                                    meta,
                                })
                            })
                            .map_err(errno)
                    };
                    match found {
                        Ok(Some(found)) => {
                            let id = {
                                let table = lock(&self.table);
                                self.ino_of(&table, found.meta.dev(), found.meta.ino())
                            };
                            let merged = found.meta.is_dir() && found.layers.len() > 1;
                            let attr = self.attr(id, &found.meta, merged);
                            let full =
                                reply.add(INodeNo(id), n + 1, &e.name, &TTL, &attr, Generation(0));
                            if !full {
                                // Sent: it counts as a lookup.
                                self.remember(&found, ino.0, &e.name);
                            }
                            full
                        }
                        // Gone since the listing was made.
                        _ => false,
                    }
                }
            };
            if full {
                break;
            }
            idx += 1;
        }
        reply.ok();
    }

    fn releasedir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        _flags: OpenFlags,
        reply: ReplyEmpty,
    ) {
        lock(&self.dirs).remove(&fh.0);
        reply.ok();
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        reply.ok();
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        match nix::sys::statvfs::statvfs(&self.roots[0]) {
            Ok(s) => reply.statfs(
                s.blocks(),
                s.blocks_free(),
                s.blocks_available(),
                s.files(),
                s.files_free(),
                s.block_size() as u32,
                s.name_max() as u32,
                s.fragment_size() as u32,
            ),
            Err(e) => reply.error(nerr(e)),
        }
    }

    fn setxattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        name: &OsStr,
        value: &[u8],
        flags: i32,
        _position: u32,
        reply: ReplyEmpty,
    ) {
        if is_overlay_xattr(name) {
            return reply.error(Errno::EPERM);
        }
        let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
        let res = self.copy_up(ino.0, false).and_then(|rel| {
            let node = self.pin(0, &rel, OFlag::O_PATH)?;
            let path = fd_path(&node);
            let exists = matches!(xattr::get_deref(&path, name), Ok(Some(_)));
            if flags & libc::XATTR_CREATE != 0 && exists {
                return Err(Errno::EEXIST);
            }
            if flags & libc::XATTR_REPLACE != 0 && !exists {
                return Err(Errno::ENODATA);
            }
            xattr::set_deref(&path, name, value).map_err(errno)
        });
        match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn getxattr(&self, _req: &Request, ino: INodeNo, name: &OsStr, size: u32, reply: ReplyXattr) {
        if is_overlay_xattr(name) {
            return reply.error(Errno::ENODATA);
        }
        let res = {
            let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
            self.pin_top(ino.0)
                .and_then(|fd| xattr::get_deref(fd_path(&fd), name).map_err(errno))
        };
        match res {
            Ok(Some(v)) => reply_xattr(reply, &v, size),
            Ok(None) => reply.error(Errno::ENODATA),
            Err(e) => reply.error(e),
        }
    }

    fn listxattr(&self, _req: &Request, ino: INodeNo, size: u32, reply: ReplyXattr) {
        let res = {
            let _g = self.tree.read().unwrap_or_else(|p| p.into_inner());
            self.pin_top(ino.0)
                .and_then(|fd| xattr::list_deref(fd_path(&fd)).map_err(errno))
        };
        match res {
            Ok(names) => reply_xattr(reply, &filter_xattr_list(names), size),
            Err(e) => reply.error(e),
        }
    }

    fn removexattr(&self, _req: &Request, ino: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        if is_overlay_xattr(name) {
            return reply.error(Errno::ENODATA);
        }
        let res = {
            let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
            self.copy_up(ino.0, false).and_then(|rel| {
                let node = self.pin(0, &rel, OFlag::O_PATH)?;
                xattr::remove_deref(fd_path(&node), name).map_err(errno)
            })
        };
        match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }

    fn create(
        &self,
        req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let res = {
            let _g = self.tree.write().unwrap_or_else(|p| p.into_inner());
            self.prepare_new(parent.0, name)
                .and_then(|(path, _, pmeta)| {
                    let mode = mode & !umask;
                    let oflags = Self::open_flags(flags)
                        | nix::fcntl::OFlag::O_CREAT
                        | nix::fcntl::OFlag::O_EXCL;
                    let fd =
                        nix::fcntl::open(&path, oflags, Mode::from_bits_truncate(mode & 0o777))
                            .map_err(nerr)?;
                    let attr = self.finish_new(req, parent.0, name, &path, &pmeta, Some(mode))?;
                    Ok((attr, File::from(fd)))
                })
        };
        match res {
            Ok((attr, file)) => {
                let file = Arc::new(file);
                let ino = attr.ino.0;
                let backing = self.open_mode(ino, true, || reply.open_backing(&*file));
                let fh = FileHandle(self.add_file(file, ino, backing.is_some(), true));
                match backing {
                    Some(b) => reply.created_passthrough(
                        &TTL,
                        &attr,
                        Generation(0),
                        fh,
                        FopenFlags::empty(),
                        &b,
                    ),
                    None => {
                        reply.created(&TTL, &attr, Generation(0), fh, FopenFlags::FOPEN_KEEP_CACHE)
                    }
                }
            }
            Err(e) => reply.error(e),
        }
    }

    fn fallocate(
        &self,
        _req: &Request,
        _ino: INodeNo,
        fh: FileHandle,
        offset: u64,
        length: u64,
        mode: i32,
        reply: ReplyEmpty,
    ) {
        let res = self.file(fh).and_then(|f| {
            nix::fcntl::fallocate(
                &*f,
                nix::fcntl::FallocateFlags::from_bits_truncate(mode),
                i64::try_from(offset).map_err(|_| Errno::EINVAL)?,
                i64::try_from(length).map_err(|_| Errno::EINVAL)?,
            )
            .map_err(nerr)
        });
        match res {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }
}

/// The attributes of a negative entry: inode 0 means "no such name", the rest is ignored.
pub(super) fn negative_attr() -> FileAttr {
    FileAttr {
        ino: INodeNo(0),
        size: 0,
        blocks: 0,
        atime: UNIX_EPOCH,
        mtime: UNIX_EPOCH,
        ctime: UNIX_EPOCH,
        crtime: UNIX_EPOCH,
        kind: FileType::RegularFile,
        perm: 0,
        nlink: 0,
        uid: 0,
        gid: 0,
        rdev: 0,
        blksize: 4096,
        flags: 0,
    }
}
