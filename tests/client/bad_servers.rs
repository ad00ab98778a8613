//! Servers that answer, but badly: a proxy's HTML error page, JSON cut short, JSON that is broken, replies far
//! larger than the client reads, and bodies that never end. Each gives a typed error, in bounded time, after
//! exactly as many tries as the call allows, and no error text ever repeats what the body said.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use axum::routing::{get, post};
use mostrador::osigu::error::ClientError;
use mostrador::osigu::model::Id;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::support::*;

const PATIENT: &str = "MARÍA JOSÉ";
const BAD_GATEWAY_PAGE: &str = concat!(
    "<html><head><title>502 Bad Gateway</title></head><body>",
    "<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
);

fn html_502() -> std::future::Ready<Response> {
    std::future::ready(
        Response::builder().status(502).header("content-type", "text/html").body(Body::from(BAD_GATEWAY_PAGE)).unwrap(),
    )
}

#[tokio::test]
async fn an_html_502_from_a_proxy_is_an_api_error_without_code_after_every_try_of_a_get() {
    bounded(async {
        let log = Log::new();
        let base = serve(&log, with_token(Router::new().route(SPONSORS_PATH, get(html_502)))).await;
        let error = client(&base).sponsors().await.unwrap_err();
        assert!(matches!(error, ClientError::Api { status: 502, code: None, envelope: None, .. }), "{error:?}");
        assert_eq!(log.count(SPONSORS_PATH), 3, "a GET is tried max_attempts times");
        assert_eq!(log.count(TOKEN_PATH), 1);
        assert!(!error.to_string().contains("nginx"), "{error}");
    })
    .await;
}

#[tokio::test]
async fn an_html_502_on_a_search_is_tried_three_times_then_reported() {
    bounded(async {
        let log = Log::new();
        let path = "/v1/sponsors/aseguradora-demo/search";
        let base = serve(&log, with_token(Router::new().route(path, post(html_502)))).await;
        let fields = BTreeMap::from([("document_number".to_owned(), serde_json::json!("1234567890101"))]);
        let error = client(&base).search("aseguradora-demo", &fields).await.unwrap_err();
        assert!(matches!(error, ClientError::Api { status: 502, code: None, .. }), "{error:?}");
        // A search only reads: tried again like a GET (keyless POSTs that change something all carry a key).
        assert_eq!(log.count(path), 3);
    })
    .await;
}

#[tokio::test]
async fn json_cut_short_by_a_closed_connection_is_a_broken_reply() {
    bounded(async {
        let log = Log::new();
        let raw = serve_raw(&log, |_, mut stream| async move {
            let start = r#"[{"sponsor_slug":"aseguradora-demo","name":"Asegu"#;
            let _ = write_reply(
                &mut stream,
                "200 OK",
                &[("content-type", "application/json"), ("content-length", "200")],
                start,
            )
            .await;
            // Dropping the socket here ends the body well short of the 200 bytes declared.
        })
        .await;
        let error = client(&raw.base).sponsors().await.unwrap_err();
        assert!(matches!(error, ClientError::Broken { .. }), "{error:?}");
        assert!(error.outcome_unknown());
        assert_eq!(log.count(SPONSORS_PATH), 3, "a GET whose reply broke off is repeated");
    })
    .await;
}

