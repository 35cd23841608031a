use clap::Parser;

fn main() {
    let cli = qinqing::cli::Cli::parse();
    if let Err(message) = qinqing::commands::run(cli) {
        eprintln!("qinqing: {message}");
        std::process::exit(1);
    }
}
