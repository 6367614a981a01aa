//! `build`'s instructions other than RUN and COPY/ADD: metadata steps (ENV, LABEL, CMD,
//! HEALTHCHECK …), WORKDIR, and writing a step's layer.
use super::*;

impl<'a, 'e> Builder<'a, 'e> {
    pub(super) fn instruction(
        &mut self,
        st: &mut State,
        inst: &Instruction,
        stage: usize,
    ) -> Result<(), EngineError> {
        self.opts.cancel.check()?;
        let line = inst.line;
        match inst.keyword.as_str() {
            "ARG" => {
                for (k, default) in parse_arg(&inst.args)? {
                    let v = if let Some(v) = self.build_args.get(&k) {
                        self.used_args.insert(k.clone());
                        Some(v.clone())
                    } else if let Some(d) = default {
                        Some(self.expand(st, &d, line)?)
                    } else if let Some((_, g)) =
                        self.global_args.iter().rev().find(|(n, _)| *n == k)
                    {
                        g.clone()
                    } else {
                        platform_args()
                            .into_iter()
                            .find(|(n, _)| *n == k)
                            .map(|(_, v)| v)
                    };
                    st.args.push((k, v));
                }
                Ok(())
            }
            "ENV" => {
                let pairs = self.key_values(st, &inst.args, line, "ENV")?;
                let text = pairs_text("ENV", &pairs);
                self.meta_step(st, &text, move |c, _| {
                    let mut env =
                        crate::image::config_strings(&c.get("Env").cloned().unwrap_or(Value::Null));
                    for (k, v) in pairs {
                        let p = format!("{k}=");
                        env.retain(|e| !e.starts_with(&p));
                        env.push(format!("{k}={v}"));
                    }
                    c.insert("Env".into(), json!(env));
                    Ok(())
                })
            }
            "LABEL" => {
                let pairs = self.key_values(st, &inst.args, line, "LABEL")?;
                let text = pairs_text("LABEL", &pairs);
                self.meta_step(st, &text, move |c, _| {
                    let l = c.entry("Labels").or_insert_with(|| json!({}));
                    if !l.is_object() {
                        *l = json!({});
                    }
                    for (k, v) in pairs {
                        l[k] = json!(v);
                    }
                    Ok(())
                })
            }
            "MAINTAINER" => {
                let who = inst.args.clone();
                self.meta_step(st, &format!("MAINTAINER {who}"), move |_, top| {
                    top["author"] = json!(who);
                    Ok(())
                })
            }
            "EXPOSE" => {
                let mut ports = Vec::new();
                for p in self.expand_words(st, &inst.args, line)? {
                    let p = if p.contains('/') {
                        p.to_ascii_lowercase()
                    } else {
                        format!("{p}/tcp")
                    };
                    let num = p.split('/').next().unwrap_or("");
                    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                        return Err(self.syntax(line, format!("invalid containerPort: {p}")));
                    }
                    ports.push(p);
                }
                let text = format!(
                    "EXPOSE map[{}]",
                    ports
                        .iter()
                        .map(|p| format!("{p}:{{}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                self.meta_step(st, &text, move |c, _| {
                    let e = c.entry("ExposedPorts").or_insert_with(|| json!({}));
                    if !e.is_object() {
                        *e = json!({});
                    }
                    for p in ports {
                        e[p] = json!({});
                    }
                    Ok(())
                })
            }
            "VOLUME" => {
                let vols = match inst.json_args() {
                    Some(v) => v
                        .iter()
                        .map(|x| self.expand(st, x, line))
                        .collect::<Result<Vec<_>, _>>()?,
                    None => self.expand_words(st, &inst.args, line)?,
                };
                if vols.iter().any(|v| v.is_empty()) {
                    return Err(self.syntax(line, "VOLUME specified can not be an empty string"));
                }
                let text = format!(
                    "VOLUME {}",
                    serde_json::to_string(&vols).unwrap_or_default()
                );
                self.meta_step(st, &text, move |c, _| {
                    let e = c.entry("Volumes").or_insert_with(|| json!({}));
                    if !e.is_object() {
                        *e = json!({});
                    }
                    for v in vols {
                        e[v] = json!({});
                    }
                    Ok(())
                })
            }
            "USER" => {
                let u = self.expand(st, &inst.args, line)?;
                self.meta_step(st, &format!("USER {u}"), move |c, _| {
                    c.insert("User".into(), json!(u));
                    Ok(())
                })
            }
            "STOPSIGNAL" => {
                let s = self.expand(st, &inst.args, line)?;
                if container::parse_signal(&s).is_none() {
                    return Err(self.syntax(line, format!("invalid signal: {s}")));
                }
                self.meta_step(st, &format!("STOPSIGNAL {s}"), move |c, _| {
                    c.insert("StopSignal".into(), json!(s));
                    Ok(())
                })
            }
            "SHELL" => {
                let Some(sh) = inst.json_args().filter(|v| !v.is_empty()) else {
                    return Err(
                        self.syntax(line, "SHELL requires the arguments to be in JSON form")
                    );
                };
                let text = format!("SHELL {}", serde_json::to_string(&sh).unwrap_or_default());
                self.meta_step(st, &text, move |c, _| {
                    c.insert("Shell".into(), json!(sh));
                    Ok(())
                })
            }
            "CMD" | "ENTRYPOINT" => {
                let argv = match inst.json_args() {
                    Some(v) => v,
                    None if inst.args.trim().is_empty() => {
                        return Err(self.syntax(
                            line,
                            format!("{} requires at least one argument", inst.keyword),
                        ))
                    }
                    None => {
                        let mut s = st.shell();
                        s.push(inst.args.clone());
                        s
                    }
                };
                let is_cmd = inst.keyword == "CMD";
                let text = format!(
                    "{} {}",
                    inst.keyword,
                    serde_json::to_string(&argv).unwrap_or_default()
                );
                let reset_cmd = !is_cmd && !st.cmd_set;
                if is_cmd {
                    st.cmd_set = true;
                }
                self.meta_step(st, &text, move |c, _| {
                    if is_cmd {
                        c.insert("Cmd".into(), json!(argv));
                    } else {
                        c.insert("Entrypoint".into(), json!(argv));
                        // docker: an ENTRYPOINT resets a CMD inherited from the base image.
                        if reset_cmd {
                            c.insert("Cmd".into(), Value::Null);
                        }
                    }
                    Ok(())
                })
            }
            "HEALTHCHECK" => {
                let hc = self.healthcheck(st, inst)?;
                let text = format!("HEALTHCHECK {}", inst.args);
                self.meta_step(st, &text, move |c, _| {
                    c.insert("Healthcheck".into(), hc);
                    Ok(())
                })
            }
            "ONBUILD" => {
                let trigger = inst.original[inst.original.find(char::is_whitespace).unwrap_or(0)..]
                    .trim()
                    .to_string();
                let kw = trigger
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                if matches!(kw.as_str(), "ONBUILD" | "FROM" | "MAINTAINER") {
                    return Err(
                        self.syntax(line, format!("{kw} isn't allowed as an ONBUILD trigger"))
                    );
                }
                self.meta_step(st, &format!("ONBUILD {trigger}"), move |c, _| {
                    let mut t = crate::image::config_strings(
                        &c.get("OnBuild").cloned().unwrap_or(Value::Null),
                    );
                    t.push(trigger);
                    c.insert("OnBuild".into(), json!(t));
                    Ok(())
                })
            }
            "WORKDIR" => self.workdir(st, inst),
            "RUN" => self.run(st, inst, stage),
            "COPY" | "ADD" => self.copy(st, inst, stage),
            "FROM" => Err(self.syntax(line, "FROM inside a stage")),
            other => Err(self.syntax(line, format!("unknown instruction: {other}"))),
        }
    }

