//! infra/template.yaml and the code agree, and the template deploys the service securely:
//! - every function of the template is a workspace binary under `functions/` and every one
//!   of those is in the template, built by cargo lambda, sized, capped, logging JSON to a
//!   log group of its own with retention, with a dead-letter queue when invoked
//!   asynchronously;
//! - the HTTP routes are the router's (`igconnect::http::ROUTES`) and openapi.yaml's, each
//!   routed to exactly one function; only Meta's callbacks and the OAuth callback go
//!   without the JWT authorizer;
//! - each function's IAM grants are its row of ARCHITECTURE.md's least-privilege table,
//!   and `list`, `share` and `initiate` can read no sealed token (`TOKEN#` partitions);
//! - only `media`, `publish` and `publish-worker` name the media bucket, each granted
//!   object keys by prefix: `media` alone reads raw uploads and writes converted files,
//!   `publish` only presigns an upload and a fetch; the bucket is private, TLS only, and
//!   notifies `media` of uploads only;
//! - no function's environment holds a secret;
//! - the table's keys, indexes and TTL are the code's and docs/dynamodb.md's.

use igconnect::http::ROUTES;
use serde_yaml_ng::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

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

/// The routes openapi.yaml documents, as `(METHOD, path)`.
fn openapi_routes() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(root().join("openapi.yaml")).expect("openapi.yaml");
    let spec: Value = serde_yaml_ng::from_str(&text).expect("openapi.yaml is YAML");
    let mut routes = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths") {
        let path = path.as_str().expect("a path").to_owned();
        for method in ["get", "post", "put", "patch", "delete"] {
            if !item[method].is_null() {
                routes.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    routes
}

#[test]
fn the_templates_routes_are_openapis() {
    let t = template();
    let routed: BTreeSet<(String, String)> = functions(&t)
        .iter()
        .flat_map(|(_, f)| routes_of(f))
        .map(|(method, path, _)| (method, path))
        .collect();
    // `GET /v1/health` is `serve`'s liveness probe, documented for it; API Gateway needs none.
    let documented: BTreeSet<(String, String)> = openapi_routes()
        .into_iter()
        .filter(|(_, path)| path != "/v1/health")
        .collect();
    assert_eq!(routed, documented);
}

/// The string of a plain scalar or of a short-form intrinsic (`!Ref X`, `!GetAtt X.Arn`,
/// `!Sub "..."`), with the intrinsic's name: `("GetAtt", "Table.Arn")`, `("", "literal")`.
fn intrinsic(v: &Value) -> (String, String) {
    match v {
        Value::Tagged(tagged) => (
            tagged.tag.to_string().trim_start_matches('!').to_owned(),
            tagged.value.as_str().unwrap_or_default().to_owned(),
        ),
        Value::String(s) => (String::new(), s.clone()),
        other => panic!("not a string or an intrinsic: {other:?}"),
    }
}

/// One value or a list of them, as a list.
fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Sequence(items) => items.clone(),
        Value::Null => Vec::new(),
        one => vec![one.clone()],
    }
}

/// The media bucket's `BucketName`: `!Sub [text, variables]`, the text and the variables.
fn media_bucket_name(t: &Value) -> (String, Value) {
    let Value::Tagged(name) = &t["Resources"]["MediaBucket"]["Properties"]["BucketName"] else {
        panic!("MediaBucket names itself with a !Sub");
    };
    assert_eq!(name.tag.to_string(), "!Sub", "MediaBucket's BucketName");
    let parts = list(&name.value);
    assert_eq!(parts.len(), 2, "!Sub [text, variables]: {parts:?}");
    let text = parts[0].as_str().expect("the name's text").to_owned();
    (text, parts[1].clone())
}

static MEDIA_BUCKET_NAME: LazyLock<(String, Value)> =
    LazyLock::new(|| media_bucket_name(&template()));

/// The object keys an ARN in the media bucket covers (`uploads/*`): `!Sub
/// "${MediaBucket.Arn}/<keys>"`, or, where a `!Ref` of the bucket would be circular (the
/// function its notification targets), `!Sub ["arn:${AWS::Partition}:s3:::<name>/<keys>",
/// variables]` with exactly the bucket's own name and variables. `Some("")` is the bucket
/// itself; `None`, not the media bucket.
fn media_object_keys(v: &Value) -> Option<String> {
    let (kind, text) = intrinsic_or_sub_list(v);
    match (kind.as_str(), text) {
        ("GetAtt", Some(t)) if t == "MediaBucket.Arn" => Some(String::new()),
        ("Sub", Some(t)) => t.strip_prefix("${MediaBucket.Arn}/").map(str::to_owned),
        ("SubList", None) => {
            let Value::Tagged(sub) = v else { return None };
            let parts = list(&sub.value);
            let (name, variables) = &*MEDIA_BUCKET_NAME;
            let arn = format!("arn:${{AWS::Partition}}:s3:::{name}");
            let text = parts.first()?.as_str()?;
            let rest = text.strip_prefix(&arn)?;
            // `<name>-other/...` is another bucket.
            let keys = if rest.is_empty() {
                rest
            } else {
                rest.strip_prefix('/')?
            };
            assert_eq!(
                parts.get(1),
                Some(variables),
                "{text}: the bucket's name with other variables than the bucket's"
            );
            Some(keys.to_owned())
        }
        _ => None,
    }
}

