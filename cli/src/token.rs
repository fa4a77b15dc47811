//! `igconnect token`: mint a development JWT for the local server.

use crate::DataDirArg;
use igconnect::config::Settings;
use igconnect::domain::{Role, TenantId, UserId};

#[derive(clap::Args)]
pub struct TokenArgs {
    /// Tenant (company) the token acts for.
    #[arg(long)]
    tenant: String,
    /// User id (the `sub` claim).
    #[arg(long)]
    user: String,
    /// Role in the tenant: owner, admin or member.
    #[arg(long, default_value = "owner")]
    role: String,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    ttl: i64,
    #[command(flatten)]
    data: DataDirArg,
}

pub fn run(args: TokenArgs) -> Result<(), String> {
    let settings = Settings::from_env().map_err(|e| e.to_string())?;
    let tenant = TenantId::parse(args.tenant).map_err(|e| e.to_string())?;
    let user = UserId::parse(args.user).map_err(|e| e.to_string())?;
    let role = Role::parse(&args.role).ok_or("role must be owner, admin or member")?;
    if !(1..=30 * 86_400).contains(&args.ttl) {
        return Err("ttl must be between 1 second and 30 days".into());
    }
    let secret = crate::data_dir::jwt_secret(&settings, &args.data.data_dir)?;
    let token = igconnect::http::mint_token(
        &secret,
        &settings.jwt,
        &tenant,
        &user,
        role,
        chrono::TimeDelta::seconds(args.ttl),
    )?;
    println!("{token}");
    Ok(())
}
