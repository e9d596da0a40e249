//! Cancel: a token the binary trips on Ctrl-C and a run checks between utterances.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Asks a run to stop as soon as it can: no new utterance is started and the chapter being
/// written is dropped; finished chapters stay. Clones share one flag, so the binary keeps
/// one for its Ctrl-C handler and hands another to the run. A new token is not tripped, so
/// a library that runs twice starts clean each time.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Trips the token for every clone.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_sees_the_cancel_and_a_new_token_does_not() {
        let token = CancelToken::new();
        let held = token.clone();
        assert!(!held.is_cancelled());
        token.cancel();
        assert!(held.is_cancelled());
        assert!(!CancelToken::new().is_cancelled());
    }
}