/// Like `intrinsic`, but a `!Sub [text, variables]` is `("SubList", None)` rather than a
/// failure, and a scalar's text is `Some`.
fn intrinsic_or_sub_list(v: &Value) -> (String, Option<String>) {
    match v {
        Value::Tagged(tagged) if tagged.value.is_sequence() => {
            let kind = tagged.tag.to_string();
            let kind = kind.trim_start_matches('!');
            (format!("{kind}List"), None)
        }
        other => {
            let (kind, text) = intrinsic(other);
            (kind, Some(text))
        }
    }
}

/// What an IAM `Resource` of the functions' policies points at, by the name the
/// least-privilege table uses. Anything else (a wildcard, another table) fails the test.
fn resource_name(v: &Value) -> String {
    if media_object_keys(v).is_some() {
        return "MediaBucket".into();
    }
    let (kind, text) = intrinsic(v);
    match (kind.as_str(), text.as_str()) {
        ("GetAtt", "Table.Arn") => "table".into(),
        ("GetAtt", "TokenKey.Arn") => "TokenKey".into(),
        ("Sub", sub) if sub.starts_with("${Table.Arn}/index/") => {
            sub.trim_start_matches("${Table.Arn}/index/").to_owned()
        }
        ("Sub", sub) if sub.ends_with(":secret:${MetaSecretName}-??????") => "MetaSecret".into(),
        ("Sub", sub) if sub.ends_with(":event-bus/${EventBusName}") => "EventBus".into(),
        _ => panic!("a policy names a resource the least-privilege table has no name for: {v:?}"),
    }
}

/// An allowed action on a resource, within the partitions `leading key` starts with (the
/// `dynamodb:LeadingKeys` pattern), or on the media bucket's objects whose keys match the
/// pattern (`uploads/*`); empty where the statement has neither.
type Grant = (String, String, String);

/// Every `Allow` statement of a function's inline policies.
fn allow_statements(function: &Value) -> Vec<Value> {
    list(&function["Policies"])
        .iter()
        .flat_map(|policy| {
            assert!(
                policy.is_mapping(),
                "managed policies hide what they grant: {policy:?}"
            );
            list(&policy["Statement"])
        })
        .filter(|s| {
            assert!(
                s["NotAction"].is_null() && s["NotResource"].is_null(),
                "NotAction/NotResource grant everything else: {s:?}"
            );
            s["Effect"] == "Allow"
        })
        .collect()
}

/// The `dynamodb:LeadingKeys` patterns of a statement, and whether they are under
/// `ForAllValues:StringLike` (every key of the request must match one).
fn leading_keys(statement: &Value) -> Option<Vec<String>> {
    let condition = &statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
    (!condition.is_null()).then(|| {
        list(condition)
            .iter()
            .map(|p| p.as_str().expect("a pattern").to_owned())
            .collect()
    })
}

/// What a function's role may do: its inline `Allow` statements, plus the `sqs:SendMessage`
/// SAM grants on the function's dead-letter queue.
fn grants(function: &Value) -> BTreeSet<Grant> {
    let mut grants = BTreeSet::new();
    for statement in allow_statements(function) {
        for resource in list(&statement["Resource"]) {
            let patterns = match media_object_keys(&resource) {
                Some(keys) => vec![keys],
                None => leading_keys(&statement).unwrap_or_else(|| vec![String::new()]),
            };
            let resource = resource_name(&resource);
            for action in list(&statement["Action"]) {
                let action = action.as_str().expect("an action").to_owned();
                for pattern in &patterns {
                    grants.insert((resource.clone(), action.clone(), pattern.clone()));
                }
            }
        }
    }
    if !function["DeadLetterQueue"].is_null() {
        grants.insert((
            "DeadLetterQueue".into(),
            "sqs:SendMessage".into(),
            String::new(),
        ));
    }
    grants
}

/// The least-privilege table of ARCHITECTURE.md: function name -> its grants.
fn least_privilege_table() -> Vec<(String, BTreeSet<Grant>)> {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let section = doc
        .split("## Least privilege on AWS")
        .nth(1)
        .expect("ARCHITECTURE.md has a least-privilege section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let rows: Vec<Vec<String>> = section
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        rows.first().map(|r| r.join(",")).as_deref(),
        Some("function,table,indexes,TokenKey,MediaBucket,other"),
        "the table's columns"
    );
    // "A, B on P#, Q#" -> grants of A and B on each prefix (a partition key's, or an object
    // key's: "GetObject on uploads/" is s3:GetObject on uploads/*).
    let clause = |resource: &str, prefix: &str, text: &str, grants: &mut BTreeSet<Grant>| {
        let (actions, keys) = text.split_once(" on ").unwrap_or((text, ""));
        for action in actions.split(',').map(str::trim) {
            let action = format!("{prefix}{action}");
            if keys.is_empty() {
                grants.insert((resource.to_owned(), action.clone(), String::new()));
            }
            for key in keys.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                grants.insert((resource.to_owned(), action.clone(), format!("{key}*")));
            }
        }
    };
    rows.iter()
        .skip(2)
        .map(|row| {
            assert_eq!(row.len(), 6, "a row of six cells: {row:?}");
            let mut grants = BTreeSet::new();
            let clauses = |cell: &str| -> Vec<String> {
                cell.split(';')
                    .map(|c| c.trim().to_owned())
                    .filter(|c| !c.is_empty() && c != "-")
                    .collect()
            };
            for c in clauses(&row[1]) {
                clause("table", "dynamodb:", &c, &mut grants);
            }
            for c in clauses(&row[2]) {
                let (index, rest) = c.split_once(':').expect("index: actions on keys");
                clause(index.trim(), "dynamodb:", rest.trim(), &mut grants);
            }
            for c in clauses(&row[3]) {
                clause("TokenKey", "kms:", &c, &mut grants);
            }
            for c in clauses(&row[4]) {
                clause("MediaBucket", "s3:", &c, &mut grants);
            }
            for c in clauses(&row[5]) {
                let (action, resource) = c.split_once(" on ").expect("action on resource");
                grants.insert((
                    resource.trim().to_owned(),
                    action.trim().to_owned(),
                    String::new(),
                ));
            }
            (row[0].clone(), grants)
        })
        .collect()
}

