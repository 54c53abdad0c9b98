//! The paging arguments every list takes.

/// `--limit` and `--offset` of a list; see `Output::page` for what is printed.
#[derive(clap::Args)]
pub struct PageArgs {
    /// At most this many items.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// Skip this many items first (the "more" line says where the next page starts).
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
}

impl PageArgs {
    pub fn request(&self) -> ariza_store::PageRequest {
        ariza_store::PageRequest {
            limit: self.limit,
            offset: self.offset,
        }
    }
}
