//! Reporting a failed init to the Lambda runtime API.

use super::InitError;

/// Tells the Lambda service why init failed (`POST /runtime/init/error`), so the reason
/// shows in the failed invocation and the console, not only in the log stream. Plain
/// HTTP/1.1 over a socket: the runtime API is local and unencrypted, and pulling an HTTP
/// client into every function for one request at death would cost start time and size.
pub(super) async fn report(runtime_api: &str, error: &InitError) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = serde_json::json!({
        "errorType": "igconnect.InitError",
        "errorMessage": error.to_string(),
        "stackTrace": [],
    })
    .to_string();
    let request = format!(
        "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: {runtime_api}\r\n\
         Lambda-Runtime-Function-Error-Type: Runtime.InitError\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(runtime_api).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut status = [0u8; 12];
        stream.read_exact(&mut status).await?;
        Ok::<_, std::io::Error>(status)
    };
    let status = tokio::time::timeout(std::time::Duration::from_secs(2), exchange)
        .await
        .map_err(|_| "the runtime API did not answer".to_owned())?
        .map_err(|e| e.to_string())?;
    // "HTTP/1.1 202": anything 2xx is an acknowledgement.
    match status.get(9) {
        Some(b'2') => Ok(()),
        _ => Err(format!(
            "the runtime API answered {}",
            String::from_utf8_lossy(&status)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_init_error_is_reported_to_the_runtime_api() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut received = Vec::new();
            let mut buf = [0u8; 4096];
            // Read until the JSON body is complete (the request closes with its last brace).
            while !received.ends_with(b"}") {
                let n = socket.read(&mut buf).await.expect("read");
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buf[..n]);
            }
            socket
                .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                .await
                .expect("write");
            String::from_utf8(received).expect("utf-8")
        });
        let error = InitError::Missing {
            function: "list",
            var: "IGC_TABLE_NAME",
            why: "the DynamoDB table",
        };

        let reported = report(&addr, &error).await;

        assert_eq!(reported, Ok(()));
        let request = server.await.expect("server");
        assert!(request.starts_with("POST /2018-06-01/runtime/init/error HTTP/1.1"));
        assert!(request.contains("Lambda-Runtime-Function-Error-Type: Runtime.InitError"));
        assert!(request.contains("IGC_TABLE_NAME is required by the list function"));
    }
}