/// The function name (`functions/<name>`) of a template function.
fn name_of(function: &Value) -> String {
    let uri = function["CodeUri"].as_str().unwrap_or_default();
    uri.trim_start_matches("../functions/").to_owned()
}

#[test]
fn each_functions_permissions_are_the_least_privilege_table() {
    let t = template();
    let table = least_privilege_table();
    let documented: BTreeSet<String> = table.iter().map(|(name, _)| name.clone()).collect();
    let deployed: BTreeSet<String> = functions(&t).iter().map(|(_, f)| name_of(f)).collect();
    assert_eq!(documented, deployed, "one row per function");
    for (id, function) in functions(&t) {
        let name = name_of(&function);
        let want = &table.iter().find(|(n, _)| *n == name).expect("a row").1;
        assert_eq!(
            &grants(&function),
            want,
            "{id}'s IAM policies differ from its row"
        );
        for statement in allow_statements(&function) {
            let on = |r: &str| {
                list(&statement["Resource"])
                    .iter()
                    .any(|v| resource_name(v) == r)
            };
            // Every grant on the table or an index is bounded by partition.
            if on("table") || on("gsi1") || on("gsi2") {
                assert!(
                    leading_keys(&statement).is_some_and(|p| !p.is_empty()),
                    "{id}: an Allow on the table without dynamodb:LeadingKeys: {statement:?}"
                );
            }
            // The token key only ever wraps tokens: every grant but DescribeKey (metadata,
            // no key material) names the token context.
            let metadata_only = list(&statement["Action"])
                .iter()
                .all(|a| a == "kms:DescribeKey");
            if on("TokenKey") && !metadata_only {
                assert_eq!(
                    statement["Condition"]["StringEquals"]["kms:EncryptionContext:purpose"],
                    "access_token",
                    "{id}: a TokenKey grant without the token context"
                );
            }
        }
    }
}

/// Whether IAM's `StringLike` pattern (`*`: any run of characters, `?`: one character)
/// matches `text`.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // matches[j]: the pattern so far matches the first j characters of the text.
    let mut matches = vec![false; t.len() + 1];
    matches[0] = true;
    for &c in &p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = match c {
                '*' => matches[j] || (j > 0 && next[j - 1]),
                '?' => j > 0 && matches[j - 1],
                literal => j > 0 && matches[j - 1] && t[j - 1] == literal,
            };
        }
        matches = next;
    }
    matches[t.len()]
}

/// Whether `pattern` matches some string that starts with `prefix`: walking the prefix,
/// a `*` can absorb the rest, `?` any one character, a literal only itself; a pattern that
/// ends before the prefix does matches only shorter strings.
fn may_match_a_key_starting(pattern: &str, prefix: &str) -> bool {
    let mut p = pattern.chars();
    for c in prefix.chars() {
        match p.next() {
            Some('*') => return true,
            Some('?') => {}
            Some(literal) if literal == c => {}
            _ => return false,
        }
    }
    true
}

#[test]
fn the_glob_match_is_iams_string_like() {
    assert!(glob_match("TENANT#*", "TENANT#acme"));
    assert!(glob_match("TENANT#*", "TENANT#"));
    assert!(!glob_match("TENANT#*", "TOKEN#acme"));
    assert!(glob_match("T?KEN#*", "TOKEN#acme"));
    assert!(glob_match("*", "TOKEN#acme"));
    assert!(glob_match("*#acme", "TOKEN#acme"));
    assert!(!glob_match("STATE#?", "STATE#ab"));
    assert!(may_match_a_key_starting("*", "TOKEN#"));
    assert!(may_match_a_key_starting("T*", "TOKEN#"));
    assert!(may_match_a_key_starting("TOK?N#*", "TOKEN#"));
    assert!(may_match_a_key_starting("TOKEN#", "TOKEN#"));
    assert!(!may_match_a_key_starting("TOKEN", "TOKEN#"));
    assert!(!may_match_a_key_starting("TENANT#*", "TOKEN#"));
    assert!(!may_match_a_key_starting("STATE#*", "TOKEN#"));
}

/// Actions that hand back item data: reads, and a condition check or a write whose
/// `ReturnValues` / `ReturnValuesOnConditionCheckFailure` returns the item.
const READS: &[&str] = &[
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:PartiQLSelect",
    "dynamodb:ConditionCheckItem",
];
const WRITES_THAT_CAN_RETURN_ITEMS: &[&str] = &[
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
];

/// Whether a statement's actions (globs) cover `action`.
fn covers(statement: &Value, action: &str) -> bool {
    list(&statement["Action"])
        .iter()
        .any(|a| glob_match(a.as_str().unwrap_or_default(), action))
}

/// Whether the function denies `action` any `ReturnValues` that returns a whole item.
fn denies_returned_items(function: &Value, action: &str) -> bool {
    list(&function["Policies"])
        .iter()
        .flat_map(|p| list(&p["Statement"]))
        .any(|s| {
            s["Effect"] == "Deny"
                && covers(&s, action)
                && list(&s["Condition"]["StringEquals"]["dynamodb:ReturnValues"])
                    .iter()
                    .any(|v| v == "ALL_OLD")
        })
}

