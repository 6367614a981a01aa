//! `build`'s stages: splitting the Dockerfile into stages, which of them a target needs, running
//! them (in parallel where independent), base images, the build cache's lookups and keys.
use super::*;

impl<'a, 'e> Builder<'a, 'e> {
    pub(super) fn next(&mut self) -> usize {
        self.counter.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub(super) fn lock_sums(
        &self,
    ) -> Result<std::sync::MutexGuard<'a, files::SumCache>, EngineError> {
        self.sums
            .lock()
            .map_err(|_| failed("the checksum cache is poisoned"))
    }

    pub(super) fn emit(&self, ev: BuildEvent) {
        if let Ok(mut f) = self.on_event.lock() {
            (f)(ev);
        }
    }

    /// A builder for another thread: the same build, its own per-stage state.
    pub(super) fn fork(&self) -> Builder<'a, 'e> {
        Builder {
            paths: self.paths,
            opts: self.opts,
            store: self.store.clone(),
            cache: self.cache.clone(),
            on_event: self.on_event,
            counter: self.counter,
            file_name: self.file_name.clone(),
            escape: self.escape,
            context: self.context.clone(),
            build_args: self.build_args.clone(),
            used_args: HashSet::new(),
            global_args: self.global_args.clone(),
            stages: self.stages.clone(),
            results: self.results.clone(),
            secrets: self.secrets.clone(),
            sums: self.sums,
            mount_locks: Vec::new(),
            _temp: Vec::new(),
        }
    }

