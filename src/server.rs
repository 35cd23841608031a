//! Starting the service: open the database, migrate it, and serve until SIGINT/SIGTERM,
//! letting requests in flight finish.

use actix_web::HttpServer;

use crate::api::{app, AppState};
use crate::config::Config;
use crate::db;

/// Applies pending migrations to the configured database; returns what was applied.
pub fn migrate(config: &Config) -> Result<Vec<String>, String> {
    let backend = config.backend();
    let mut conn = backend
        .connect()
        .map_err(|e| format!("cannot connect to the {} database: {e}", backend.name()))?;
    db::migrate(&mut conn)
}

pub fn serve(config: Config) -> Result<(), String> {
    let backend = config.backend();
    for name in migrate(&config)? {
        log::info!("applied migration {name}");
    }
    let pool = db::build_pool(&backend, &config.pool_options())?;
    let state = AppState {
        pool,
        backend: backend.name(),
    };
    log::info!(
        "serving on http://{} with the {} database",
        config.bind,
        backend.name()
    );
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || app(state.clone()))
            .shutdown_timeout(20)
            .bind(&config.bind)
            .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
        if let Some(workers) = config.workers {
            server = server.workers(workers.max(1));
        }
        server
            .run()
            .await
            .map_err(|e| format!("server stopped: {e}"))
    })
}
