//! The `buergerbuero` binary: parse the command line, load the configuration, run.

use std::process::ExitCode;

use buergerbuero::cli::{Cli, run};
use buergerbuero::config::Settings;
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("buergerbuero: configuration error: {error}");
            return ExitCode::FAILURE;
        }
    };
    buergerbuero::telemetry::init(&settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("buergerbuero: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        // `{:#}` prints the whole context chain on one line.
        Err(error) => {
            eprintln!("buergerbuero: {error:#}");
            ExitCode::FAILURE
        }
    }
}
