//! The functions the page's JavaScript calls (web/verify/verify.js), over WebAssembly's linear
//! memory: bytes in, JSON (or bytes) out.
//!
//! Why by hand rather than with `wasm-bindgen`: the interface is three calls that take byte
//! strings and return one, which needs no generated glue; `wasm-bindgen` would need its CLI at the
//! exact version of the crate on every machine that builds the page, and pin the crate
//! workspace-wide. The whole protocol:
//!
//! 1. `ledger_input(slot, len)` sizes input buffer `slot` (0 to 2) to `len` bytes and returns its
//!    address; the caller copies its bytes there. Addresses are valid until the next call.
//! 2. One of `ledger_verify(at)`, `ledger_policy()`, `ledger_read_qr(width, height)` runs on the
//!    inputs and returns 0 (done) or 1 (refused).
//! 3. `ledger_output()` and `ledger_output_len()` give the answer: on 0, the JSON (or, for
//!    `ledger_read_qr`, the bytes read); on 1, a JSON [`Texts`](crate::Texts) with the reason.
//!
//! No `unsafe` block: the buffers are `Vec`s that Rust owns, and the exports hand out their
//! addresses, which is safe. Only the exports' `#[unsafe(no_mangle)]` needs the lint's leave.
#![allow(unsafe_code)]

use std::cell::RefCell;

use serde::Serialize;

/// Input buffers: 0 the bundle (or a picture's grey levels), 1 the trust policy, 2 the code read
/// on the certificate (empty: any code).
const SLOTS: usize = 3;

/// Status returned when the call produced its answer.
pub const DONE: u32 = 0;
/// Status returned when the call was refused: the output holds the reason.
pub const REFUSED: u32 = 1;

thread_local! {
    static INPUT: RefCell<[Vec<u8>; SLOTS]> = RefCell::new(Default::default());
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Sizes input buffer `slot` to `len` zero bytes and returns its address (null for a slot that
/// does not exist).
#[unsafe(no_mangle)]
pub extern "C" fn ledger_input(slot: u32, len: u32) -> *mut u8 {
    INPUT.with(|input| {
        let mut input = input.borrow_mut();
        match input.get_mut(slot as usize) {
            Some(buffer) => {
                buffer.clear();
                buffer.resize(len as usize, 0);
                buffer.as_mut_ptr()
            }
            None => std::ptr::null_mut(),
        }
    })
}

/// The address of the last call's answer.
#[unsafe(no_mangle)]
pub extern "C" fn ledger_output() -> *const u8 {
    OUTPUT.with(|output| output.borrow().as_ptr())
}

/// The length in bytes of the last call's answer.
#[unsafe(no_mangle)]
pub extern "C" fn ledger_output_len() -> u32 {
    OUTPUT.with(|output| output.borrow().len() as u32)
}

/// Verifies the bundle in slot 0 against the policy in slot 1 at Unix time `at` (seconds; the
/// fraction is dropped), for the code in slot 2 if it is not empty: [`crate::verify`].
#[unsafe(no_mangle)]
pub extern "C" fn ledger_verify(at: f64) -> u32 {
    let answer = INPUT.with(|input| {
        let input = input.borrow();
        let policy = text(&input[1]);
        let code = text(&input[2]);
        let code = code.trim();
        crate::verify(
            &input[0],
            &policy,
            at.floor() as i64,
            (!code.is_empty()).then_some(code),
        )
    });
    answer_json(answer)
}

/// Parses and summarises the policy in slot 1: [`crate::read_policy`].
#[unsafe(no_mangle)]
pub extern "C" fn ledger_policy() -> u32 {
    let answer = INPUT.with(|input| crate::read_policy(&text(&input.borrow()[1])));
    answer_json(answer)
}

/// Reads the QR code in the `width` × `height` grey picture in slot 0: [`crate::read_qr`]. The
/// answer is the bytes read.
#[unsafe(no_mangle)]
pub extern "C" fn ledger_read_qr(width: u32, height: u32) -> u32 {
    let answer =
        INPUT.with(|input| crate::read_qr(width as usize, height as usize, &input.borrow()[0]));
    match answer {
        Ok(bytes) => set_output(bytes, DONE),
        Err(reason) => set_output(json(&reason), REFUSED),
    }
}

/// Text input as the page sent it: UTF-8, with any invalid sequence replaced (the policy parser
/// then names the line).
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn answer_json<T: Serialize>(answer: Result<T, crate::Texts>) -> u32 {
    match answer {
        Ok(value) => set_output(json(&value), DONE),
        Err(reason) => set_output(json(&reason), REFUSED),
    }
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain structs (strings, numbers, options) cannot fail.
    serde_json::to_vec(value)
        .unwrap_or_else(|_| r#"{"zh":"内部错误","en":"internal error"}"#.as_bytes().to_vec())
}

fn set_output(bytes: Vec<u8>, status: u32) -> u32 {
    OUTPUT.with(|output| *output.borrow_mut() = bytes);
    status
}

/// The answer of the last call, for tests of the exports.
#[cfg(test)]
pub(crate) fn last_output() -> Vec<u8> {
    OUTPUT.with(|output| output.borrow().clone())
}

/// Copies `bytes` into input slot `slot` as the page does.
#[cfg(test)]
pub(crate) fn put(slot: u32, bytes: &[u8]) {
    let address = ledger_input(slot, bytes.len() as u32);
    assert!(!address.is_null());
    INPUT.with(|input| input.borrow_mut()[slot as usize].copy_from_slice(bytes));
}
