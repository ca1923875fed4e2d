//! The `zeroclaw` binary: see `zeroclaw --help`.

fn main() -> std::process::ExitCode {
    zeroclaw::cli::main()
}
