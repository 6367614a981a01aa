//! `skiff ARGS` on a pseudo-terminal of the test's own, as a user at a terminal runs it: what it
//! printed, typed input, its exit status.
use std::time::Duration;

use super::TestEnv;

/// `skiff ARGS` on a new pseudo-terminal: the child, the master, and what it printed so far.
pub struct OnPty {
    pub child: std::process::Child,
    master: std::fs::File,
    out: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    /// Set when the reader has seen the end of the terminal (no slave side left open).
    drained: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl OnPty {
    pub fn spawn(env: &TestEnv, args: &[&str]) -> OnPty {
        let pty = nix::pty::openpty(None, None).expect("openpty");
        let mut c = env.command(args);
        let slave = std::fs::File::from(pty.slave);
        c.stdin(slave.try_clone().unwrap())
            .stdout(slave.try_clone().unwrap())
            .stderr(slave);
        let child = c.spawn().expect("spawn on a pty");
        let master = std::fs::File::from(pty.master);
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (mut r, o) = (master.try_clone().unwrap(), out.clone());
        let drained = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = drained.clone();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut b = [0u8; 4096];
            while let Ok(n) = r.read(&mut b) {
                if n == 0 {
                    break;
                }
                o.lock().unwrap().extend_from_slice(&b[..n]);
            }
            d.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        OnPty {
            child,
            master,
            out,
            drained,
        }
    }

    pub fn type_in(&mut self, data: &[u8]) {
        use std::io::Write;
        self.master.write_all(data).unwrap();
    }

    pub fn wait_output(&self, want: &str) {
        for _ in 0..400 {
            if String::from_utf8_lossy(&self.out.lock().unwrap()).contains(want) {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "no {want:?} on the terminal: {:?}",
            String::from_utf8_lossy(&self.out.lock().unwrap())
        );
    }

    /// The exit status, once everything the command printed before it exited has been read
    /// from the terminal (its last words can still be in the pty's buffer when it is reaped).
    pub fn wait_exit(&mut self) -> i32 {
        for _ in 0..400 {
            if let Some(s) = self.child.try_wait().unwrap() {
                // The reader ends when no process holds the slave side any more; a process the
                // command left behind holding it would only cost this wait.
                for _ in 0..200 {
                    if self.drained.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                return s.code().unwrap_or(-1);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        panic!(
            "still attached; terminal: {:?}",
            String::from_utf8_lossy(&self.out.lock().unwrap())
        );
    }
}

impl OnPty {
    /// What the terminal showed so far, as text.
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }
}
