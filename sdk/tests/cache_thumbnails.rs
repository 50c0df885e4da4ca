//! The thumbnail cache on a real file: bounded in bytes, the least recently used
//! thumbnail goes first (a read counts as a use), and what it keeps survives reopening.

use chat_sdk::cache::Cache;

/// A stand-in thumbnail of `len` bytes, recognisable by its first byte.
fn thumbnail(tag: u8, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    bytes[0] = tag;
    bytes
}

fn cached(cache: &mut Cache, id: &str, size: &str, now: i64) -> Option<u8> {
    cache
        .thumbnail(id, size, now)
        .expect("read")
        .map(|bytes| bytes[0])
}

#[test]
fn the_least_recently_used_thumbnails_go_once_the_bound_is_passed() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cache.sqlite3");
    let mut cache = Cache::open(&path).expect("open");
    let bound = 300;
    cache
        .put_thumbnail("a", "small", &thumbnail(1, 100), 1, bound)
        .expect("put");
    cache
        .put_thumbnail("b", "small", &thumbnail(2, 100), 2, bound)
        .expect("put");
    cache
        .put_thumbnail("c", "small", &thumbnail(3, 100), 3, bound)
        .expect("put");
    assert_eq!(cache.thumbnail_bytes().expect("total"), 300);

    // Reading `a` makes `b` the least recently used: the fourth pushes `b` out.
    assert_eq!(cached(&mut cache, "a", "small", 4), Some(1));
    cache
        .put_thumbnail("d", "small", &thumbnail(4, 100), 5, bound)
        .expect("put");
    assert_eq!(cached(&mut cache, "b", "small", 6), None);
    assert_eq!(cache.thumbnail_bytes().expect("total"), 300);

    // Putting one that is there already uses it, and stores nothing twice.
    cache
        .put_thumbnail("c", "small", &thumbnail(3, 100), 7, bound)
        .expect("put");
    assert_eq!(cache.thumbnail_bytes().expect("total"), 300);
    // The two sizes of one attachment are two entries; a large one makes room for
    // itself by dropping as many of the oldest as it takes (`a`, then `d`).
    cache
        .put_thumbnail("c", "medium", &thumbnail(5, 150), 8, bound)
        .expect("put");
    assert_eq!(cached(&mut cache, "a", "small", 9), None);
    assert_eq!(cached(&mut cache, "d", "small", 9), None);
    assert_eq!(cached(&mut cache, "c", "small", 10), Some(3));
    assert_eq!(cached(&mut cache, "c", "medium", 10), Some(5));
    assert_eq!(cache.thumbnail_bytes().expect("total"), 250);

    // One larger than the whole bound is not kept at all, and takes nothing with it.
    cache
        .put_thumbnail("e", "medium", &thumbnail(6, 301), 11, bound)
        .expect("put");
    assert_eq!(cached(&mut cache, "e", "medium", 12), None);
    assert_eq!(cache.thumbnail_bytes().expect("total"), 250);

    drop(cache);
    let mut reopened = Cache::open(&path).expect("reopen");
    assert_eq!(reopened.thumbnail_bytes().expect("total"), 250);
    assert_eq!(cached(&mut reopened, "c", "medium", 13), Some(5));
}