#[tokio::test]
async fn json_cut_short_at_a_clean_end_of_body_is_undecodable_and_not_repeated() {
    bounded(async {
        let log = Log::new();
        let raw = serve_raw(&log, |_, mut stream| async move {
            // No length: the body ends where the connection does, so HTTP-wise the reply is complete.
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(format!(r#"[{{"sponsor_slug":"a","name":"{PATIENT}","#).as_bytes()).await;
            let _ = stream.shutdown().await;
        })
        .await;
        let error = client(&raw.base).sponsors().await.unwrap_err();
        let ClientError::Undecodable { status: 200, detail } = &error else { panic!("{error:?}") };
        assert!(detail.starts_with("cut short"), "{detail}");
        assert!(!detail.contains(PATIENT) && !error.to_string().contains(PATIENT), "{error}");
        assert_eq!(log.count(SPONSORS_PATH), 1, "repeating would get the same body");
    })
    .await;
}

#[tokio::test]
async fn broken_json_is_undecodable_and_the_error_never_quotes_the_body() {
    bounded(async {
        let log = Log::new();
        // A missing comma after a patient's name, and a patient's name where a quantity belongs.
        let syntax = format!(
            r#"{{"dispensation_id":"dsp_1","status":"STARTED","code_type":"AUTHORIZATION",
                "beneficiary":{{"beneficiary_id":"b1","first_name":"{PATIENT}" "last_name":"LÓPEZ"}}}}"#
        );
        let content = format!(
            r#"{{"dispensation_id":"dsp_2","status":"STARTED","code_type":"AUTHORIZATION",
                "products":[{{"product_code":"MED-042","quantity":"{PATIENT}","unit_price":1}}]}}"#
        );
        let router = Router::new()
            .route("/dispensing/v1/dispensations/dsp_1", get(fixed(200, &syntax)))
            .route("/dispensing/v1/dispensations/dsp_2", get(fixed(200, &content)));
        let base = serve(&log, with_token(router)).await;
        let client = client(&base);

        let error = client.dispensation(&Id::new("dsp_1")).await.unwrap_err();
        let ClientError::Undecodable { status: 200, detail } = &error else { panic!("{error:?}") };
        assert!(detail.starts_with("not JSON") && detail.contains("beneficiary"), "{detail}");
        assert!(!detail.contains(PATIENT) && !error.to_string().contains(PATIENT), "{error}");
        assert!(!format!("{error:?}").contains(PATIENT), "{error:?}");

        let error = client.dispensation(&Id::new("dsp_2")).await.unwrap_err();
        let ClientError::Undecodable { status: 200, detail } = &error else { panic!("{error:?}") };
        assert!(detail.contains("products[0].quantity"), "the detail names the path: {detail}");
        assert!(!detail.contains(PATIENT) && !error.to_string().contains(PATIENT), "{error}");
        assert!(!format!("{error:?}").contains(PATIENT), "{error:?}");

        assert_eq!(log.count("/dispensing/v1/dispensations/dsp_1"), 1);
        assert_eq!(log.count("/dispensing/v1/dispensations/dsp_2"), 1);
    })
    .await;
}

/// How far a streaming server got before the client hung up.
#[derive(Debug)]
struct Streamed {
    bytes: usize,
    finished: bool,
}

const TEN_MB: usize = 10 * 1024 * 1024;
const SLICE: usize = 64 * 1024;

/// Streams 10 MB of JSON whitespace in 64 KiB slices, one every 10 ms (at least 1.6 s for all of it), declaring
/// the length up front or sending it chunked; reports how much went out before the client hung up.
async fn serve_ten_megabytes(log: &Arc<Log>, declare_length: bool) -> (Raw, mpsc::UnboundedReceiver<Streamed>) {
    let (report, reports) = mpsc::unbounded_channel();
    let raw = serve_raw(log, move |_, mut stream| {
        let report = report.clone();
        async move {
            let length = TEN_MB.to_string();
            let framing =
                if declare_length { ("content-length", length.as_str()) } else { ("transfer-encoding", "chunked") };
            let mut sent = 0;
            let mut ok =
                write_reply(&mut stream, "200 OK", &[("content-type", "application/json"), framing], "").await.is_ok();
            let slice = vec![b' '; SLICE];
            while ok && sent < TEN_MB {
                tokio::time::sleep(Duration::from_millis(10)).await;
                ok = if declare_length {
                    stream.write_all(&slice).await.is_ok()
                } else {
                    write_chunk(&mut stream, &slice).await.is_ok()
                };
                if ok {
                    sent += SLICE;
                }
            }
            let _ = report.send(Streamed { bytes: sent, finished: ok });
        }
    })
    .await;
    (raw, reports)
}

