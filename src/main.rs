//! The `runtop` binary: everything lives in the library; see `runtop --help`.

/// mimalloc rather than the system allocator: a report allocates and frees
/// millions of small objects (names, executions, window slots) on two
/// threads, and glibc's malloc was a tenth of the engine's thread
/// (`runtop report` of 1.07M events 0.45 → 0.38 s). Without transparent huge
/// pages (`no_thp`): mimalloc asks for them on its segments, and the 2 MiB
/// pages raised peak RSS from 41 to 65–69 MB, over the 64 MB bound, for no
/// gain in time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    runtop::cli::main()
}
