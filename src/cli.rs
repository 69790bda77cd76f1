//! The command line: `serve`, `migrate`, `import-boundaries`, `locate`, `backup`,
//! `move-data`, `export`, `add-clerk`, `retention`, `photos copy`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::accounts::{AccountInput, create_account};
use crate::config::Settings;
use crate::domain::Coordinates;
use crate::import::import_boundaries;
use crate::jurisdiction::{JurisdictionView, LocateError};
use crate::photos::{PhotoLocation, copy_photos};
use crate::startup::{Application, load_jurisdiction, open_store};

/// Citizen issue reporting for Berlin, Brandenburg and Mecklenburg-Vorpommern.
///
/// Configuration comes from BUERGERBUERO_* environment variables and the TOML file named by
/// BUERGERBUERO_CONFIG; see the README.
#[derive(Debug, Parser)]
#[command(name = "buergerbuero", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate, import the boundaries if none are stored, and serve HTTP until SIGTERM/SIGINT.
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Read, validate and store the boundary data (idempotent).
    ImportBoundaries {
        /// The boundary directory (default: BUERGERBUERO_BOUNDARIES_DIR).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Print the area and responsible authority of a point.
    #[command(allow_negative_numbers = true)]
    Locate {
        /// Latitude in WGS84 degrees, e.g. 52.5219.
        lat: f64,
        /// Longitude in WGS84 degrees, e.g. 13.4132.
        lon: f64,
        /// Route as for this category code.
        #[arg(long)]
        category: Option<String>,
        /// Print the API's JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Back a SQLite installation up while it runs: a consistent copy of the database and the
    /// photos into DIR (new or empty). PostgreSQL: see docs/OPERATIONS.md.
    Backup {
        /// The directory to write (must not exist or be empty).
        dir: PathBuf,
    },
    /// Move a SQLite installation to PostgreSQL: copy every table of the configured SQLite
    /// database into a new PostgreSQL database in one transaction and check the row counts.
    /// Stop the service first. Photo files are not moved. See docs/OPERATIONS.md.
    MoveData {
        /// The target, `postgres://user@host/database`: a database without data (it is
        /// migrated first if needed). A password can come from PGPASSWORD or ~/.pgpass.
        #[arg(long)]
        to: String,
    },
    /// Create a clerk (or admin) account. The password is read from stdin when it is piped,
    /// else generated and printed once.
    AddClerk {
        /// The log-in email address.
        #[arg(long)]
        email: String,
        /// An authority the clerk acts for (repeatable), e.g. 11000001 or 120675706.
        #[arg(long = "authority")]
        authorities: Vec<String>,
        /// An admin: acts for every authority and manages the service.
        #[arg(long)]
        admin: bool,
        /// Display name (default: the email).
        #[arg(long)]
        name: Option<String>,
    },
    /// Write every public report as an open-data file (CSV or GeoJSON, as the downloads under
    /// /api/v1/open-data/): the nightly complete dump, e.g. from a systemd timer. Written to
    /// FILE.part and renamed, so a reader never sees half a file.
    Export {
        /// `csv` or `geojson`.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The file to write (replaced when complete).
        #[arg(long)]
        out: PathBuf,
    },
    /// Erase the contact data of reports closed for BUERGERBUERO_RETENTION_DAYS (reporter
    /// email and name, followers, mails, link tokens, internal notes' authors) and anonymise
    /// clerk accounts deactivated for as long; once, for cron (`serve` does it every hour).
    /// Idempotent, and safe while `serve` runs.
    Retention,
    /// Work on the stored photos.
    Photos {
        /// What to do with them.
        #[command(subcommand)]
        command: PhotosCommand,
    },
}

/// The formats of `export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// RFC 4180 CSV.
    Csv,
    /// A GeoJSON feature collection.
    Geojson,
}

