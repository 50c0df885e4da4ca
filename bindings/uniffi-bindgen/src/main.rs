//! `uniffi-bindgen generate <library> --language kotlin|swift --out-dir <dir>`: the
//! generator at exactly the uniffi version the bindings crate is built with.

fn main() {
    uniffi::uniffi_bindgen_main();
}
