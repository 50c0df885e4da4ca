//! Replays every input kept for the fuzz targets (their corpora in `fuzz/corpus/` and
//! the inputs that once found a bug in `fuzz/regressions/`) on stable Rust, so that the
//! suite fails if a fixed bug comes back.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for folder in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            run(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn protocol_frames_corpus() {
    assert!(
        replay("protocol_frames", chat_fuzz::protocol_frames::run) > 0,
        "no corpus kept"
    );
}

#[test]
fn tokens_corpus() {
    assert!(
        replay("tokens", chat_fuzz::tokens::run) > 0,
        "no corpus kept"
    );
}

#[test]
fn rest_requests_corpus() {
    assert!(
        replay("rest_requests", chat_fuzz::rest_requests::run) > 0,
        "no corpus kept"
    );
}

#[test]
fn session_frames_corpus() {
    assert!(
        replay("session_frames", chat_fuzz::session_frames::run) > 0,
        "no corpus kept"
    );
}
