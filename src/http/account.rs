//! Logging in and out, one's own password, and one's API keys.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::reply::{Created, Json};
use super::AppState;
use super::{ApiError, Ctx};
use crate::auth::session::{Claims, COOKIE, CSRF_COOKIE};
use crate::auth::{apikey, now, password, random_token, totp, Role, Via};
use crate::store::{ApiKey, Session, User};
use sqlgate_connectors::{seal, unseal, SealedSecret, Secret};

const WRONG: &str = "the user name or password is wrong";

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Login {
    username: String,
    password: String,
    /// The current TOTP code, for accounts with a second factor.
    #[serde(default)]
    totp: Option<String>,
    /// A recovery code instead of the TOTP code (each works once).
    #[serde(default)]
    recovery_code: Option<String>,
}

/// A user as the login names them.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct UserRef {
    id: String,
    username: String,
    role: Role,
}

/// A successful login: who, and the CSRF token cookie-authenticated writes must send back.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct LoggedIn {
    user: UserRef,
    /// Send it in `X-CSRF-Token` with every write (also in the `sqlgate_csrf` cookie).
    csrf_token: String,
}

pub(super) async fn login(ctx: Ctx) -> Result<Json<LoggedIn>, ApiError> {
    let body: Login = ctx.json()?;
    let state = &ctx.state;
    let now = now();
    let mut failed = ctx.entry("login_failed", "denied");
    failed.username = Some(body.username.clone());
    let ip = ctx.client_ip();
    if let Some(wait) = ip.and_then(|ip| state.limits.login_locked(ip, now)) {
        failed.kind = "login_locked";
        failed.detail = json!({"reason": "address locked"});
        ctx.record(failed).await?;
        return Err(ip_locked(wait.0));
    }
    // Attempts for one name run one at a time, so none of their failures is lost.
    // User names are stored in lower case: `Alice` and `alice` are one account.
    let name = body.username.to_ascii_lowercase();
    let _one_at_a_time = state.limits.account(&name).lock().await;
    let Some(mut user) = state.store.user_by_name(&name).await? else {
        // A name without an account answers exactly as an account would: the same work as a
        // wrong password (timing), and the same lockout after the same number of failures.
        if let Some(until) = state.limits.ghost_locked(&name, now) {
            failed.kind = "login_locked";
            failed.detail = json!({"reason": "unknown user"});
            ctx.record(failed).await?;
            return Err(still_locked(until, now));
        }
        verify(&body.password, password::decoy_hash()).await;
        let auth = &state.config.auth;
        let lock = state.limits.ghost_failed(&name, now, auth.lockout_attempts, auth.lockout_minutes);
        failed.detail = json!({"reason": "unknown user", "locked": lock});
        ctx.record(failed).await?;
        if lock {
            return Err(account_locked(auth.lockout_minutes));
        }
        return Err(address_failure(&ctx, ip, now).await?.unwrap_or_else(|| ApiError::unauthenticated_because(WRONG)));
    };
    failed.role = Some(user.role.as_str().to_owned());
    if let Some(until) = user.locked_until.filter(|until| *until > now) {
        failed.kind = "login_locked";
        ctx.record(failed).await?;
        return Err(still_locked(until, now));
    }
    if !verify(&body.password, &user.password_hash).await || user.disabled {
        let reason = if user.disabled { "disabled" } else { "wrong password" };
        let wrong = ApiError::unauthenticated_because(WRONG);
        return Err(failure(&ctx, &mut user, failed, reason, ip, now, wrong).await?);
    }
    if user.totp_enabled {
        let (code, recovery) = (body.totp.as_deref(), body.recovery_code.as_deref());
        if code.is_none() && recovery.is_none() {
            // The password was right: ask for the second factor, and count nothing against the
            // account.
            return Err(ApiError::unauthenticated_because(
                "this account has a second factor: send the current code from the authenticator app as `totp` (or a recovery code as `recovery_code`)",
            )
            .with_code("totp_required"));
        }
        let secret = open_totp(state, &user, user.totp_secret.as_deref())?;
        let passed = match (code, recovery) {
            (Some(code), _) => use_code(&secret, &mut user, code, now),
            (None, Some(recovery)) => totp::use_recovery_code(recovery, &mut user.recovery_codes),
            (None, None) => false,
        };
        if !passed {
            // A wrong code counts like a wrong password, lockout included.
            let wrong = ApiError::unauthenticated_because("the code is wrong or expired; try the next one");
            return Err(failure(&ctx, &mut user, failed, "wrong second factor", ip, now, wrong).await?);
        }
    }
    user.failed_logins = 0;
    user.locked_until = None;
    state.store.update_user(&user).await?;
    let session =
        Session { id: random_token(24), user_id: user.id.clone(), created_at: now, last_seen: now, revoked: false };
    state.store.create_session(&session).await?;
    let absolute = state.config.sessions.absolute_hours as i64 * 3600;
    let csrf = random_token(24);
    let claims =
        Claims { sid: session.id.clone(), sub: user.id.clone(), csrf: csrf.clone(), iat: now, exp: now + absolute };
    let token = state
        .signer
        .sign(&claims)
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "could not sign the session"))?;
    let mut entry = ctx.entry("login", "ok");
    entry.username = Some(user.username.clone());
    entry.role = Some(user.role.as_str().to_owned());
    ctx.record(entry).await?;
    let secure = state.config.server.secure_cookies;
    let cookie = |name: &'static str, value: String, http_only: bool| {
        Cookie::build(name, value)
            .path("/")
            .http_only(http_only)
            .secure(secure)
            .same_site(SameSite::Strict)
            .max_age(CookieDuration::seconds(absolute))
            .finish()
    };
    let user = UserRef { id: user.id, username: user.username, role: user.role };
    Ok(Json::new(LoggedIn { user, csrf_token: csrf.clone() }).cookie(cookie(COOKIE, token, true)).cookie(cookie(
        CSRF_COOKIE,
        csrf,
        false,
    )))
}

