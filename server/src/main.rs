use clap::Parser;

fn main() -> std::process::ExitCode {
    server::cli::run(server::cli::Cli::parse())
}