#[tokio::test]
async fn a_ten_megabyte_chunked_reply_is_too_large_and_the_client_stops_reading() {
    bounded(async {
        let log = Log::new();
        let (raw, mut reports) = serve_ten_megabytes(&log, false).await;
        // A generous exchange limit, so that only the size can stop the call.
        let client = client_with(&raw.base, |options| options.request_timeout = Duration::from_secs(9));
        let started = Instant::now();
        let error = client.sponsors().await.unwrap_err();
        assert_eq!(error, ClientError::TooLarge { limit: 4 * 1024 * 1024 });
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        let streamed = reports.recv().await.unwrap();
        assert!(!streamed.finished && streamed.bytes < TEN_MB, "the server was cut off: {streamed:?}");
        assert_eq!(log.count(SPONSORS_PATH), 1, "an oversized reply is not fetched again");
    })
    .await;
}

#[tokio::test]
async fn a_declared_ten_megabyte_reply_is_refused_before_its_body_is_read() {
    bounded(async {
        let log = Log::new();
        let (raw, mut reports) = serve_ten_megabytes(&log, true).await;
        let client = client_with(&raw.base, |options| options.request_timeout = Duration::from_secs(9));
        let started = Instant::now();
        let error = client.sponsors().await.unwrap_err();
        assert_eq!(error, ClientError::TooLarge { limit: 4 * 1024 * 1024 });
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        let streamed = reports.recv().await.unwrap();
        assert!(!streamed.finished && streamed.bytes < 4 * 1024 * 1024, "hung up at once: {streamed:?}");
    })
    .await;
}

/// Sends headers and the start of a chunked body, then trickles whitespace forever (until the client hangs up).
async fn trickle(_: RawRequest, mut stream: tokio::net::TcpStream) {
    let head = [("content-type", "application/json"), ("transfer-encoding", "chunked")];
    if write_reply(&mut stream, "200 OK", &head, "").await.is_err() || write_chunk(&mut stream, b"[").await.is_err() {
        return;
    }
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if write_chunk(&mut stream, b" ").await.is_err() {
            return;
        }
    }
}

/// Sends headers and the start of a chunked body, then nothing more.
async fn stall(_: RawRequest, mut stream: tokio::net::TcpStream) {
    let head = [("content-type", "application/json"), ("transfer-encoding", "chunked")];
    if write_reply(&mut stream, "200 OK", &head, "").await.is_ok() && write_chunk(&mut stream, b"[").await.is_ok() {
        until_peer_closes(&mut stream).await;
    }
}

#[tokio::test]
async fn a_body_that_trickles_forever_times_out_on_every_try_of_a_get() {
    bounded(async {
        let log = Log::new();
        let raw = serve_raw(&log, trickle).await;
        let started = Instant::now();
        let error = client(&raw.base).sponsors().await.unwrap_err();
        assert_eq!(error, ClientError::Timeout { after: Duration::from_secs(1) });
        assert!(started.elapsed() < Duration::from_secs(8), "3 tries of 1 s took {:?}", started.elapsed());
        assert_eq!(log.count(SPONSORS_PATH), 3);
    })
    .await;
}

#[tokio::test]
async fn a_body_that_stalls_times_out_on_every_try_in_bounded_time() {
    bounded(async {
        let log = Log::new();
        let raw = serve_raw(&log, stall).await;
        let client = client(&raw.base);
        let started = Instant::now();
        let fields = BTreeMap::from([("document_number".to_owned(), serde_json::json!("1"))]);
        let error = client.search("aseguradora-demo", &fields).await.unwrap_err();
        assert_eq!(error, ClientError::Timeout { after: Duration::from_secs(1) });
        assert!(error.outcome_unknown());
        assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
        assert_eq!(log.count("/v1/sponsors/aseguradora-demo/search"), 3, "three tries of one second each");
    })
    .await;
}

#[tokio::test]
async fn a_huge_error_page_still_reports_its_status() {
    bounded(async {
        let log = Log::new();
        // 200 KiB of page behind a length header: more than the 64 KiB an error page is read to.
        let raw = serve_raw(&log, |_, mut stream| async move {
            let page = "x".repeat(200 * 1024);
            let _ = write_reply(&mut stream, "503 Service Unavailable", &[("content-type", "text/html")], &page).await;
        })
        .await;
        let error = client(&raw.base).sponsors().await.unwrap_err();
        assert!(matches!(error, ClientError::Api { status: 503, code: None, .. }), "{error:?}");
        assert_eq!(log.count(SPONSORS_PATH), 3, "a GET refused with 503 is repeated");
    })
    .await;
}