    /// Build the needed stages (keys of `deps`, each with the stages it needs), stages whose
    /// dependencies are built running side by side, each in a thread.
    pub(super) fn run_stages(
        &mut self,
        deps: &HashMap<usize, HashSet<usize>>,
    ) -> Result<(), EngineError> {
        let mut done: HashSet<usize> = HashSet::new();
        while done.len() < deps.len() {
            let mut ready: Vec<usize> = deps
                .iter()
                .filter(|(i, d)| !done.contains(*i) && d.iter().all(|x| done.contains(x)))
                .map(|(i, _)| *i)
                .collect();
            ready.sort();
            if ready.is_empty() {
                return Err(failed("the stages depend on each other in a circle"));
            }
            if let [i] = ready[..] {
                let img = self.run_stage(i)?;
                self.results[i] = Some(img);
                done.insert(i);
                continue;
            }
            let outcomes: Vec<(usize, Result<ImageRecord, EngineError>, HashSet<String>)> =
                std::thread::scope(|scope| {
                    let handles: Vec<_> = ready
                        .iter()
                        .map(|&i| {
                            let mut w = self.fork();
                            scope.spawn(move || {
                                let r = w.run_stage(i);
                                (i, r, std::mem::take(&mut w.used_args))
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| {
                            h.join().unwrap_or_else(|_| {
                                (
                                    usize::MAX,
                                    Err(failed("a build thread panicked")),
                                    HashSet::new(),
                                )
                            })
                        })
                        .collect()
                });
            let mut first_err = None;
            for (i, r, used) in outcomes {
                self.used_args.extend(used);
                match r {
                    Ok(img) => {
                        if let Some(slot) = self.results.get_mut(i) {
                            *slot = Some(img);
                        }
                    }
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_err {
                return Err(e);
            }
            done.extend(ready);
        }
        Ok(())
    }

    pub(super) fn syntax(&self, line: usize, msg: impl Into<String>) -> EngineError {
        EngineError::Build(BuildError::Syntax {
            file: self.file_name.clone(),
            line,
            message: msg.into(),
        })
    }

    /// `RUN --network=host` shares the host's network namespace with the step: only with the
    /// `network.host` entitlement (`--allow network.host`, or `--network host` for the whole
    /// build, as buildx grants it), checked before any step runs.
    pub(super) fn check_entitlements(&self) -> Result<(), EngineError> {
        let allowed = self.opts.network == "host"
            || self
                .opts
                .allow
                .iter()
                .any(|a| a == ENTITLEMENT_NETWORK_HOST);
        if allowed {
            return Ok(());
        }
        for inst in self.stages.iter().flat_map(|s| s.instructions.iter()) {
            if inst.keyword == "RUN"
                && inst
                    .flags
                    .iter()
                    .any(|(k, v)| k == "network" && v.as_deref() == Some("host"))
            {
                return Err(self.syntax(
                    inst.line,
                    "RUN --network=host needs the network.host entitlement, which was not \
                     granted: build with --allow network.host",
                ));
            }
        }
        Ok(())
    }

    pub(super) fn split_stages(
        &mut self,
        instructions: Vec<Instruction>,
    ) -> Result<(), EngineError> {
        let mut cur: Option<Stage> = None;
        for inst in instructions {
            if inst.keyword == "FROM" {
                if let Some(s) = cur.take() {
                    self.stages.push(s);
                }
                let words: Vec<&str> = inst.args.split_whitespace().collect();
                let name = match words.as_slice() {
                    [_] => None,
                    [_, as_, n] if as_.eq_ignore_ascii_case("as") => Some(n.to_ascii_lowercase()),
                    _ => {
                        return Err(
                            self.syntax(inst.line, "FROM requires either one or three arguments")
                        )
                    }
                };
                if let Some(n) = &name {
                    if self.stages.iter().any(|s| s.name.as_ref() == Some(n)) {
                        return Err(self.syntax(inst.line, format!("duplicate stage name {n:?}")));
                    }
                }
                cur = Some(Stage {
                    name,
                    from: inst,
                    instructions: Vec::new(),
                });
            } else if let Some(s) = cur.as_mut() {
                s.instructions.push(inst);
            } else if inst.keyword == "ARG" {
                for (k, v) in parse_arg(&inst.args)? {
                    let v = match v {
                        Some(v) => Some(self.expand_global(&v, inst.line)?),
                        None => None,
                    };
                    self.global_args.push((k, v));
                }
            } else {
                return Err(self.syntax(
                    inst.line,
                    format!("{} is not allowed before the first FROM", inst.keyword),
                ));
            }
        }
        if let Some(s) = cur.take() {
            self.stages.push(s);
        }
        if self.stages.is_empty() {
            return Err(self.syntax(1, "the Dockerfile has no FROM instruction"));
        }
        self.results = vec![None; self.stages.len()];
        Ok(())
    }

    /// The value of a global ARG: --build-arg, else its default.
    pub(super) fn global_value(&self, k: &str) -> Option<String> {
        let declared = self.global_args.iter().rev().find(|(n, _)| n == k);
        if let Some((_, d)) = declared {
            return self.build_args.get(k).cloned().or_else(|| d.clone());
        }
        platform_args()
            .into_iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v)
    }

    pub(super) fn expand_global(&self, s: &str, line: usize) -> Result<String, EngineError> {
        shell::expand_word(s, &|k| self.global_value(k), self.escape)
            .map_err(|e| self.syntax(line, e))
    }

    pub(super) fn target_stage(&self) -> Result<usize, EngineError> {
        match &self.opts.target {
            None => Ok(self.stages.len() - 1),
            Some(t) => self
                .stages
                .iter()
                .position(|s| s.name.as_deref() == Some(t.to_ascii_lowercase().as_str()))
                .ok_or_else(|| failed(format!("target stage {t:?} could not be found"))),
        }
    }

    /// The stage a name refers to (a stage name or index), if any, before stage `before`.
    pub(super) fn stage_ref(&self, name: &str, before: usize) -> Option<usize> {
        let lname = name.to_ascii_lowercase();
        if let Some(i) = self.stages[..before]
            .iter()
            .position(|s| s.name.as_deref() == Some(lname.as_str()))
        {
            return Some(i);
        }
        name.parse::<usize>().ok().filter(|&i| i < before)
    }

    /// The stages the target needs, each with the stages it needs itself.
    pub(super) fn needed(
        &mut self,
        target: usize,
    ) -> Result<HashMap<usize, HashSet<usize>>, EngineError> {
        let mut needed: HashMap<usize, HashSet<usize>> = HashMap::new();
        let mut todo = vec![target];
        while let Some(i) = todo.pop() {
            if needed.contains_key(&i) {
                continue;
            }
            let mut mine = HashSet::new();
            let st = self.stages[i].clone();
            let base_words: Vec<&str> = st.from.args.split_whitespace().collect();
            let base =
                self.expand_global(base_words.first().copied().unwrap_or(""), st.from.line)?;
            if let Some(d) = self.stage_ref(&base, i) {
                todo.push(d);
                mine.insert(d);
            }
            for inst in &st.instructions {
                let mut froms: Vec<String> = Vec::new();
                if matches!(inst.keyword.as_str(), "COPY" | "ADD") {
                    if let Some(f) = inst.flag("from") {
                        froms.push(f.to_string());
                    }
                }
                if inst.keyword == "RUN" {
                    for (n, v) in &inst.flags {
                        if n == "mount" {
                            if let Some(v) = v {
                                for kv in v.split(',') {
                                    if let Some(f) = kv.strip_prefix("from=") {
                                        froms.push(f.to_string());
                                    }
                                }
                            }
                        }
                    }
                }
                for f in froms {
                    let f = self.expand_global(&f, inst.line)?;
                    if let Some(d) = self.stage_ref(&f, i) {
                        todo.push(d);
                        mine.insert(d);
                    } else if self
                        .stages
                        .iter()
                        .any(|s| s.name.as_deref() == Some(f.to_ascii_lowercase().as_str()))
                    {
                        return Err(self.syntax(
                            inst.line,
                            format!("stage {f:?} is used before it is defined"),
                        ));
                    }
                }
            }
            needed.insert(i, mine);
        }
        Ok(needed)
    }

    /// Get an image for FROM or COPY --from: local, else pulled (always with --pull).
    pub(super) fn image(&mut self, name: &str, pull: bool) -> Result<ImageRecord, EngineError> {
        let local = self.store.resolve(name);
        match local {
            Ok(img) if !pull => return Ok(img),
            Err(ImageError::NotFound(_)) | Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
        let popts = crate::engine::image::PullOptions {
            quiet: true,
            tls_verify: self.opts.tls_verify,
        };
        let mut sink = std::io::sink();
        crate::engine::image::pull(self.paths, name, &popts, &mut sink)
            .map_err(|e| failed(format!("failed to resolve source metadata for {name}: {e}")))
    }

    pub(super) fn run_stage(&mut self, i: usize) -> Result<ImageRecord, EngineError> {
        let stage = self.stages[i].clone();
        let label = stage.name.clone().unwrap_or_else(|| format!("stage-{i}"));
        let shown = 1 + stage
            .instructions
            .iter()
            .filter(|x| matches!(x.keyword.as_str(), "RUN" | "COPY" | "ADD" | "WORKDIR"))
            .count();
        // FROM
        let from = &stage.from;
        if let Some(p) = from.flag("platform") {
            let p = self.expand_global(p, from.line)?;
            check_platform(&p)?;
        }
        let base_word = from.args.split_whitespace().next().unwrap_or("");
        let base = self.expand_global(base_word, from.line)?;
        let n = self.next();
        let start = Instant::now();
        self.emit(BuildEvent::Start {
            n,
            name: format!("[{label} 1/{shown}] FROM {base}"),
        });
        let img = if base == "scratch" {
            self.scratch()?
        } else if let Some(d) = self.stage_ref(&base, i) {
            self.results[d]
                .clone()
                .ok_or_else(|| failed(format!("stage {base} was not built")))?
        } else {
            match self.image(&base, self.opts.pull) {
                Ok(img) => img,
                Err(e) => {
                    self.emit(BuildEvent::Error {
                        n,
                        message: e.to_string(),
                    });
                    return Err(e);
                }
            }
        };
        self.emit(BuildEvent::Done {
            n,
            secs: start.elapsed().as_secs_f64(),
        });
        let config = self.store.config_json(&img)?;
        let mut st = State {
            img,
            config,
            args: Vec::new(),
            cmd_set: false,
            label,
            step: 1,
            steps: shown,
        };
        if st.config["config"].is_null() {
            st.config["config"] = json!({});
        }
        // ONBUILD triggers of the base image run first.
        let triggers = crate::image::config_strings(&st.cfg()["OnBuild"]);
        if !triggers.is_empty() {
            let text = triggers.join("\n") + "\n";
            let df = parser::parse(&text, "ONBUILD")?;
            if let Some(obj) = st.config["config"].as_object_mut() {
                obj.remove("OnBuild");
            }
            st.steps += df.instructions.len();
            for inst in &df.instructions {
                self.instruction(&mut st, inst, i)?;
            }
        }
        for inst in &stage.instructions {
            self.instruction(&mut st, inst, i)?;
        }
        Ok(st.img)
    }

    pub(super) fn scratch(&mut self) -> Result<ImageRecord, EngineError> {
        let config = json!({
            "architecture": crate::image::host_arch(),
            "os": "linux",
            "config": {"Env": [DEFAULT_PATH]},
            "rootfs": {"type": "layers", "diff_ids": []},
            "history": [],
        });
        self.store_image(None, config, None, None)
    }

    /// Store a new image made of `parent`'s layers plus `layer`.
    pub(super) fn store_image(
        &self,
        parent: Option<&ImageRecord>,
        mut config: Value,
        layer: Option<(String, u64)>,
        created: Option<&str>,
    ) -> Result<ImageRecord, EngineError> {
        let mut diff_ids = parent.map(|p| p.diff_ids.clone()).unwrap_or_default();
        let mut layers: Vec<Value> = match parent.map(|p| self.store.manifest(p)) {
            Some(Ok((_, data, _))) => serde_json::from_slice::<Value>(&data)
                .ok()
                .and_then(|m| m.get("layers").and_then(Value::as_array).cloned())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        if layers.len() != diff_ids.len() {
            // No usable manifest for the parent: describe its layers as uncompressed blobs.
            layers = diff_ids
                .iter()
                .map(|d| {
                    json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d,
                    "size": self.store.blob_path(d).ok().and_then(|p| std::fs::metadata(p).ok()).map(|m| m.len()).unwrap_or(0)})
                })
                .collect();
        }
        if let Some((d, size)) = &layer {
            diff_ids.push(d.clone());
            layers.push(json!({
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": d,
                "size": size,
            }));
        }
        config["rootfs"] = json!({"type": "layers", "diff_ids": diff_ids});
        if let Some(c) = created {
            config["created"] = json!(c);
        }
        let config_bytes = serde_json::to_vec(&config)
            .map_err(|e| failed(format!("encoding the image config: {e}")))?;
        let id = self.store.put_blob(&config_bytes)?;
        let created = config["created"].as_str().map(String::from);
        Ok(self
            .store
            .add_local_image(id, config_bytes.len(), layers, diff_ids, created, None)?)
    }

    /// A cache hit for `key` (its image still stored with all its layers)?
    pub(super) fn lookup(&self, key: &str) -> Option<ImageRecord> {
        let e = self.cache.get(key)?;
        let img = self.store.resolve(&e.image).ok()?;
        img.diff_ids
            .iter()
            .all(|d| self.store.has_layer(d))
            .then_some(img)
    }

    /// The image of step `key`: from the cache, or made by `make` and cached.
    pub(super) fn cached_or(
        &mut self,
        key: &str,
        parent: &ImageRecord,
        make: impl FnOnce(&mut Self) -> Result<StepResult, EngineError>,
    ) -> Result<ImageRecord, EngineError> {
        let _lock = self
            .cache
            .lock(key)
            .map_err(EngineError::io("locking the build cache"))?;
        if !self.opts.no_cache {
            if let Some(img) = self.lookup(key) {
                return Ok(img);
            }
        }
        let (mut config, layer, created_by) = make(self)?;
        let created = now();
        if let Some(by) = created_by {
            let mut h = json!({"created": created, "created_by": by, "comment": COMMENT});
            if layer.is_none() {
                h["empty_layer"] = json!(true);
            }
            let mut hist = config["history"].as_array().cloned().unwrap_or_default();
            hist.push(h);
            config["history"] = json!(hist);
        }
        let img = self.store_image(Some(parent), config, layer, Some(&created))?;
        self.cache
            .put(
                key,
                &cache::Entry {
                    image: img.id.clone(),
                    parent: parent.id.clone(),
                    created,
                },
            )
            .map_err(EngineError::io("writing the build cache"))?;
        Ok(img)
    }

    /// The cache key of a step of `st` (its parent, text, args and extra inputs).
    pub(super) fn key(&self, st: &State, text: &str, extra: &str) -> String {
        let args: Vec<String> = st
            .visible_args()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        cache::key(&[&st.img.id, text, &args.join("\n"), extra])
    }

    pub(super) fn expand(&self, st: &State, s: &str, line: usize) -> Result<String, EngineError> {
        shell::expand_word(s, &|k| st.lookup(k), self.escape).map_err(|e| self.syntax(line, e))
    }

    pub(super) fn expand_words(
        &self,
        st: &State,
        s: &str,
        line: usize,
    ) -> Result<Vec<String>, EngineError> {
        shell::expand_words(s, &|k| st.lookup(k), self.escape).map_err(|e| self.syntax(line, e))
    }

    /// A metadata-only step: the config edited by `edit`, history `created_by`.
    pub(super) fn meta_step(
        &mut self,
        st: &mut State,
        text: &str,
        edit: impl FnOnce(&mut serde_json::Map<String, Value>, &mut Value) -> Result<(), EngineError>,
    ) -> Result<(), EngineError> {
        let key = self.key(st, text, "");
        let mut config = st.config.clone();
        let parent = st.img.clone();
        let text = text.to_string();
        let img = self.cached_or(&key, &parent, move |_b| {
            let mut top = config.clone();
            let mut obj = config["config"].as_object().cloned().unwrap_or_default();
            edit(&mut obj, &mut top)?;
            top["config"] = Value::Object(obj);
            config = top;
            Ok((config, None, Some(text)))
        })?;
        st.config = self.store.config_json(&img)?;
        st.img = img;
        Ok(())
    }
}
