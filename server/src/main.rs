use clap::Parser;

/// mimalloc instead of glibc's allocator: glibc keeps what a burst allocated (per-thread arenas,
/// and an mmap threshold that rises after the first large free, so later 19 MiB Argon2 blocks stay
/// on the heap), which left the server at 150 MiB after a hostile burst and 779 MiB after a login
/// flood (BENCHMARKS.md, "Hostile burst"). mimalloc returns freed pages to the system on its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc commits its first arena eagerly on Linux, and pages it frees inside an eagerly
/// committed arena stay resident: the idle server held 20 MB of anonymous memory instead of 8 MB
/// (BENCHMARKS.md, "Serving"). The option is read when the first arena is reserved, at the first
/// allocation, and mimalloc initialises its options in a constructor of priority 101; so a
/// constructor of priority 100 (run before it) sets the option, as `MIMALLOC_ARENA_EAGER_COMMIT=0`
/// in the environment would. Pages are then committed as used and purged when freed, at once
/// (`purge_delay` 0, as `MIMALLOC_PURGE_DELAY=0` would).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static LAZY_ARENA_COMMIT: extern "C" fn() = lazy_arena_commit;

#[cfg(target_os = "linux")]
extern "C" fn lazy_arena_commit() {
    /// `mi_option_arena_eager_commit` in the vendored mimalloc 3's `mi_option_e` (libmimalloc-sys
    /// 0.1.49 declares no constants for these).
    const ARENA_EAGER_COMMIT: std::ffi::c_int = 4;
    /// `mi_option_purge_delay`: freed pages are purged this many milliseconds later, but only when
    /// mimalloc is next called, which an idle server may not do for hours (it held 24 MB of
    /// anonymous memory where 9 MB were in use); 0 purges at the free.
    const PURGE_DELAY: std::ffi::c_int = 15;
    unsafe extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // SAFETY: setting an option is a plain store into mimalloc's option table; nothing else runs yet.
    unsafe {
        mi_option_set(ARENA_EAGER_COMMIT, 0);
        mi_option_set(PURGE_DELAY, 0);
    }
}

fn main() -> std::process::ExitCode {
    match server::cli::Cli::try_parse() {
        Ok(cli) => server::cli::run(cli),
        // Help and the version exit 0; a command line that cannot be read exits 1, not clap's 2,
        // which `signalbox plan` keeps for "something would change".
        Err(err) => {
            let _ = err.print();
            std::process::ExitCode::from(if err.exit_code() == 0 { 0 } else { 1 })
        }
    }
}
