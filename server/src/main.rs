use clap::Parser;

/// mimalloc instead of glibc's allocator: glibc keeps what a burst allocated (per-thread arenas,
/// and an mmap threshold that rises after the first large free, so later 19 MiB Argon2 blocks stay
/// on the heap), which left the server at 150 MiB after a hostile burst and 779 MiB after a login
/// flood (BENCHMARKS.md, "Hostile burst"). mimalloc returns freed pages to the system on its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    server::cli::run(server::cli::Cli::parse())
}