/// Counts a failed login against the account (locking it at `auth.lockout_attempts`) and the
/// client's address, records it, and returns the error to answer with.
async fn failure(
    ctx: &Ctx,
    user: &mut User,
    mut failed: crate::audit::Entry,
    reason: &str,
    ip: Option<std::net::IpAddr>,
    now: i64,
    wrong: ApiError,
) -> Result<ApiError, ApiError> {
    let auth = &ctx.state.config.auth;
    user.failed_logins += 1;
    let lock = user.failed_logins >= auth.lockout_attempts;
    if lock {
        user.locked_until = Some(now + auth.lockout_minutes as i64 * 60);
        user.failed_logins = 0;
    }
    ctx.state.store.update_user(user).await?;
    failed.detail = json!({"reason": reason, "locked": lock});
    ctx.record(failed).await?;
    if lock {
        let mut entry = ctx.entry("lockout", "denied");
        entry.username = Some(user.username.clone());
        entry.role = Some(user.role.as_str().to_owned());
        entry.detail = json!({"minutes": auth.lockout_minutes});
        ctx.record(entry).await?;
        return Ok(account_locked(auth.lockout_minutes));
    }
    Ok(address_failure(ctx, ip, now).await?.unwrap_or(wrong))
}

/// Counts a failed login against the client's address; when that locks the address, records the
/// lockout and returns the error to answer with.
async fn address_failure(ctx: &Ctx, ip: Option<std::net::IpAddr>, now: i64) -> Result<Option<ApiError>, ApiError> {
    let Some(wait) = ip.and_then(|ip| ctx.state.limits.login_failed(ip, now)) else { return Ok(None) };
    let mut entry = ctx.entry("lockout", "denied");
    entry.detail = json!({"address": ctx.ip(), "minutes": wait.0 / 60});
    ctx.record(entry).await?;
    Ok(Some(ip_locked(wait.0)))
}

fn still_locked(until: i64, now: i64) -> ApiError {
    let minutes = (until - now + 59) / 60;
    ApiError::too_many(
        "account_locked",
        format!("too many failed logins: this account is locked for {minutes} more minutes; wait, or ask an admin to reset the password"),
        (until - now) as u64,
    )
}

fn account_locked(minutes: u64) -> ApiError {
    ApiError::too_many(
        "account_locked",
        format!("too many failed logins: this account is locked for {minutes} minutes; wait, or ask an admin to reset the password"),
        minutes * 60,
    )
}

fn ip_locked(seconds: u64) -> ApiError {
    ApiError::too_many(
        "address_locked",
        format!(
            "too many failed logins from this address: logins from it are refused for {} more minutes",
            seconds.div_ceil(60)
        ),
        seconds,
    )
}

/// The session ended.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct LoggedOut {
    /// `logged out`.
    status: &'static str,
}

