//! The `runtop` binary: everything lives in the library; see `runtop --help`.

fn main() -> std::process::ExitCode {
    runtop::cli::main()
}