/// `buergerbuero photos …`.
#[derive(Debug, Subcommand)]
pub enum PhotosCommand {
    /// Copy every photo from one storage to another, e.g. from the data directory to a
    /// bucket before switching BUERGERBUERO_PHOTOS_URL to it, or back. Photos the target
    /// holds already are skipped, so it can be re-run (after an interruption, or once more
    /// right before the switch); each copy is read back and compared. The source is left
    /// as it is.
    Copy {
        /// `file://DIR` (photos under DIR/photos/, DIR a data directory) or
        /// `s3://bucket/prefix` (credentials, region and endpoint from AWS_* variables).
        #[arg(long)]
        from: String,
        /// The target, in the same form.
        #[arg(long)]
        to: String,
    },
}

/// Runs a command. Errors come back with context for a one-line message.
pub async fn run(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await
        }
        Command::Migrate => {
            open_store(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::ImportBoundaries { dir } => {
            let store = open_store(&settings).await?;
            let dir = dir.unwrap_or(settings.boundaries_dir);
            let report = import_boundaries(&*store, &dir, &mut |line| eprintln!("{line}")).await?;
            println!("{report}");
            Ok(())
        }
        Command::Locate {
            lat,
            lon,
            category,
            json,
        } => locate(&settings, lat, lon, category.as_deref(), json).await,
        Command::AddClerk {
            email,
            authorities,
            admin,
            name,
        } => add_clerk(&settings, email, authorities, admin, name).await,
        Command::Backup { dir } => {
            let report = crate::backup::backup(&settings, &dir).await?;
            println!("{report}");
            Ok(())
        }
        Command::MoveData { to } => move_data(&settings, &to).await,
        Command::Export { format, out } => export(&settings, format, &out).await,
        Command::Retention => {
            let store = open_store(&settings).await?;
            let days = settings.retention_days;
            let done = crate::privacy::retention::run(&*store, days, chrono::Utc::now()).await?;
            crate::privacy::retention::log(&done, days);
            let counts: Vec<String> = done
                .counts()
                .iter()
                .map(|(name, n)| format!("{name}={n}"))
                .collect();
            println!("retention ({days} days): {}", counts.join(" "));
            Ok(())
        }
        Command::Photos {
            command: PhotosCommand::Copy { from, to },
        } => copy(&settings, &from, &to).await,
    }
}

/// `move-data`: the database moves; the photo files stay where they are, and the report says
/// so, since the PostgreSQL installation must be pointed at them.
async fn move_data(settings: &Settings, to: &str) -> anyhow::Result<()> {
    let photos = settings.photo_location()?;
    eprintln!("moving the SQLite database into PostgreSQL (changes made meanwhile are not moved)");
    let report =
        crate::store::move_data::move_data(&settings.database_url, to, &mut |line: &str| {
            eprintln!("{line}")
        })
        .await?;
    print!("{report}");
    println!(
        "photo files were not moved: they stay in {photos}. Run the PostgreSQL installation \
         with the same BUERGERBUERO_PHOTOS_URL (or data directory), or move them with \
         `buergerbuero photos copy`."
    );
    Ok(())
}