#[test]
fn list_share_and_initiate_can_read_no_token() {
    let t = template();
    let concrete = ["TOKEN#acme", "TOKEN#", "TOKEN#TENANT#acme"];
    for (id, function) in functions(&t) {
        let name = name_of(&function);
        if !["list", "share", "initiate"].contains(&name.as_str()) {
            continue;
        }
        let mut reads_allowed = 0;
        for statement in allow_statements(&function) {
            let resources: Vec<String> = list(&statement["Resource"])
                .iter()
                .map(resource_name)
                .collect();
            let on_table = resources.iter().any(|r| r == "table");
            let on_index = resources.iter().any(|r| r.starts_with("gsi"));
            if !on_table && !on_index {
                continue;
            }
            // Without a LeadingKeys condition a grant reaches every partition.
            let patterns = leading_keys(&statement).unwrap_or_else(|| {
                panic!("{id}: an Allow on the table without dynamodb:LeadingKeys: {statement:?}")
            });
            assert!(!patterns.is_empty(), "{id}: an empty LeadingKeys list");
            let reaches_tokens = patterns
                .iter()
                .any(|p| may_match_a_key_starting(p, "TOKEN#"));
            // The prefix walk is the proof; the glob agrees on concrete token keys.
            for key in concrete {
                if patterns.iter().any(|p| glob_match(p, key)) {
                    assert!(reaches_tokens, "{id}: {patterns:?} matches {key}");
                }
            }
            for read in READS {
                if covers(&statement, read) {
                    reads_allowed += 1;
                    assert!(
                        !reaches_tokens,
                        "{id} may {read} a TOKEN# partition: {patterns:?}"
                    );
                }
            }
            // An index holds no token (token items carry no index attributes); its
            // partitions are index keys, never TOKEN#.
            if reaches_tokens && on_index {
                panic!("{id}: an index grant whose keys may start TOKEN#: {patterns:?}");
            }
            // A write that reaches TOKEN# must not be able to hand the item back.
            if reaches_tokens {
                for write in WRITES_THAT_CAN_RETURN_ITEMS {
                    if covers(&statement, write) {
                        assert!(
                            denies_returned_items(&function, write),
                            "{id} may {write} a TOKEN# item and get it back"
                        );
                    }
                }
            }
        }
        assert!(
            reads_allowed > 0 || name == "initiate",
            "{id} reads something"
        );
    }
}

