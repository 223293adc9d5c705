//! The API described as OpenAPI 3.1, served at `/openapi.json`.

use serde_json::{Value, json};

pub fn document() -> Value {
    let kinds: Vec<&str> = crate::engine::KINDS.iter().map(|k| k.name()).collect();
    let error = json!({"$ref": "#/components/schemas/Error"});
    let ok = |what: &str| json!({"description": what, "content": {"application/json": {"schema": {"type": "object"}}}});
    let errors = json!({
        "401": {"description": "no token, or an unknown one", "content": {"application/json": {"schema": error}}},
        "403": {"description": "the token's role may not do this", "content": {"application/json": {"schema": error}}},
        "429": {"description": "rate limit", "content": {"application/json": {"schema": error}}}
    });
    let with = |mut responses: Value| {
        for (k, v) in errors.as_object().unwrap() {
            responses[k] = v.clone();
        }
        responses
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "unmask",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Fake remote worker detection as a service. Every route needs `Authorization: Bearer <token>` (tokens: `unmask token create --role ingest|analyst|admin`). Roles nest: ingest < analyst < admin."
        },
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
                "IngestResult": {"type": "object", "properties": {
                    "accepted": {"type": "integer"}, "rejected": {"type": "integer"}, "new": {"type": "integer"},
                    "results": {"type": "array", "items": {"type": "object", "properties": {
                        "index": {"type": "integer"}, "id": {"type": "string"},
                        "status": {"enum": ["accepted", "rejected"]}, "error": {"type": "string"}}}},
                    "application": {"type": "object", "description": "for one application: its risk, level, actor and signals",
                        "properties": {"id": {"type": "string"}, "risk": {"type": "number"}, "level": {"enum": ["low", "medium", "high"]},
                            "actor": {"type": "string"}, "signals": {"type": "array"}}}
                }},
                "Disposition": {"type": "object", "required": ["subject_kind", "subject", "status"], "properties": {
                    "subject_kind": {"enum": ["actor", "persona"]}, "subject": {"type": "string"},
                    "status": {"enum": crate::api::STATUSES}, "note": {"type": "string"}}}
            }
        },
        "security": [{"token": []}],
        "paths": {
            "/v1/{kind}": {"post": {
                "summary": "Ingest one record or an array of them (idempotent by record id; per-record errors). Role: ingest.",
                "parameters": [{"name": "kind", "in": "path", "required": true, "schema": {"enum": kinds}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"oneOf": [{"type": "object"}, {"type": "array"}]}}}},
                "responses": with(json!({
                    "200": {"description": "per-record results", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestResult"}}}},
                    "408": {"description": "the body did not arrive in time (`--body-timeout`)", "content": {"application/json": {"schema": error}}},
                    "413": {"description": "body or batch too large", "content": {"application/json": {"schema": error}}},
                    "422": {"description": "no record accepted", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestResult"}}}}
                }))
            }},
            "/v1/findings": {"get": {"summary": "The latest findings, as the data contract's findings.json. Role: analyst.", "responses": with(json!({"200": ok("findings")}))}},
            "/v1/actors": {"get": {"summary": "Actors by risk; `level`, `limit`, `all` (include benign-dismissed). Role: analyst.",
                "parameters": [
                    {"name": "level", "in": "query", "schema": {"enum": ["low", "medium", "high"]}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "all", "in": "query", "schema": {"type": "boolean"}}],
                "responses": with(json!({"200": ok("actors")}))}},
            "/v1/actors/{id}": {"get": {"summary": "One actor with its personas and dispositions (audited). Role: analyst.",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": with(json!({"200": ok("the actor"), "404": {"description": "no such actor"}}))}},
            "/v1/personas/{id}": {
                "get": {"summary": "One persona: finding, records as received, dispositions (audited). Role: analyst.",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": with(json!({"200": ok("the persona"), "404": {"description": "no such persona"}}))},
                "delete": {"summary": "Erase a persona's personal data (right to erasure). Role: admin.",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": with(json!({"200": ok("how many records went"), "404": {"description": "no such persona"}}))}
            },
            "/v1/dispositions": {"post": {"summary": "Record a decision on an actor or persona. Role: analyst.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Disposition"}}}},
                "responses": with(json!({"201": ok("the disposition"), "404": {"description": "no such subject"}, "422": {"description": "bad status or kind"}}))}},
            "/v1/search": {"get": {"summary": "Personas whose records mention the text (name, e-mail, phone, IP, asset). Role: analyst.",
                "parameters": [{"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}],
                "responses": with(json!({"200": ok("persona ids")}))}},
            "/v1/audit": {"get": {"summary": "The audit log, newest first. Role: admin.",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": with(json!({"200": ok("audit entries")}))}},
            "/openapi.json": {"get": {"summary": "This document. Role: any.", "responses": with(json!({"200": ok("OpenAPI")}))}}
        }
    })
}
