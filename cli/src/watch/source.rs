//! Where `dsr watch` reads events from: standard input, files and FIFOs, or
//! `kubectl get --watch` processes it runs, one per kind, restarted when they end.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};

use super::split::Splitter;

/// The kinds `--kubectl` watches, in the order their initial lists are wanted.
pub const KINDS: [&str; 4] = ["nodes", "daemonsets", "controllerrevisions", "pods"];

/// How `--kubectl` runs kubectl.
#[derive(Debug, Clone)]
pub struct Kubectl {
    /// The program (`kubectl`, or `$DSR_KUBECTL` for tests).
    pub program: PathBuf,
    /// `--context`.
    pub context: Option<String>,
    /// `-n`; every namespace (`-A`) when absent.
    pub namespace: Option<String>,
    /// Wait before restarting a stream that ended.
    pub restart_delay: Duration,
}

impl Kubectl {
    /// The arguments of the `kubectl get` for `kind`.
    pub fn args(&self, kind: &str) -> Vec<String> {
        let mut a = vec!["get".to_owned(), kind.to_owned()];
        match &self.namespace {
            // Nodes are not namespaced: -n would only be ignored.
            Some(ns) if kind != "nodes" => a.extend(["-n".to_owned(), ns.clone()]),
            _ => a.push("-A".to_owned()),
        }
        if let Some(c) = &self.context {
            a.extend(["--context".to_owned(), c.clone()]);
        }
        a.extend(
            ["--watch", "--output-watch-events", "-o", "json"]
                .into_iter()
                .map(str::to_owned),
        );
        a
    }
}

/// What the reader threads send.
pub enum Message {
    /// An object (a watch event) of input `source`.
    Object { source: usize, json: Vec<u8> },
    /// Input `source` was restarted (kubectl ended and runs again): a re-list
    /// of its kind ([`KINDS`]`[source]`) follows.
    Restarted { source: usize },
    /// An input ended (files, FIFOs, standard input).
    Ended,
    /// Input `source` failed.
    Failed { source: usize, error: anyhow::Error },
}

/// The inputs, merged.
pub enum Inputs {
    /// Read in turn on the engine's thread: regular files and standard input,
    /// whose order is that of the arguments (what makes a replay repeatable).
    InTurn(Vec<PathBuf>),
    /// Read by one thread each, merged as events arrive (FIFOs, kubectl).
    Merged {
        receiver: Receiver<Message>,
        /// How many inputs have not ended.
        open: usize,
        names: Vec<String>,
        /// The kubectl processes running, stopped when the watch ends.
        children: Children,
    },
}

/// The kubectl processes of `--kubectl`, one slot per kind.
#[derive(Clone, Default)]
pub struct Children(Arc<Mutex<Vec<Option<Child>>>>);

impl Children {
    fn put(&self, slot: usize, child: Child) {
        if let Ok(mut v) = self.0.lock() {
            if v.len() <= slot {
                v.resize_with(slot + 1, || None);
            }
            v[slot] = Some(child);
        }
    }

    fn take(&self, slot: usize) -> Option<Child> {
        self.0.lock().ok()?.get_mut(slot)?.take()
    }

    /// Stops every process still running.
    pub fn stop(&self) {
        if let Ok(mut v) = self.0.lock() {
            for mut c in v.iter_mut().filter_map(Option::take) {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

/// Opens `path` (`-` is standard input).
pub fn open(path: &PathBuf) -> Result<Box<dyn Read + Send>> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(io::stdin()));
    }
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
}

fn is_fifo(path: &PathBuf) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// The inputs for `paths`: in turn unless two or more are FIFOs.
pub fn from_paths(paths: Vec<PathBuf>, max_bytes: usize) -> Inputs {
    let fifos = paths.iter().filter(|p| is_fifo(p)).count();
    if paths.len() < 2 || fifos == 0 {
        return Inputs::InTurn(paths);
    }
    let (tx, rx) = mpsc::channel();
    let names = paths.iter().map(|p| p.display().to_string()).collect();
    let count = paths.len();
    for (source, path) in paths.into_iter().enumerate() {
        let tx = tx.clone();
        thread::spawn(move || {
            let result = open(&path).and_then(|r| pump(r, source, max_bytes, &tx));
            let _ = tx.send(match result {
                Ok(()) => Message::Ended,
                Err(error) => Message::Failed { source, error },
            });
        });
    }
    Inputs::Merged {
        receiver: rx,
        open: count,
        names,
        children: Children::default(),
    }
}

/// Sends every object of `reader` as a [`Message::Object`] of `source`.
fn pump(reader: impl Read, source: usize, max_bytes: usize, tx: &Sender<Message>) -> Result<()> {
    let mut s = Splitter::new(reader, max_bytes);
    while let Some(json) = s.next_object()? {
        let msg = Message::Object {
            source,
            json: json.to_vec(),
        };
        if tx.send(msg).is_err() {
            break;
        }
    }
    Ok(())
}

/// Starts one kubectl per kind of [`KINDS`]; each is restarted when it ends.
/// Failing to start kubectl at all is an error here; a restart that fails is
/// reported as [`Message::Failed`].
pub fn kubectl(k: &Kubectl, max_bytes: usize) -> Result<Inputs> {
    let (tx, rx) = mpsc::channel();
    let children = Children::default();
    let mut names = Vec::new();
    for (source, kind) in KINDS.into_iter().enumerate() {
        let args = k.args(kind);
        names.push(format!("kubectl {}", args.join(" ")));
        let mut child = spawn(&k.program, &args)?;
        let mut out = child.stdout.take();
        children.put(source, child);
        let (tx, k, children) = (tx.clone(), k.clone(), children.clone());
        thread::spawn(move || loop {
            let result = out
                .take()
                .ok_or_else(|| anyhow!("no output"))
                .and_then(|out| pump(out, source, max_bytes, &tx));
            if let Err(e) = result {
                eprintln!("dsr: warning: kubectl get {kind}: {e:#}");
            }
            // Taken by `stop` when the watch is over: then so is this thread.
            let Some(mut ended) = children.take(source) else {
                return;
            };
            if let Ok(s) = ended.wait() {
                if !s.success() {
                    eprintln!("dsr: warning: kubectl get {kind} ended ({s})");
                }
            }
            thread::sleep(k.restart_delay);
            let mut child = match spawn(&k.program, &args) {
                Ok(c) => c,
                Err(error) => {
                    let _ = tx.send(Message::Failed { source, error });
                    return;
                }
            };
            out = child.stdout.take();
            children.put(source, child);
            if tx.send(Message::Restarted { source }).is_err() {
                children.stop();
                return;
            }
        });
    }
    Ok(Inputs::Merged {
        receiver: rx,
        open: KINDS.len(),
        names,
        children,
    })
}

fn spawn(program: &PathBuf, args: &[String]) -> Result<Child> {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("cannot run {}", program.display()))
}

/// Waits up to `timeout` for a message: `Err(Timeout)` when none came,
/// `Err(Disconnected)` when every input is gone.
pub fn receive(rx: &Receiver<Message>, timeout: Duration) -> Result<Message, RecvTimeoutError> {
    rx.recv_timeout(timeout)
}
