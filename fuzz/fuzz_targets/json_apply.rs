//! `Engine::apply` (the `json` feature) on untrusted bytes: arbitrary bytes, and
//! real objects (nodes and DaemonSets of `tests/data/manifests`, a pod and a
//! ControllerRevision of the example cluster) damaged by byte edits, as they
//! are or wrapped in a watch event or a `List`, applied to an engine that already
//! holds some of them.
//!
//! Input: byte 0 picks which real objects are applied first (one bit each);
//! byte 1 even: the rest is the JSON; odd: byte 2 picks a real object, byte 3 how
//! to wrap it, and the rest are edits of three bytes (operation, position,
//! value).
//!
//! Checks: nothing panics; an error leaves the engine as it was: its snapshot
//! the same bytes, and its `Debug` (every table included) the same but for a
//! `List`, whose stage may have compacted the pools, moving where parts sit
//! (see `dsr_core::stage`); after success or failure the string holders add
//! up.
#![no_main]

use dsr_core::json::Scratch;
use libfuzzer_sys::fuzz_target;

type E = dsr_core::Engine<8, 4, 16, 256, 8192, 256, 64>;
type S<'a> = Scratch<'a, 4, 64, 32, 512>;

const OBJECTS: [&[u8]; 6] = [
    include_bytes!("../../tests/data/manifests/nodes/edge-rpi4-01.json"),
    include_bytes!("../../tests/data/manifests/nodes/worker-notready.json"),
    include_bytes!(
        "../../tests/data/manifests/daemonsets/kubernetes-website-fluentd-elasticsearch.json"
    ),
    include_bytes!("../../tests/data/manifests/daemonsets/kubeadm-kube-proxy.json"),
    include_bytes!("../seeds/json/pod.json"),
    include_bytes!("../seeds/json/controller-revision.json"),
];

const WRAPS: [(&[u8], &[u8]); 5] = [
    (b"", b""),
    (b"{\"type\":\"ADDED\",\"object\":", b"}"),
    (b"{\"type\":\"MODIFIED\",\"object\":", b"}"),
    (b"{\"type\":\"DELETED\",\"object\":", b"}"),
    (
        b"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[",
        b"]}",
    ),
];

fn mutated(data: &[u8]) -> Vec<u8> {
    let object = OBJECTS[data.first().map_or(0, |&b| b as usize) % OBJECTS.len()];
    let (head, tail) = WRAPS[data.get(1).map_or(0, |&b| b as usize) % WRAPS.len()];
    let mut bytes = [head, object, tail].concat();
    for edit in data.get(2..).unwrap_or(&[]).chunks_exact(3) {
        if bytes.is_empty() {
            break;
        }
        let at = (usize::from(edit[1]) * 37 + usize::from(edit[2])) % bytes.len();
        match edit[0] % 4 {
            0 => bytes[at] ^= edit[2],
            1 => bytes.insert(at, edit[2]),
            2 => {
                bytes.remove(at);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

fuzz_target!(|data: &[u8]| {
    let Some((&setup, rest)) = data.split_first() else {
        return;
    };
    let mut e = Box::new(E::new());
    for (i, object) in OBJECTS.iter().enumerate() {
        if setup & (1 << i) != 0 {
            let mut s = Box::new(S::new());
            e.apply(object, &mut s).expect("a real object applies");
        }
    }
    let bytes = match rest.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => mutated(rest),
        Some((_, json)) => json.to_vec(),
        None => return,
    };
    let before = format!("{e:?}");
    let snapshot = state(&e);
    let mut s = Box::new(S::new());
    match e.apply(&bytes, &mut s) {
        Ok(_) => e.check_holders().expect("holders add up"),
        Err(err) => {
            let message = err.to_string();
            assert!(state(&e) == snapshot, "{message}");
            let list = bytes.windows(7).any(|w| w == b"\"items\"");
            if !list {
                assert_eq!(format!("{e:?}"), before, "{message}");
            }
            e.check_holders().expect("holders add up");
        }
    }
});

/// The engine's snapshot.
fn state(e: &E) -> Vec<u8> {
    let mut buf = vec![0u8; E::max_snapshot_size()];
    let n = e
        .snapshot(&mut buf)
        .expect("a snapshot fits its maximum size");
    buf.truncate(n);
    buf
}
