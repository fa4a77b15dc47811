//! openapi.yaml and the router agree: every documented operation is a route the server
//! serves, and every route the server declares is documented.

use igconnect_blackbox::Server;
use serde_json::Value;
use std::collections::BTreeSet;

fn documented() -> BTreeSet<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let doc: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().get(..3), Some("3.1"));
    let mut ops = BTreeSet::new();
    for (route, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.insert((method.to_uppercase(), route.clone()));
            }
        }
    }
    ops
}

#[test]
fn every_declared_route_is_documented_and_every_documented_route_is_declared() {
    let declared: BTreeSet<(String, String)> = igconnect::http::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented(), declared);
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let server = Server::start().await;
    for (method, route) in documented() {
        let path = route.replace("{id}", "0190f0f0-0000-7000-8000-000000000000");
        let req = server
            .http
            .request(method.parse().unwrap(), server.url(&path))
            .header("content-type", "application/json")
            .body("{}");
        let res = req.send().await.unwrap();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        let code = body["code"].as_str().unwrap_or_default();
        assert!(
            code != "not_found" && code != "method_not_allowed",
            "{method} {route} is documented but the server does not route it"
        );
    }
}