    /// ENV/LABEL arguments: `k=v k2="v 2"` or the legacy `k v w`.
    pub(super) fn key_values(
        &self,
        st: &State,
        args: &str,
        line: usize,
        what: &str,
    ) -> Result<Vec<(String, String)>, EngineError> {
        let first = args.split_whitespace().next().unwrap_or("");
        if !first.contains('=') {
            let (k, v) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
            if v.trim().is_empty() {
                return Err(self.syntax(line, format!("{what} must have two arguments")));
            }
            return Ok(vec![(k.to_string(), self.expand(st, v.trim(), line)?)]);
        }
        let mut out = Vec::new();
        for w in self.expand_words(st, args, line)? {
            let Some((k, v)) = w.split_once('=') else {
                return Err(self.syntax(
                    line,
                    format!("{what} names can not be blank: {w:?} has no '='"),
                ));
            };
            if k.is_empty() {
                return Err(self.syntax(line, format!("{what} names can not be blank")));
            }
            out.push((k.to_string(), v.to_string()));
        }
        Ok(out)
    }

    pub(super) fn healthcheck(&self, st: &State, inst: &Instruction) -> Result<Value, EngineError> {
        let line = inst.line;
        let args = inst.args.trim();
        let (kw, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
        if kw.eq_ignore_ascii_case("NONE") {
            return Ok(json!({"Test": ["NONE"]}));
        }
        if !kw.eq_ignore_ascii_case("CMD") {
            return Err(self.syntax(line, "HEALTHCHECK takes NONE or CMD"));
        }
        let rest = rest.trim();
        let test = if rest.starts_with('[') {
            let v: Vec<String> = serde_json::from_str(rest)
                .map_err(|e| self.syntax(line, format!("HEALTHCHECK CMD: {e}")))?;
            let mut t = vec!["CMD".to_string()];
            t.extend(v);
            t
        } else {
            vec!["CMD-SHELL".to_string(), rest.to_string()]
        };
        let _ = st;
        let mut hc = json!({"Test": test});
        for (name, v) in &inst.flags {
            let v = v.clone().unwrap_or_default();
            let field = match name.as_str() {
                "interval" => "Interval",
                "timeout" => "Timeout",
                "start-period" => "StartPeriod",
                "start-interval" => "StartInterval",
                "retries" => {
                    let r: i64 = v
                        .parse()
                        .map_err(|_| self.syntax(line, format!("invalid retries {v:?}")))?;
                    hc["Retries"] = json!(r);
                    continue;
                }
                other => return Err(self.syntax(line, format!("unknown flag: --{other}"))),
            };
            let d = parse_duration(&v)
                .ok_or_else(|| self.syntax(line, format!("--{name}: invalid duration {v:?}")))?;
            hc[field] = json!(d);
        }
        Ok(hc)
    }

    pub(super) fn start_step(&mut self, st: &mut State, text: &str) -> (usize, Instant) {
        st.step += 1;
        let n = self.next();
        self.emit(BuildEvent::Start {
            n,
            name: format!("[{} {}/{}] {}", st.label, st.step, st.steps, text),
        });
        (n, Instant::now())
    }

    /// Run a shown step: `make` on a cache miss; CACHED or DONE after.
    pub(super) fn shown_step(
        &mut self,
        st: &mut State,
        text: &str,
        key: &str,
        make: impl FnOnce(&mut Self, usize, Instant) -> Result<StepResult, EngineError>,
    ) -> Result<(), EngineError> {
        let (n, start) = self.start_step(st, text);
        let parent = st.img.clone();
        let mut ran = false;
        let res = self.cached_or(key, &parent, |b| {
            ran = true;
            make(b, n, start)
        });
        match res {
            Ok(img) => {
                if ran {
                    self.emit(BuildEvent::Done {
                        n,
                        secs: start.elapsed().as_secs_f64(),
                    });
                } else {
                    self.emit(BuildEvent::Cached { n });
                }
                st.config = self.store.config_json(&img)?;
                st.img = img;
                Ok(())
            }
            Err(e) => {
                self.emit(BuildEvent::Error {
                    n,
                    message: e.to_string(),
                });
                Err(e)
            }
        }
    }

    pub(super) fn workdir(
        &mut self,
        st: &mut State,
        inst: &Instruction,
    ) -> Result<(), EngineError> {
        let w = self.expand(st, &inst.args, inst.line)?;
        let abs = if w.starts_with('/') {
            w.clone()
        } else {
            format!("{}/{}", st.workdir().trim_end_matches('/'), w)
        };
        let rel = crate::build::ignore::clean(&abs);
        let abs = format!("/{rel}");
        let text = format!("WORKDIR {abs}");
        let key = self.key(st, &text, "");
        let tree = Tree::layers(self.store.layer_dirs(&st.img).into_iter().rev().collect());
        let missing = !rel.is_empty() && tree.lookup(&rel).is_none();
        let config = st.config.clone();
        let by = text.clone();
        self.shown_step(st, &text, &key, move |b, _, _| {
            let mut config = config;
            config["config"]["WorkingDir"] = json!(abs);
            let layer = if missing {
                let items = parent_dirs(&tree, std::slice::from_ref(&rel), None, true);
                Some(b.write_layer(&items, &[])?)
            } else {
                None
            };
            Ok((config, layer, Some(by)))
        })
    }

    /// Write a layer tar of items (and archives to extract: host path, dest, name), store and
    /// unpack it. Returns (diff_id, size).
    pub(super) fn write_layer(
        &self,
        items: &[Item],
        archives: &[(PathBuf, String, String)],
    ) -> Result<(String, u64), EngineError> {
        let tmp = tempfile::Builder::new()
            .prefix(".build-")
            .tempfile_in(self.store.tmp_dir())
            .map_err(EngineError::io("creating a temp file"))?;
        let file = tmp
            .reopen()
            .map_err(EngineError::io("opening the layer temp file"))?;
        let hw = files::HashingWriter::new(std::io::BufWriter::with_capacity(256 * 1024, file));
        let mut b = tar::Builder::new(hw);
        files::write_items(&mut b, items)?;
        for (host, dest, name) in archives {
            let r = files::archive_reader(host)?
                .ok_or_else(|| failed(format!("{name} is not an archive")))?;
            files::write_archive(&mut b, r, dest, name)?;
        }
        let hw = b
            .into_inner()
            .map_err(EngineError::io("writing the layer"))?;
        let (diff_id, size, mut w) = hw.finish();
        std::io::Write::flush(&mut w).map_err(EngineError::io("writing the layer"))?;
        drop(w);
        let blob_path = self.store.blob_path(&diff_id)?;
        tmp.persist(&blob_path)
            .map_err(|e| EngineError::io("storing the layer")(e.error))?;
        if !self.store.has_layer(&diff_id) {
            crate::engine::image::unpack_with_helper(&self.store, &[(blob_path, diff_id.clone())])?;
        }
        Ok((diff_id, size))
    }
}

/// A metadata step's text as the history shows it: `ENV k=v k2=v2`.
fn pairs_text(keyword: &str, pairs: &[(String, String)]) -> String {
    let pairs: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{keyword} {}", pairs.join(" "))
}
