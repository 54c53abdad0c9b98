//! Runs the sync engine on a desk database until nothing waits (no record, no document);
//! prints "done". The kill test
//! SIGKILLs it at random moments and starts it again.

use anyhow::Context;
use ariza_store::Store;

fn main() -> anyhow::Result<()> {
    let path = std::env::args().nth(1).context("usage: sync-runner DB")?;
    let store = Store::open(std::path::Path::new(&path))?;
    let engine = ariza_sync::Engine::new()?;
    loop {
        let synced = engine.sync_once(&store).is_ok();
        let status = store.sync_status()?;
        if synced && status.backlog == 0 && status.documents.waiting == 0 {
            println!("done");
            return Ok(());
        }
    }
}