pub(super) async fn logout(ctx: Ctx) -> Result<Json<LoggedOut>, ApiError> {
    let who = ctx.who()?;
    // Each change is recorded before it is made: a change the trail cannot take is not made.
    ctx.record(ctx.entry("logout", "ok")).await?;
    if let Via::Session { id, .. } = &who.via {
        ctx.state.store.revoke_session(id).await?;
    }
    let gone = |name: &'static str| {
        let mut c = Cookie::build(name, "").path("/").finish();
        c.make_removal();
        c
    };
    Ok(Json::new(LoggedOut { status: "logged out" }).cookie(gone(COOKIE)).cookie(gone(CSRF_COOKIE)))
}

/// Who is calling, and how.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Me {
    id: String,
    username: String,
    role: Role,
    /// `session` (the cookie) or `api_key`.
    via: &'static str,
}

pub(super) async fn me(ctx: Ctx) -> Result<Json<Me>, ApiError> {
    let who = ctx.who()?;
    let via = match who.via {
        Via::Session { .. } => "session",
        Via::ApiKey { .. } => "api_key",
    };
    Ok(Json::new(Me { id: who.user_id.clone(), username: who.username.clone(), role: who.role, via }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewPassword {
    current: String,
    new: String,
}

/// The password was changed.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PasswordChanged {
    /// `changed`.
    status: &'static str,
    message: &'static str,
}

pub(super) async fn change_password(ctx: Ctx) -> Result<Json<PasswordChanged>, ApiError> {
    let body: NewPassword = ctx.json()?;
    let store = &ctx.state.store;
    let (mut user, _one_at_a_time) = confirm_password(&ctx, "password_change", &body.current).await?;
    password::check_policy(&body.new, &user.username).map_err(|e| ApiError::bad_request(e.to_string()))?;
    user.password_hash = hash(&body.new).await?;
    let mut entry = ctx.entry("password_change", "ok");
    entry.detail = json!({"sessions_end": true});
    ctx.record(entry).await?;
    store.update_user(&user).await?;
    store.revoke_sessions_of(&user.id).await?;
    Ok(Json::new(PasswordChanged {
        status: "changed",
        message: "the password was changed and every session ended; log in again",
    }))
}

/// The caller's account, once `password` proved to be its current password. A wrong one counts
/// like a failed login, lockout included, and is recorded as a denied `kind`: a stolen session
/// cannot be used to guess the password. The lock it returns keeps other attempts for the account
/// waiting until the caller has stored its change, so no failure count is lost.
async fn confirm_password<'a>(
    ctx: &'a Ctx,
    kind: &'static str,
    password: &str,
) -> Result<(User, tokio::sync::MutexGuard<'a, ()>), ApiError> {
    let who = ctx.who()?;
    let one_at_a_time = ctx.state.limits.account(&who.username).lock().await;
    let mut user = ctx.state.store.user(&who.user_id).await?.ok_or_else(ApiError::unauthenticated)?;
    let now = now();
    if let Some(until) = user.locked_until.filter(|until| *until > now) {
        return Err(still_locked(until, now));
    }
    if !verify(password, &user.password_hash).await {
        let mut failed = ctx.entry(kind, "denied");
        failed.username = Some(user.username.clone());
        let wrong = ApiError::forbidden_because("wrong_password", "the current password is wrong");
        let ip = ctx.client_ip();
        return Err(failure(ctx, &mut user, failed, "wrong current password", ip, now, wrong).await?);
    }
    Ok((user, one_at_a_time))
}

/// Whether `code` is the current code of `secret` and later than the last one `user` used; if
/// so, it is used up (each code works once).
fn use_code(secret: &str, user: &mut User, code: &str, now: i64) -> bool {
    match totp::matching_step(secret, &user.username, code, now.max(0) as u64) {
        Some(step) if user.totp_last_step.is_none_or(|last| step > last) => {
            user.totp_last_step = Some(step);
            true
        }
        _ => false,
    }
}

/// An argon2id hash, or a 500 that says so. Hashing takes tens of milliseconds of CPU on purpose,
/// so it runs on the blocking pool, not on the worker that serves other requests.
pub(super) async fn hash(password: &str) -> Result<String, ApiError> {
    let password = zeroize::Zeroizing::new(password.to_owned());
    let failed = || ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "could not hash the password");
    actix_web::web::block(move || password::hash(&password)).await.map_err(|_| failed())?.map_err(|_| failed())
}

/// Whether `password` matches `phc`, checked on the blocking pool (see [`hash`]).
async fn verify(password: &str, phc: &str) -> bool {
    let (password, phc) = (zeroize::Zeroizing::new(password.to_owned()), phc.to_owned());
    actix_web::web::block(move || password::verify(&password, &phc)).await.unwrap_or(false)
}

