//! infra/template.yaml and the code agree: every function of the template is a workspace
//! binary under `functions/` and every one of those is in the template; the template's HTTP
//! routes are the router's (`igconnect::http::ROUTES`, which openapi.yaml is checked
//! against), each routed to exactly one function; and only Meta's callbacks and the OAuth
//! callback go without the JWT authorizer.

use igconnect::http::ROUTES;
use serde_yaml_ng::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The template, CloudFormation's short tags (`!Ref`, `!GetAtt`, `!Sub`) read as tagged
/// values.
fn template() -> Value {
    let text = std::fs::read_to_string(root().join("infra/template.yaml")).expect("template");
    serde_yaml_ng::from_str(&text).expect("the template is YAML")
}

/// `(logical id, function properties)` of every `AWS::Serverless::Function`.
fn functions(t: &Value) -> Vec<(String, Value)> {
    t["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, r)| {
            (
                id.as_str().unwrap_or_default().to_owned(),
                r["Properties"].clone(),
            )
        })
        .collect()
}

/// A route: method and path, and whether it is public (no authorizer).
type Route = (String, String, bool);

fn routes_of(function: &Value) -> Vec<Route> {
    let Some(events) = function["Events"].as_mapping() else {
        return Vec::new();
    };
    events
        .values()
        .filter(|e| e["Type"] == "HttpApi")
        .map(|e| {
            let p = &e["Properties"];
            (
                p["Method"].as_str().expect("Method").to_owned(),
                p["Path"].as_str().expect("Path").to_owned(),
                p["Auth"]["Authorizer"] == "NONE",
            )
        })
        .collect()
}

#[test]
fn every_function_is_a_workspace_binary_and_every_binary_a_function() {
    let t = template();
    let in_template: BTreeSet<String> = functions(&t)
        .iter()
        .map(|(id, f)| {
            let uri = f["CodeUri"].as_str().unwrap_or_default();
            uri.strip_prefix("../functions/")
                .unwrap_or_else(|| panic!("{id}: CodeUri {uri} is not under functions/"))
                .to_owned()
        })
        .collect();
    let in_workspace: BTreeSet<String> = std::fs::read_dir(root().join("functions"))
        .expect("functions/")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(in_template, in_workspace);
    for (id, f) in functions(&t) {
        assert_eq!(
            t["Resources"][id.as_str()]["Metadata"]["BuildMethod"],
            "rust-cargolambda",
            "{id} is built by cargo lambda"
        );
        assert!(f["Description"].is_string(), "{id} says what it serves");
    }
}

#[test]
fn the_templates_routes_are_the_routers_and_only_callbacks_are_public() {
    let t = template();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut public = BTreeSet::new();
    for (id, f) in functions(&t) {
        for (method, path, open) in routes_of(&f) {
            assert!(
                seen.insert((method.clone(), path.clone())),
                "{method} {path} is routed twice (again by {id})"
            );
            if open {
                public.insert(path);
            }
        }
    }
    // `GET /v1/health` is `serve`'s liveness probe; API Gateway needs none.
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|(_, path)| *path != "/v1/health")
        .map(|(m, p)| (m.as_str().to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(seen, routed);
    assert!(
        public
            .iter()
            .all(|p| p == "/v1/oauth/callback" || p.starts_with("/v1/meta/")),
        "only the OAuth callback and Meta's callbacks skip the JWT authorizer: {public:?}"
    );
    assert!(public.contains("/v1/oauth/callback"));
    assert_eq!(
        t["Resources"]["Api"]["Properties"]["Auth"]["DefaultAuthorizer"],
        "Jwt"
    );
}
