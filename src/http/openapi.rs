//! The OpenAPI 3.1 document at `/api/v1/openapi.json`, built from the route table: every route
//! with the role it needs, its path parameters, the JSON schema of its request body, its success
//! responses (from the type its handler returns) and its error responses, which all share the one
//! error schema.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::errors::ErrorBody;
use super::reply::{schema_of, Json, Schemas};
use super::routes::{Access, ROUTES};
use super::{ApiError, Ctx};

/// An OpenAPI 3.1 document.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(value_type = Object)]
pub(super) struct Document(Value);

pub(super) async fn document(_ctx: Ctx) -> Result<Json<Document>, ApiError> {
    let (document, _) = build();
    Ok(Json::new(Document(document)))
}

/// The document, and the names of schemas that two different types claimed (empty unless a new
/// type reuses a name; a test keeps it empty).
fn build() -> (Value, Vec<String>) {
    let mut paths = Map::new();
    let mut schemas: Schemas = Vec::new();
    for route in ROUTES {
        let mut responses = Map::new();
        for (status, response) in (route.responses)(&mut schemas) {
            responses.insert(status.to_string(), response);
        }
        for status in route.errors() {
            responses.entry(status.to_string()).or_insert_with(|| json!({"$ref": "#/components/responses/Error"}));
        }
        let mut operation = json!({"summary": route.summary, "responses": responses});
        match route.access {
            Access::Role(role) => {
                operation["x-sqlgate-role"] = json!(role.as_str());
                operation["security"] = json!([{"session": []}, {"apiKey": []}]);
            }
            Access::Public => operation["security"] = json!([]),
        }
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !parameters.is_empty() {
            operation["parameters"] = json!(parameters);
        }
        if let Some(register) = route.body {
            let name = register(&mut schemas);
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {
                "schema": {"$ref": format!("#/components/schemas/{name}")}}}});
        }
        let path = paths.entry(route.path).or_insert_with(|| json!({}));
        path[route.method.as_str().to_ascii_lowercase()] = operation;
    }
    let error = schema_of::<ErrorBody>(&mut schemas);
    let (schemas, clashes) = components(schemas);
    let document = json!({
        "openapi": "3.1.0",
        "info": {"title": "sqlgate", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sqlgate_session"},
                "apiKey": {"type": "http", "scheme": "bearer"},
            },
            "responses": {"Error": {
                "description": "{\"error\":{\"code\",\"message\"}} (plus `guard_code` for `sql_rejected`)",
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{error}")}}},
            }},
        },
    });
    (document, clashes)
}

/// The named schemas, each once; a name registered with two different schemas is reported.
fn components(schemas: Schemas) -> (Map<String, Value>, Vec<String>) {
    let mut out = Map::new();
    let mut clashes = Vec::new();
    for (name, schema) in schemas {
        let schema = serde_json::to_value(schema).unwrap_or_default();
        match out.get(&name) {
            Some(known) if *known != schema => clashes.push(name),
            Some(_) => {}
            None => {
                out.insert(name, schema);
            }
        }
    }
    (out, clashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_types_share_a_schema_name() {
        let (_, clashes) = build();
        assert!(clashes.is_empty(), "two types are documented under one name: {clashes:?}");
    }

    #[test]
    fn every_reference_resolves_and_every_operation_documents_success_and_errors() {
        let (document, _) = build();
        let text = document.to_string();
        for reference in text.split("\"$ref\":\"").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]) {
            let pointer = reference.strip_prefix('#').unwrap();
            assert!(document.pointer(pointer).is_some(), "{reference} does not resolve");
        }
        for (path, methods) in document["paths"].as_object().unwrap() {
            for (method, operation) in methods.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                assert!(
                    responses.iter().any(|(status, r)| status.starts_with('2') && r["content"].is_object()),
                    "{method} {path} documents no success body"
                );
                if path != "/healthz" && path != "/readyz" {
                    assert!(responses.contains_key("429"), "{method} {path}: no 429");
                }
            }
        }
    }
}