/// One's API keys, never the keys themselves.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct KeyList {
    keys: Vec<ApiKey>,
}

pub(super) async fn list_keys(ctx: Ctx) -> Result<Json<KeyList>, ApiError> {
    let who = ctx.who()?;
    Ok(Json::new(KeyList { keys: ctx.state.store.api_keys_of(&who.user_id).await? }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewKey {
    name: String,
    #[serde(default)]
    expires_in_days: Option<u32>,
}

/// A new API key, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct NewKeyShown {
    id: String,
    name: String,
    /// Unix seconds, or `null` for a key without expiry.
    expires_at: Option<i64>,
    /// The key (`sqg_…`): send it as `Authorization: Bearer <key>`. Only its hash is kept.
    key: String,
    message: &'static str,
}

pub(super) async fn create_key(ctx: Ctx) -> Result<Created<NewKeyShown>, ApiError> {
    let body: NewKey = ctx.json()?;
    let who = ctx.who()?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_request("name the key (1 to 100 characters), e.g. \"ci-nightly\""));
    }
    if body.expires_in_days == Some(0) {
        return Err(ApiError::bad_request(
            "expires_in_days must be at least 1 (leave it out for a key without expiry)",
        ));
    }
    let new = apikey::generate();
    let now = now();
    let key = ApiKey {
        id: new.id.clone(),
        user_id: who.user_id.clone(),
        name: name.to_owned(),
        hash: new.hash,
        created_at: now,
        expires_at: body.expires_in_days.map(|d| now + i64::from(d) * 86_400),
        revoked: false,
    };
    let mut entry = ctx.entry("apikey_created", "ok");
    entry.detail = json!({"key_id": key.id, "name": key.name, "expires_at": key.expires_at});
    ctx.record(entry).await?;
    ctx.state.store.create_api_key(&key).await?;
    Ok(Created::new(NewKeyShown {
        id: key.id,
        name: key.name,
        expires_at: key.expires_at,
        key: new.token,
        message: "this is the only time the key is shown; store it now",
    }))
}

/// A key revoked.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Revoked {
    /// `revoked`.
    status: &'static str,
    id: String,
}

pub(super) async fn revoke_key(ctx: Ctx) -> Result<Json<Revoked>, ApiError> {
    let who = ctx.who()?;
    let id = ctx.param("id");
    // Another user's key is "not found": ids do not reveal what exists.
    let key = ctx.state.store.api_key(&id).await?.filter(|k| k.user_id == who.user_id);
    let Some(key) = key else { return Err(ApiError::not_found("no such API key of yours")) };
    let mut entry = ctx.entry("apikey_revoked", "ok");
    entry.detail = json!({"key_id": key.id, "name": key.name});
    ctx.record(entry).await?;
    ctx.state.store.revoke_api_key(&key.id).await?;
    Ok(Json::new(Revoked { status: "revoked", id: key.id }))
}

/// The associated data a user's TOTP secret is sealed with.
fn totp_label(user: &User) -> String {
    format!("totp:{}", user.id)
}

/// The TOTP secret `sealed` of `user` (the active or the pending one), opened.
fn open_totp(state: &AppState, user: &User, sealed: Option<&str>) -> Result<String, ApiError> {
    let broken = || {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the second factor could not be read; ask an admin to reset it",
        )
    };
    let sealed = sealed.ok_or_else(broken)?;
    let sealed = SealedSecret::from_base64(sealed).map_err(|_| broken())?;
    let secret = unseal(&state.master, &totp_label(user), &sealed).map_err(|_| broken())?;
    Ok(secret.expose().to_owned())
}

/// A started enrolment: the new secret, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Enrolment {
    /// The secret as an `otpauth://totp/…` URI (what the QR code holds).
    otpauth_uri: String,
    /// The secret (base32), for typing into an app.
    secret: String,
    /// An SVG image of the QR code (`null` if the URI is too long for one).
    qr_svg: Option<String>,
    message: &'static str,
}

/// What starting an enrolment needs: fresh proof that the caller is the account's owner, not
/// only someone holding their session.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Reauthentication {
    /// The account's current password.
    current_password: String,
    /// The current code from the authenticator app; needed when a second factor is already on.
    #[serde(default)]
    totp: Option<String>,
}