/// The template's indexes as `name -> (hash key, range key, projection)`, the projection
/// being `KEYS_ONLY` or the sorted attribute list of an `INCLUDE`.
fn indexes(t: &Value) -> Vec<(String, String, String, Vec<String>)> {
    list(&t["Resources"]["Table"]["Properties"]["GlobalSecondaryIndexes"])
        .iter()
        .map(|i| {
            let keys = list(&i["KeySchema"]);
            let key = |kind: &str| {
                keys.iter()
                    .find(|k| k["KeyType"] == kind)
                    .and_then(|k| k["AttributeName"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let mut projected: Vec<String> = list(&i["Projection"]["NonKeyAttributes"])
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect();
            projected.sort();
            (
                i["IndexName"].as_str().unwrap_or_default().to_owned(),
                key("HASH"),
                key("RANGE"),
                projected,
            )
        })
        .collect()
}

#[test]
fn the_table_is_the_codes_and_the_docs() {
    let t = template();
    let props = &t["Resources"]["Table"]["Properties"];
    assert_eq!(props["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(props["DeletionProtectionEnabled"], true);
    assert_eq!(
        props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(props["SSESpecification"]["SSEType"], "KMS");
    assert_eq!(
        intrinsic(&props["SSESpecification"]["KMSMasterKeyId"]),
        ("GetAtt".into(), "TableKey.Arn".into())
    );
    assert_eq!(props["TimeToLiveSpecification"]["AttributeName"], "ttl");
    // The code: the attributes gsi1 projects are the audit entry's (items/audit.rs),
    // gsi2 keys only (table.rs).
    let audit = std::fs::read_to_string(root().join("shared/src/adapters/dynamodb/items/audit.rs"))
        .expect("items/audit.rs");
    let attributes = audit
        .split("AUDIT_ATTRIBUTES: &[&str] =")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .expect("AUDIT_ATTRIBUTES");
    let mut in_code: Vec<String> = attributes
        .trim()
        .trim_start_matches("&[")
        .trim_end_matches(']')
        .split(',')
        .map(|a| match a.trim() {
            "ACCOUNT_ID" => "account_id".to_owned(),
            quoted => quoted.trim_matches('"').to_owned(),
        })
        .collect();
    in_code.sort();
    let create = std::fs::read_to_string(root().join("shared/src/adapters/dynamodb/table.rs"))
        .expect("table.rs");
    assert!(create.contains("index(GSI1, GSI1_PK, GSI1_SK, AUDIT_ATTRIBUTES)"));
    assert!(create.contains("index(GSI2, GSI2_PK, GSI2_SK, &[])"));
    assert_eq!(
        indexes(&t),
        vec![
            (
                "gsi1".into(),
                "gsi1pk".into(),
                "gsi1sk".into(),
                in_code.clone()
            ),
            ("gsi2".into(), "gsi2pk".into(), "gsi2sk".into(), Vec::new()),
        ]
    );
    assert_eq!(
        t["Resources"]["Table"]["Properties"]["GlobalSecondaryIndexes"][1]["Projection"]["ProjectionType"],
        "KEYS_ONLY"
    );
    // The docs say the same.
    let docs = std::fs::read_to_string(root().join("docs/dynamodb.md")).expect("docs/dynamodb.md");
    let gsi1 = docs
        .lines()
        .find(|l| l.starts_with("| `gsi1pk`, `gsi1sk`"))
        .expect("docs/dynamodb.md describes gsi1");
    let projected = gsi1
        .split("Projects the keys and")
        .nth(1)
        .and_then(|r| r.split('(').next())
        .expect("gsi1's projection");
    let mut in_docs: Vec<String> = projected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    in_docs.sort();
    assert_eq!(in_docs, in_code, "docs/dynamodb.md gsi1 projection");
    let gsi2 = docs
        .lines()
        .find(|l| l.starts_with("| `gsi2pk`, `gsi2sk`"))
        .expect("docs/dynamodb.md describes gsi2");
    assert!(gsi2.trim_end_matches(" |").ends_with("keys only"), "{gsi2}");
}

#[test]
fn no_functions_environment_holds_a_secret() {
    let t = template();
    let mut environments = vec![(
        "Globals".to_owned(),
        t["Globals"]["Function"]["Environment"]["Variables"].clone(),
    )];
    for (id, f) in functions(&t) {
        environments.push((id, f["Environment"]["Variables"].clone()));
    }
    for (id, variables) in environments {
        let Some(variables) = variables.as_mapping() else {
            continue;
        };
        for (name, value) in variables {
            let name = name.as_str().expect("a variable name");
            let upper = name.to_uppercase();
            let names_a_secret = ["SECRET", "TOKEN", "PASSWORD"]
                .iter()
                .any(|w| upper.contains(w));
            assert!(
                !names_a_secret || upper.ends_with("_SECRET_ID"),
                "{id}: {name} looks like a secret; pass the secret's name (*_SECRET_ID)"
            );
            let text = serde_yaml_ng::to_string(value).expect("a value");
            assert!(
                !text.contains("{{resolve:"),
                "{id}: {name} resolves a dynamic reference into the environment"
            );
        }
    }
    // Nowhere else either: a dynamic reference anywhere puts the value in the stack.
    let text = std::fs::read_to_string(root().join("infra/template.yaml")).expect("template");
    assert!(
        !text.contains("{{resolve:"),
        "the template resolves a secret"
    );
}

#[test]
fn every_function_is_capped_logged_and_sized() {
    let t = template();
    for (id, f) in functions(&t) {
        assert!(f["MemorySize"].is_u64(), "{id} chooses its memory");
        assert!(f["Timeout"].is_u64(), "{id} chooses its timeout");
        assert!(
            f["ReservedConcurrentExecutions"].is_u64(),
            "{id} has reserved concurrency"
        );
        assert_eq!(f["LoggingConfig"]["LogFormat"], "JSON", "{id} logs JSON");
        let (kind, group) = intrinsic(&f["LoggingConfig"]["LogGroup"]);
        assert_eq!(kind, "Ref", "{id} logs to a log group of the stack");
        let log_group = &t["Resources"][group.as_str()]["Properties"];
        assert_eq!(
            intrinsic(&log_group["RetentionInDays"]),
            ("Ref".into(), "LogRetentionDays".into()),
            "{id}'s logs are kept LogRetentionDays"
        );
        let asynchronous = f["Events"]
            .as_mapping()
            .is_some_and(|events| events.values().any(|e| e["Type"] != "HttpApi"));
        if asynchronous {
            assert!(
                !f["DeadLetterQueue"].is_null(),
                "{id} is invoked asynchronously: a DLQ"
            );
            assert!(
                f["EventInvokeConfig"]["MaximumRetryAttempts"].is_u64()
                    && f["EventInvokeConfig"]["MaximumEventAgeInSeconds"].is_u64(),
                "{id} is invoked asynchronously: it says how often and how long Lambda retries"
            );
            for event in f["Events"].as_mapping().expect("events").values() {
                match event["Type"].as_str() {
                    Some("Schedule") => assert!(
                        !event["Properties"]["DeadLetterConfig"].is_null(),
                        "{id}: its schedule dead-letters what EventBridge cannot deliver"
                    ),
                    // S3 hands its notifications to Lambda's queue; what fails there goes
                    // to the function's own dead-letter queue.
                    Some("S3") => {}
                    other => panic!("{id}: an asynchronous event of type {other:?}"),
                }
            }
        }
    }
}

#[test]
fn a_function_is_granted_what_its_environment_names_and_nothing_it_does_not() {
    let t = template();
    for (id, function) in functions(&t) {
        let variables = &function["Environment"]["Variables"];
        let grants = grants(&function);
        let granted = |resource: &str| grants.iter().any(|(r, _, _)| r == resource);
        // A secret id without the grant fails init; a grant without the id is unused access.
        assert_eq!(
            !variables["IGC_META_SECRET_ID"].is_null(),
            granted("MetaSecret"),
            "{id}: IGC_META_SECRET_ID and secretsmanager:GetSecretValue go together"
        );
        assert_eq!(
            !variables["IGC_KMS_KEY_ID"].is_null(),
            granted("TokenKey"),
            "{id}: IGC_KMS_KEY_ID and the token key's grants go together"
        );
        assert_eq!(
            !variables["IGC_EVENT_BUS"].is_null(),
            granted("EventBus"),
            "{id}: IGC_EVENT_BUS and events:PutEvents go together"
        );
        assert_eq!(
            !variables["IGC_MEDIA_BUCKET"].is_null(),
            granted("MediaBucket"),
            "{id}: IGC_MEDIA_BUCKET and the media bucket's grants go together"
        );
    }
}

/// The template's resources of `kind`, as `(logical id, properties)`.
fn resources_of(t: &Value, kind: &str) -> Vec<(String, Value)> {
    t["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| {
            (
                id.as_str().unwrap_or_default().to_owned(),
                r["Properties"].clone(),
            )
        })
        .collect()
}

/// Every Rust source file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("a source directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("a source file");
            found.push((path.display().to_string(), text));
        }
    }
    found
}

#[test]
fn every_function_has_error_and_throttle_alarms() {
    let t = template();
    let alarms = resources_of(&t, "AWS::CloudWatch::Alarm");
    for (id, _) in functions(&t) {
        for metric in ["Errors", "Throttles"] {
            let alarm = alarms.iter().find(|(_, a)| {
                a["Namespace"] == "AWS/Lambda"
                    && a["MetricName"] == metric
                    && list(&a["Dimensions"])
                        .iter()
                        .any(|d| intrinsic(&d["Value"]) == ("Ref".into(), id.clone()))
            });
            assert!(alarm.is_some(), "{id} has no {metric} alarm");
        }
    }
    // A dead-lettered event is work that failed for good: its queue's depth alarms.
    for (id, f) in functions(&t) {
        if f["DeadLetterQueue"].is_null() {
            continue;
        }
        let (_, target) = intrinsic(&f["DeadLetterQueue"]["TargetArn"]);
        let queue = target.trim_end_matches(".Arn");
        let watched = alarms.iter().any(|(_, a)| {
            a["Namespace"] == "AWS/SQS"
                && a["MetricName"] == "ApproximateNumberOfMessagesVisible"
                && list(&a["Dimensions"]).iter().any(|d| {
                    intrinsic(&d["Value"]) == ("GetAtt".into(), format!("{queue}.QueueName"))
                })
        });
        assert!(watched, "{id}: no alarm on its dead-letter queue {queue}");
    }
    for (alarm, a) in &alarms {
        assert_eq!(
            list(&a["AlarmActions"]).len(),
            1,
            "{alarm} notifies the alarm topic"
        );
    }
}

/// The log lines the metric filters count are the ones the code writes: a renamed message
/// or field would otherwise leave an alarm that can never fire.
#[test]
fn the_failure_metrics_count_log_lines_the_code_writes() {
    let t = template();
    let code = sources(&root().join("shared/src"));
    let filters = resources_of(&t, "AWS::Logs::MetricFilter");
    assert!(
        filters.len() >= 2,
        "refresh and publish failures are counted"
    );
    for (id, filter) in filters {
        let pattern = filter["FilterPattern"].as_str().expect("a pattern");
        let messages: Vec<&str> = pattern
            .split("$.message = \"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        assert!(!messages.is_empty(), "{id} selects lines by message");
        let value = list(&filter["MetricTransformations"])[0]["MetricValue"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for message in messages {
            let writers: Vec<&(String, String)> = code
                .iter()
                .filter(|(_, text)| text.contains(&format!("\"{message}\"")))
                .collect();
            assert!(!writers.is_empty(), "{id}: no code logs \"{message}\"");
            // A value taken from a field: the line that logs the message has that field.
            if let Some(field) = value.strip_prefix("$.") {
                assert!(
                    writers.iter().any(|(_, text)| {
                        text.split(&format!("\"{message}\""))
                            .next()
                            .is_some_and(|before| {
                                let call = before.rsplit("tracing::").next().unwrap_or_default();
                                call.contains(&format!("{field} ="))
                            })
                    }),
                    "{id}: the \"{message}\" line has no `{field}` field"
                );
            }
        }
    }
}

/// A function's grants on the media bucket: `(action, object keys)`.
fn media_grants(function: &Value) -> BTreeSet<(String, String)> {
    grants(function)
        .into_iter()
        .filter(|(resource, _, _)| resource == "MediaBucket")
        .map(|(_, action, keys)| (action, keys))
        .collect()
}

/// Whether `function` may `action` some object whose key starts with `prefix`.
fn may_on_objects(function: &Value, action: &str, prefix: &str) -> bool {
    media_grants(function)
        .iter()
        .any(|(a, keys)| glob_match(a, action) && may_match_a_key_starting(keys, prefix))
}

fn function_named(t: &Value, name: &str) -> Value {
    functions(t)
        .into_iter()
        .find(|(_, f)| name_of(f) == name)
        .unwrap_or_else(|| panic!("no function {name}"))
        .1
}

#[test]
fn only_media_publish_and_publish_worker_name_the_media_bucket() {
    let t = template();
    let (name, _) = &*MEDIA_BUCKET_NAME;
    let literal = name.split("${").next().expect("the name's literal part");
    assert!(
        !literal.is_empty(),
        "the bucket's name starts with a literal: {name}"
    );
    let naming: BTreeSet<String> = functions(&t)
        .iter()
        .filter(|(_, f)| {
            let text = serde_yaml_ng::to_string(f).expect("a function");
            text.contains("MediaBucket") || text.contains(literal)
        })
        .map(|(_, f)| name_of(f))
        .collect();
    assert_eq!(
        naming,
        ["media", "publish", "publish-worker"]
            .map(String::from)
            .into()
    );
    assert!(
        t["Globals"]["Function"]["Environment"]["Variables"]["IGC_MEDIA_BUCKET"].is_null(),
        "the bucket is not every function's"
    );
    let bucket_name = &t["Resources"]["MediaBucket"]["Properties"]["BucketName"];
    for (id, f) in functions(&t) {
        let told = &f["Environment"]["Variables"]["IGC_MEDIA_BUCKET"];
        match name_of(&f).as_str() {
            // Named as the bucket names itself: a !Ref would be circular (the bucket's
            // notification targets this function).
            "media" => assert_eq!(told, bucket_name, "{id} is told the bucket's name"),
            "publish" | "publish-worker" => assert_eq!(
                intrinsic(told),
                ("Ref".into(), "MediaBucket".into()),
                "{id} is told the bucket's name"
            ),
            _ => assert!(told.is_null(), "{id} is told of the bucket"),
        }
    }
}

#[test]
fn only_media_reads_raw_uploads_and_writes_converted_files() {
    let t = template();
    for (id, f) in functions(&t) {
        let media = name_of(&f) == "media";
        assert_eq!(
            may_on_objects(&f, "s3:GetObject", "uploads/"),
            media,
            "{id}: reading raw uploads"
        );
        assert_eq!(
            may_on_objects(&f, "s3:PutObject", "media/"),
            media,
            "{id}: writing converted files"
        );
    }
    // What media writes never lands where its notification listens: no loop.
    let media = function_named(&t, "media");
    assert!(
        !may_on_objects(&media, "s3:PutObject", "uploads/"),
        "media writes no upload: it would invoke itself"
    );
}

#[test]
fn publish_may_only_presign_an_upload_and_a_fetch() {
    let t = template();
    let publish = function_named(&t, "publish");
    let want: BTreeSet<(String, String)> = [
        ("s3:PutObject".to_owned(), "uploads/*".to_owned()),
        ("s3:GetObject".to_owned(), "media/*".to_owned()),
    ]
    .into();
    assert_eq!(media_grants(&publish), want);
}

#[test]
fn no_function_has_s3_wildcards_or_bucket_wide_object_access() {
    let t = template();
    for (id, f) in functions(&t) {
        for statement in allow_statements(&f) {
            let actions: Vec<String> = list(&statement["Action"])
                .iter()
                .map(|a| a.as_str().expect("an action").to_owned())
                .collect();
            for action in &actions {
                let wildcard = action.contains('*') || action.contains('?');
                assert!(
                    !(wildcard && (action == "*" || action.to_lowercase().starts_with("s3:"))),
                    "{id}: {action} grants S3 actions nobody named"
                );
            }
            let s3 = actions.iter().any(|a| a.to_lowercase().starts_with("s3:"));
            for resource in list(&statement["Resource"]) {
                match media_object_keys(&resource) {
                    Some(keys) => {
                        assert!(
                            keys == "uploads/*" || keys == "media/*",
                            "{id}: the bucket's objects are granted by prefix, never the bucket \
                             nor all its keys: {keys:?}"
                        );
                        assert!(
                            actions.iter().all(|a| a.starts_with("s3:")),
                            "{id}: {actions:?} on the media bucket"
                        );
                    }
                    None => assert!(
                        !s3,
                        "{id}: S3 actions on something else than the media bucket's objects: \
                         {resource:?}"
                    ),
                }
            }
        }
    }
}

#[test]
fn the_media_bucket_is_private_and_tls_only() {
    let t = template();
    let bucket = &t["Resources"]["MediaBucket"]["Properties"];
    for setting in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            bucket["PublicAccessBlockConfiguration"][setting], true,
            "{setting}"
        );
    }
    let ownership: Vec<Value> = list(&bucket["OwnershipControls"]["Rules"])
        .iter()
        .map(|r| r["ObjectOwnership"].clone())
        .collect();
    assert_eq!(
        ownership,
        vec![Value::from("BucketOwnerEnforced")],
        "no ACLs"
    );
    assert!(bucket["AccessControl"].is_null(), "no canned ACL");
    assert!(bucket["WebsiteConfiguration"].is_null(), "no website");
    let encryption = list(&bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]);
    assert_eq!(
        encryption[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256",
        "SSE-S3: presigned URLs need no KMS grant"
    );

    let policies: Vec<Value> = resources_of(&t, "AWS::S3::BucketPolicy")
        .into_iter()
        .filter(|(_, p)| intrinsic(&p["Bucket"]) == ("Ref".into(), "MediaBucket".into()))
        .map(|(_, p)| p)
        .collect();
    assert_eq!(policies.len(), 1, "one policy on the media bucket");
    let statements = list(&policies[0]["PolicyDocument"]["Statement"]);
    // It grants nobody anything: access is the stack's roles' (and URLs they sign).
    assert!(
        statements.iter().all(|s| s["Effect"] == "Deny"),
        "the bucket policy only denies: {statements:?}"
    );
    let tls = statements
        .iter()
        .find(|s| !s["Condition"]["Bool"]["aws:SecureTransport"].is_null())
        .expect("a Deny of requests without TLS");
    let secure = &tls["Condition"]["Bool"]["aws:SecureTransport"];
    assert!(
        secure == "false" || secure.as_bool() == Some(false),
        "{secure:?}"
    );
    assert_eq!(tls["Principal"], "*", "whoever asks");
    for action in [
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:ListBucket",
    ] {
        assert!(covers(tls, action), "without TLS, {action} is refused");
    }
    let on: BTreeSet<Option<String>> = list(&tls["Resource"])
        .iter()
        .map(media_object_keys)
        .collect();
    assert_eq!(
        on,
        [Some(String::new()), Some("*".to_owned())].into(),
        "the bucket and every object"
    );
}

#[test]
fn the_media_bucket_forgets_uploads_after_a_day_and_files_beyond_the_longest_retention() {
    let t = template();
    let bucket = &t["Resources"]["MediaBucket"]["Properties"];
    let rules = list(&bucket["LifecycleConfiguration"]["Rules"]);
    let under = |prefix: &str| {
        rules
            .iter()
            .find(|r| r["Prefix"] == prefix && r["Status"] == "Enabled")
            .unwrap_or_else(|| panic!("no lifecycle rule for {prefix}"))
            .clone()
    };
    assert_eq!(under("uploads/")["ExpirationInDays"], 1);
    let longest_retention = t["Parameters"]["MediaRetainDays"]["MaxValue"]
        .as_u64()
        .expect("MediaRetainDays has a MaxValue");
    let backstop = under("media/")["ExpirationInDays"]
        .as_u64()
        .expect("converted files expire");
    assert!(
        backstop > longest_retention,
        "the bucket must not delete a file the records still keep: {backstop} <= {longest_retention}"
    );
    let abort = rules
        .iter()
        .find(|r| !r["AbortIncompleteMultipartUpload"].is_null())
        .expect("incomplete multipart uploads are aborted");
    assert_eq!(
        abort["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"],
        1
    );
    assert!(abort["Prefix"].is_null(), "everywhere in the bucket");
    assert_eq!(abort["Status"], "Enabled");
}

#[test]
fn the_media_parameters_are_the_codes() {
    let t = template();
    let number = |v: &Value| -> u64 {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .unwrap_or_else(|| panic!("a number: {v:?}"))
    };
    let defaults = igconnect::config::Settings::from_lookup(|_| None).expect("defaults");
    let read = |var: &str, value: u64| {
        igconnect::config::Settings::from_lookup(|k| (k == var).then(|| value.to_string()))
            .map(|s| s.media)
    };
    for (parameter, var) in [
        ("MediaQuotaBytes", "IGC_MEDIA_QUOTA_BYTES"),
        ("MediaRetainDays", "IGC_MEDIA_RETAIN_DAYS"),
        ("MediaUploadTtlSeconds", "IGC_MEDIA_UPLOAD_TTL_SECONDS"),
    ] {
        let p = &t["Parameters"][parameter];
        let default = number(&p["Default"]);
        let of = |m: &igconnect::config::MediaSettings| match var {
            "IGC_MEDIA_QUOTA_BYTES" => m.quota_bytes,
            "IGC_MEDIA_RETAIN_DAYS" => u64::from(m.retain_days),
            _ => u64::from(m.upload_ttl_seconds),
        };
        assert_eq!(
            default,
            of(&defaults.media),
            "{parameter}'s default is the code's"
        );
        let min = number(&p["MinValue"]);
        assert!(read(var, min).is_ok(), "{parameter}: the code takes {min}");
        assert!(
            read(var, min - 1).is_err(),
            "{parameter}: the code refuses {}",
            min - 1
        );
        if !p["MaxValue"].is_null() {
            let max = number(&p["MaxValue"]);
            assert!(read(var, max).is_ok(), "{parameter}: the code takes {max}");
            assert!(
                read(var, max + 1).is_err(),
                "{parameter}: the code refuses {}",
                max + 1
            );
        }
        // Every function that builds the media policy is given the same value.
        for name in ["media", "publish", "publish-worker"] {
            let f = function_named(&t, name);
            assert_eq!(
                intrinsic(&f["Environment"]["Variables"][var]),
                ("Ref".into(), parameter.to_owned()),
                "{name}: {var}"
            );
        }
    }
}

#[test]
fn the_front_end_may_put_uploads_from_its_origins_only() {
    let t = template();
    let rules =
        list(&t["Resources"]["MediaBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]);
    assert_eq!(rules.len(), 1, "{rules:?}");
    let rule = &rules[0];
    // The API's own CORS origins, the parameter that also bounds where a login returns.
    assert_eq!(
        intrinsic(&rule["AllowedOrigins"]),
        ("Ref".into(), "AllowedReturnOrigins".into())
    );
    assert_eq!(
        t["Resources"]["Api"]["Properties"]["CorsConfiguration"]["AllowOrigins"],
        rule["AllowedOrigins"]
    );
    let methods: BTreeSet<String> = list(&rule["AllowedMethods"])
        .iter()
        .map(|m| m.as_str().expect("a method").to_owned())
        .collect();
    assert!(methods.contains("PUT"), "uploads are PUT: {methods:?}");
    assert!(
        methods.is_subset(&["PUT", "GET", "HEAD"].map(String::from).into()),
        "{methods:?}"
    );
    let headers: Vec<String> = list(&rule["AllowedHeaders"])
        .iter()
        .map(|h| h.as_str().expect("a header").to_lowercase())
        .collect();
    assert!(headers.contains(&"content-type".to_owned()), "{headers:?}");
    assert!(!headers.contains(&"*".to_owned()), "{headers:?}");
}

#[test]
fn uploads_and_only_uploads_notify_the_media_function() {
    let t = template();
    for (id, f) in functions(&t) {
        let s3_events: Vec<Value> = f["Events"]
            .as_mapping()
            .map(|events| {
                events
                    .values()
                    .filter(|e| e["Type"] == "S3")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        if name_of(&f) != "media" {
            assert!(s3_events.is_empty(), "{id} is invoked by S3");
            continue;
        }
        assert_eq!(s3_events.len(), 1, "{id}: one notification");
        let p = &s3_events[0]["Properties"];
        assert_eq!(
            intrinsic(&p["Bucket"]),
            ("Ref".into(), "MediaBucket".into())
        );
        assert_eq!(list(&p["Events"]), vec![Value::from("s3:ObjectCreated:*")]);
        let rules = list(&p["Filter"]["S3Key"]["Rules"]);
        assert_eq!(rules.len(), 1, "{rules:?}");
        assert_eq!(rules[0]["Name"], "prefix");
        assert_eq!(rules[0]["Value"], "uploads/");
    }
}
