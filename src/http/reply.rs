//! What handlers answer on success. Each answer is a type that knows both how to become a response
//! and how the OpenAPI document describes it, so the document is generated from what is sent: a
//! handler returns `Json<T>` (200) or `Created<T>` (201) with a `Serialize + ToSchema` body,
//! [`Csv`] for a streamed export, or a route's own [`Success`] type for anything else.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::openapi::{RefOr, Schema};

/// Named schemas collected for the document's `components.schemas`.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// A handler's successful answer.
pub trait Success {
    /// The HTTP response.
    fn into_response(self) -> HttpResponse;
    /// The operation's success responses (status → OpenAPI response object), registering the
    /// schemas they use.
    fn document(schemas: &mut Schemas) -> Vec<(u16, Value)>;
}

/// Registers `T`'s schema (and those it uses) and returns its name.
pub fn schema_of<T: utoipa::ToSchema>(schemas: &mut Schemas) -> String {
    T::schemas(schemas);
    let name = T::name().into_owned();
    schemas.push((name.clone(), T::schema()));
    name
}

/// A JSON response with status `STATUS` (200 unless said otherwise), and cookies to set.
pub struct Json<T, const STATUS: u16 = 200> {
    body: T,
    cookies: Vec<Cookie<'static>>,
}

/// A JSON response with status 201.
pub type Created<T> = Json<T, 201>;

impl<T, const STATUS: u16> Json<T, STATUS> {
    /// The answer `body`.
    pub fn new(body: T) -> Self {
        Json { body, cookies: Vec::new() }
    }

    /// The same answer, also setting `cookie`.
    pub fn cookie(mut self, cookie: Cookie<'static>) -> Self {
        self.cookies.push(cookie);
        self
    }
}

impl<T: Serialize + utoipa::ToSchema, const STATUS: u16> Success for Json<T, STATUS> {
    fn into_response(self) -> HttpResponse {
        let mut res = HttpResponse::build(StatusCode::from_u16(STATUS).unwrap_or(StatusCode::OK));
        for cookie in self.cookies {
            res.cookie(cookie);
        }
        res.json(self.body)
    }

    fn document(schemas: &mut Schemas) -> Vec<(u16, Value)> {
        let name = schema_of::<T>(schemas);
        vec![(STATUS, json_response(if STATUS == 201 { "created" } else { "success" }, &name))]
    }
}

/// A response object whose body is the JSON schema `name`.
pub fn json_response(description: &str, name: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}},
    })
}

/// A response object whose body is text of `media_type`.
pub fn text_response(description: &str, media_type: &str) -> Value {
    json!({"description": description, "content": {media_type: {"schema": {"type": "string"}}}})
}

/// A CSV file, streamed as the client reads it.
pub struct Csv(HttpResponse);

impl Csv {
    /// The content type of every CSV answer.
    pub const MEDIA_TYPE: &'static str = "text/csv; charset=utf-8";

    /// `stream` as an attachment named `filename`.
    pub fn attachment<S>(filename: &'static str, stream: S) -> Self
    where
        S: futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::Error>> + 'static,
    {
        Csv(HttpResponse::Ok()
            .content_type(Self::MEDIA_TYPE)
            .insert_header(("content-disposition", format!("attachment; filename=\"{filename}\"")))
            .streaming(stream))
    }
}

impl Success for Csv {
    fn into_response(self) -> HttpResponse {
        self.0
    }

    fn document(_: &mut Schemas) -> Vec<(u16, Value)> {
        vec![(200, text_response("a CSV file (RFC 4180), one record per line after a header", Self::MEDIA_TYPE))]
    }
}