/// Starts (or restarts) enrolment: a new secret, its otpauth URI and QR code, once the current
/// password (and, with a second factor on, its current code) is confirmed; wrong ones count as
/// failed logins. Nothing changes for logins until a code of the new secret is verified with
/// `POST /api/v1/me/totp/verify`: no code is needed yet, or the active factor stays in force.
pub(super) async fn totp_enrol(ctx: Ctx) -> Result<Json<Enrolment>, ApiError> {
    let body: Reauthentication = ctx.json()?;
    let state = &ctx.state;
    let (mut user, _one_at_a_time) = confirm_password(&ctx, "totp_enrol", &body.current_password).await?;
    let replaces = user.totp_enabled;
    if replaces {
        confirm_code(&ctx, &mut user, body.totp.as_deref()).await?;
    }
    let secret = totp::new_secret();
    let sealed = seal(&state.master, &totp_label(&user), &Secret::new(secret.clone()))
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "could not seal the secret"))?;
    user.totp_pending = Some(sealed.to_base64());
    let uri = totp::uri(&secret, &user.username).ok_or_else(|| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "could not make the otpauth URI")
    })?;
    let mut entry = ctx.entry("totp_enrol", "ok");
    entry.detail = json!({"replaces_active_factor": replaces});
    ctx.record(entry).await?;
    state.store.update_user(&user).await?;
    let message = if replaces {
        "scan the QR code (or type the secret) into an authenticator app, then send its current code to POST /api/v1/me/totp/verify; until then the current second factor stays in force"
    } else {
        "scan the QR code (or type the secret) into an authenticator app, then send its current code to POST /api/v1/me/totp/verify"
    };
    Ok(Json::new(Enrolment { qr_svg: totp::qr_svg(&uri), otpauth_uri: uri, secret, message }))
}

/// Confirms the current code of `user`'s active second factor (using it up); a wrong one counts
/// like a failed login, lockout included.
async fn confirm_code(ctx: &Ctx, user: &mut User, code: Option<&str>) -> Result<(), ApiError> {
    let Some(code) = code else {
        return Err(ApiError::forbidden_because(
            "totp_required",
            "this account has a second factor: send the current code from the authenticator app as `totp`",
        ));
    };
    let now = now();
    let secret = open_totp(&ctx.state, user, user.totp_secret.as_deref())?;
    if use_code(&secret, user, code, now) {
        return Ok(());
    }
    let mut failed = ctx.entry("totp_enrol", "denied");
    failed.username = Some(user.username.clone());
    let wrong = ApiError::forbidden_because("wrong_code", "the code is wrong or was already used; send the next one");
    let ip = ctx.client_ip();
    Err(failure(ctx, user, failed, "wrong second factor", ip, now, wrong).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Code {
    code: String,
}

/// The second factor is on: the recovery codes, shown this once.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Enabled {
    /// `enabled`.
    status: &'static str,
    /// Ten codes, each usable once instead of a TOTP code.
    recovery_codes: Vec<String>,
    message: &'static str,
}

/// Finishes enrolment with a code of the new secret: from now on logins need its codes (a factor
/// it replaces, and that factor's recovery codes, stop working). Answers with new recovery codes,
/// once.
pub(super) async fn totp_verify(ctx: Ctx) -> Result<Json<Enabled>, ApiError> {
    let body: Code = ctx.json()?;
    let who = ctx.who()?;
    let state = &ctx.state;
    let mut user = state.store.user(&who.user_id).await?.ok_or_else(ApiError::unauthenticated)?;
    let Some(pending) = user.totp_pending.take() else {
        return Err(ApiError::conflict("there is no enrolment to finish; start one with POST /api/v1/me/totp/enrol"));
    };
    let secret = open_totp(state, &user, Some(&pending))?;
    if !totp::check(&secret, &user.username, &body.code) {
        ctx.record(ctx.entry("totp_enrol", "denied")).await?;
        return Err(ApiError::bad_request("the code does not match; check the app's clock and send the current code"));
    }
    let (codes, hashes) = totp::recovery_codes();
    let replaced = user.totp_enabled;
    user.totp_secret = Some(pending);
    user.totp_enabled = true;
    user.recovery_codes = hashes;
    let mut entry = ctx.entry("totp_enabled", "ok");
    entry.detail = json!({"replaced_factor": replaced});
    ctx.record(entry).await?;
    state.store.update_user(&user).await?;
    Ok(Json::new(Enabled {
        status: "enabled",
        recovery_codes: codes,
        message: "logins now need a code; keep these recovery codes somewhere safe: each works once, and they are not shown again",
    }))
}
