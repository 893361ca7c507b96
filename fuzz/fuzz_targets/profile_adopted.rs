#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ledger_format_fuzz::checks::profile_adopted(data);
});
