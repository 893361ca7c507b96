//! One loaded and initialised PKCS#11 module per path, for the whole process.
//!
//! `C_Initialize` may be called once per process (a second call answers
//! `CKR_CRYPTOKI_ALREADY_INITIALIZED`), yet a node may keep several keys in one module (its log
//! key and its witness key, say). So every [`Pkcs11Signer`](crate::Pkcs11Signer) of a module
//! shares one context, kept here until the process ends; modules are never finalised, since a
//! signer may be alive until then.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};

use crate::HsmError;
use crate::error::describe;

/// The modules loaded so far, by canonical path.
static MODULES: Mutex<Vec<(PathBuf, Pkcs11)>> = Mutex::new(Vec::new());

/// The initialised context of the module at `path`, loading it on first use.
///
/// # Errors
/// [`HsmError::Module`] when the library cannot be loaded or `C_Initialize` fails.
pub(crate) fn module(path: &Path) -> Result<Pkcs11, HsmError> {
    let fail = |reason: String| HsmError::Module {
        module: path.to_path_buf(),
        reason,
    };
    let canonical = path
        .canonicalize()
        .map_err(|e| fail(format!("cannot resolve the path: {e}")))?;
    // A panic while the lock was held cannot leave the list half-written: pushing is the only write.
    let mut modules = MODULES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, context)) = modules.iter().find(|(known, _)| *known == canonical) {
        return Ok(context.clone());
    }
    let context = Pkcs11::new(&canonical).map_err(|e| fail(describe(&e)))?;
    // Sessions are used from several threads (one at a time), so the module must lock.
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Another part of the process initialised it first: its state is shared, which is fine.
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(fail(describe(&e))),
    }
    modules.push((canonical, context.clone()));
    Ok(context)
}