/// `export`: the public reports page by page into `out.part`, then renamed to `out`.
async fn export(settings: &Settings, format: ExportFormat, out: &Path) -> anyhow::Result<()> {
    use std::io::Write;

    use futures_util::TryStreamExt;

    use crate::open_data::{Exporter, Format, public_report_pages};
    use crate::store::reports::ReportFilter;

    let format = match format {
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Geojson => Format::GeoJson,
    };
    let store = open_store(settings).await?;
    let engine = load_jurisdiction(&*store, settings).await?;
    let exporter = Exporter::new(std::sync::Arc::new(engine), &settings.public_url);
    let mut part = out.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let file = std::fs::File::create(&part)
        .with_context(|| format!("cannot create {}", part.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    let written = |e: std::io::Error| anyhow::anyhow!("writing {}: {e}", part.display());
    writer
        .write_all(&format.head(&settings.open_data))
        .map_err(written)?;
    let mut pages = std::pin::pin!(public_report_pages(store.clone(), ReportFilter::default()));
    let (mut first, mut reports) = (true, 0usize);
    while let Some(page) = pages.try_next().await? {
        reports += page.len();
        writer
            .write_all(&format.page(&exporter, &page, &mut first))
            .map_err(written)?;
    }
    writer.write_all(&format.tail()).map_err(written)?;
    writer
        .into_inner()
        .map_err(|e| written(e.into_error()))?
        .sync_all()
        .map_err(written)?;
    std::fs::rename(&part, out)
        .with_context(|| format!("cannot rename {} to {}", part.display(), out.display()))?;
    println!("{reports} public reports written to {}", out.display());
    Ok(())
}

/// `photos copy`: needs no database, only the two storages.
async fn copy(settings: &Settings, from: &str, to: &str) -> anyhow::Result<()> {
    let parse = |url: &str, what: &str| {
        PhotoLocation::parse(url).map_err(|e| anyhow::anyhow!("--{what}: {e}"))
    };
    let (from, to) = (parse(from, "from")?, parse(to, "to")?);
    if from == to {
        anyhow::bail!("--from and --to name the same storage ({from})");
    }
    let source = from.open(&settings.photos_s3_env)?;
    let target = to.open(&settings.photos_s3_env)?;
    target
        .check()
        .await
        .with_context(|| format!("the target {to} cannot be written"))?;
    eprintln!("copying photos from {from} to {to}");
    let report = copy_photos(&*source, &*target, &mut |line: &str| eprintln!("{line}")).await?;
    println!("{report}");
    Ok(())
}

/// Creates an account. A piped stdin gives the password (first line); at a terminal one is
/// generated and printed once, so it never shows up in the shell history or `ps`.
async fn add_clerk(
    settings: &Settings,
    email: String,
    authorities: Vec<String>,
    admin: bool,
    name: Option<String>,
) -> anyhow::Result<()> {
    use std::io::{BufRead, IsTerminal};
    let password = if std::io::stdin().is_terminal() {
        None
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        Some(line.trim_end_matches(['\r', '\n']).to_owned()).filter(|p| !p.is_empty())
    };
    let store = open_store(settings).await?;
    if store.count_areas().await? == 0 {
        import_boundaries(&*store, &settings.boundaries_dir, &mut |line| {
            eprintln!("{line}")
        })
        .await?;
    }
    let (id, generated) = create_account(
        &*store,
        AccountInput {
            email: email.clone(),
            display_name: name,
            password,
            is_admin: admin,
            authorities,
        },
        chrono::Utc::now(),
    )
    .await?;
    println!(
        "created {} {email} ({id})",
        if admin { "admin" } else { "clerk" }
    );
    if let Some(password) = generated {
        println!("password (shown once): {password}");
    }
    Ok(())
}

async fn locate(
    settings: &Settings,
    lat: f64,
    lon: f64,
    category: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let point = Coordinates::new(lat, lon)?;
    let store = open_store(settings).await?;
    if store.count_areas().await? == 0 {
        import_boundaries(&*store, &settings.boundaries_dir, &mut |line| {
            eprintln!("{line}")
        })
        .await?;
    }
    let engine = load_jurisdiction(&*store, settings).await?;
    let answer = match engine.locate(point, category) {
        Err(LocateError::OutsideServiceArea) => {
            anyhow::bail!(
                "{lat}, {lon} is outside the service area (Berlin, Brandenburg, Mecklenburg-Vorpommern)"
            )
        }
        other => other?,
    };
    let view = JurisdictionView::new(point, category, &answer);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&view).context("rendering JSON")?
        );
    } else {
        println!(
            "area:       {} ({}, {}, {})",
            view.area.name, view.area.key, view.area.kreis.name, view.area.state
        );
        println!(
            "authority:  {} ({}, {})",
            view.authority.name,
            view.authority.key,
            view.authority.kind.as_str()
        );
        if view.authority != view.municipal_authority {
            println!(
                "municipal:  {} ({})",
                view.municipal_authority.name, view.municipal_authority.key
            );
        }
        if view.distance_m > 0.0 {
            println!("match:      nearest area, {} m away", view.distance_m);
        }
        for n in &view.neighbouring_authorities {
            println!("near border with: {} ({})", n.name, n.key);
        }
    }
    Ok(())
}
