//! Servers that answer, but badly: a proxy's HTML error page, JSON cut short, JSON that is broken, replies far
//! larger than the client reads, and bodies that never end. Each gives a typed error, in bounded time, after
//! exactly as many tries as the call allows, and no error text ever repeats what the body said.
//!
//! And servers that answer well-formed JSON no honest Osigu sends: durations of millennia, prices past what
//! money holds, foreign ids, escape sequences in names, values the contract does not name. Each is either a
//! typed error naming the field, or a value the counter can live with; never a panic.

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

/// A dispensation reply of one or more lines, each `(quantity, unit_price)` as JSON text, with a foreign id and
/// names full of terminal escape sequences.
fn dispensation_json(lines: &[(&str, &str)]) -> String {
    let products: Vec<String> = lines
        .iter()
        .map(|(quantity, price)| {
            format!(
                r#"{{"product_code":"MED-1","product_name":"Ibuprofeno\u001b]0;pwned\u0007\u001b[2J","quantity":{quantity},"unit_price":{price}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"dispensation_id":"dsp_SOMEONE_ELSES","status":"STARTED","code_type":"PRESCRIPTION",
            "beneficiary":{{"beneficiary_id":18446744073709551615,"first_name":"\u001b[32mOK\u001b[0m"}},
            "products":[{}]}}"#,
        products.join(",")
    )
}

#[tokio::test]
async fn prices_past_what_money_holds_are_an_undecodable_reply_naming_the_field() {
    bounded(async {
        let log = Log::new();
        let cases = [
            ("fine", dispensation_json(&[("2", "12.50")])),
            ("huge", dispensation_json(&[("2", "7.9e28")])),
            ("sum", dispensation_json(&[("1", "5e28"), ("1", "5e28")])),
            ("negative", dispensation_json(&[("1", "-3")])),
            ("units", dispensation_json(&[("1000000000", "1")])),
        ];
        let mut router = Router::new();
        for (id, body) in &cases {
            router = router.route(&format!("/dispensing/v1/dispensations/{id}"), get(fixed(200, body)));
        }
        let base = serve(&log, with_token(router)).await;
        let client = client(&base);

        // Within bounds, what is odd is kept as data: another dispensation's id, an id past i64, escape
        // sequences in names (the core decides about the id; the screens draw no control character).
        let fine = client.dispensation(&Id::new("fine")).await.unwrap();
        assert_eq!(fine.dispensation_id, Id::new("dsp_SOMEONE_ELSES"));
        assert_eq!(fine.beneficiary.as_ref().unwrap().beneficiary_id, Id::new("18446744073709551615"));
        assert!(fine.products[0].product_name.as_deref().unwrap().contains('\u{1b}'));
        assert_eq!(fine.amount_due(), Ok(rust_decimal::Decimal::new(25, 0)));

        for (id, field) in [
            ("huge", "products[0].unit_price"),
            ("sum", "products[0].unit_price"),
            ("negative", "products[0].unit_price"),
            ("units", "products[0].quantity"),
        ] {
            let error = client.dispensation(&Id::new(id)).await.unwrap_err();
            let ClientError::Undecodable { status: 200, detail } = &error else { panic!("{id}: {error:?}") };
            assert!(detail.contains(field), "{id}: {detail}");
            assert!(!detail.contains("pwned") && !detail.contains('\u{1b}'), "{id}: never the body: {detail}");
            assert!(error.outcome_unknown(), "{id}: a reply not understood is confirmed, never assumed");
        }
    })
    .await;
}

#[tokio::test]
async fn a_completed_dispensation_with_an_impossible_amount_in_a_refusal_is_not_taken_as_ours() {
    bounded(async {
        let log = Log::new();
        let envelope = format!(
            r#"{{"code":"ALREADY_COMPLETED","message":"x","details":{{"dispensation":{}}}}}"#,
            dispensation_json(&[("2", "7.9e28")]).replace("STARTED", "COMPLETED")
        );
        let path = "/dispensing/v1/dispensations/dsp_1/complete";
        let base = serve(&log, with_token(Router::new().route(path, post(fixed(409, &envelope))))).await;
        let request = mostrador::osigu::model::CompleteRequest {
            amount: rust_decimal::Decimal::ONE,
            document_number: Some("F001-000001".into()),
            document_date: None,
            document_serial: None,
            provider_transaction_id: None,
            otp_verification_token: None,
            biometric_verification_token: None,
            external_verifications: Vec::new(),
        };
        let key = mostrador::osigu::error::IdempotencyKey::new("k1");
        let error = client(&base).complete(&Id::new("dsp_1"), &request, &key).await.unwrap_err();
        assert_eq!(error.code(), Some(&mostrador::osigu::model::ErrorCode::AlreadyCompleted));
        assert!(error.completed_dispensation().is_none(), "the counter confirms with a GET instead");
    })
    .await;
}

#[tokio::test]
async fn durations_of_days_or_millennia_are_an_undecodable_reply() {
    bounded(async {
        let log = Log::new();
        let huge = 999_999_999_999_u64;
        let router = Router::new()
            .route("/v1/otp/send", post(fixed(200, &format!(r#"{{"otp_id":"o1","expires_in":{huge}}}"#))))
            .route(
                "/v1/otp/validate",
                post(fixed(200, &format!(r#"{{"otp_verification_token":"t","expires_in":{huge}}}"#))),
            )
            .route(
                "/dispensing/v1/dispensations/dsp_1/biometric/challenge",
                post(fixed(200, &format!(r#"{{"challenge_url":"https://x/c","expires_in":{huge}}}"#))),
            );
        let base = serve(&log, with_token(router)).await;
        let client = client(&base);
        let key = mostrador::osigu::error::IdempotencyKey::new("k");
        let send = mostrador::osigu::model::OtpSendRequest {
            beneficiary_id: Id::new("b"),
            sponsor_slug: "aseguradora-otp".into(),
            channel: mostrador::osigu::model::OtpChannel::Sms,
            dispensation_id: None,
        };
        let validate = mostrador::osigu::model::OtpValidateRequest { otp_id: Id::new("o1"), code: "123456".into() };
        let challenge = mostrador::osigu::model::ChallengeRequest {
            biometric_type: mostrador::osigu::model::BiometricType::Facial,
        };
        let errors = [
            client.send_otp(&send, &key).await.unwrap_err(),
            client.validate_otp(&validate, &key).await.unwrap_err(),
            client.challenge(&Id::new("dsp_1"), &challenge, &key).await.unwrap_err(),
        ];
        for error in errors {
            let ClientError::Undecodable { status: 200, detail } = &error else { panic!("{error:?}") };
            assert!(detail.contains("expires_in"), "{detail}");
        }

        // A token that claims to live for millennia is refused as well: every call then fails cleanly.
        let log = Log::new();
        let token = format!(r#"{{"access_token":"a","token_type":"Bearer","expires_in":{huge}}}"#);
        let router = Router::new()
            .route(SPONSORS_PATH, get(fixed(200, SPONSORS_JSON)))
            .route(TOKEN_PATH, post(fixed(200, &token)));
        let base = serve(&log, router).await;
        let error = client_with(&base, |_| {}).sponsors().await.unwrap_err();
        assert!(
            matches!(&error, ClientError::Undecodable { detail, .. } if detail.contains("expires_in")),
            "{error:?}"
        );
        assert_eq!(log.count(SPONSORS_PATH), 0, "nothing is asked with a token that was not understood");
    })
    .await;
}

#[tokio::test]
async fn a_sponsor_configuration_with_values_this_build_does_not_know_is_tolerated() {
    bounded(async {
        let log = Log::new();
        let configuration = r#"{"sponsor_slug":"aseguradora-otp","product_type":"MEDICATION","evaluation_mode":"LATER",
            "dispensing":{"verification":"OTP","otp_channels":["SMS","WHATSAPP"],"biometric_modes":["IRIS"],
              "biometric_capture":"KIOSK","beneficiary_identification":{"required":false,"form_slug":null},
              "invoice":{"document_number_required":true,"document_serial_required":false},
              "substitution":{"allowed":true,"reasons":["OUT_OF_STOCK","PRICE_TOO_HIGH"]},"max_attempts":3},
            "settlement":{"mode":"MONTHLY_NETTING"}}"#;
        let path = "/arc/v1/sponsors/aseguradora-otp/configuration";
        let base = serve(&log, with_token(Router::new().route(path, get(fixed(200, configuration))))).await;
        let read = client(&base)
            .sponsor_configuration("aseguradora-otp", mostrador::osigu::model::ProductType::Medication)
            .await
            .unwrap();
        use mostrador::osigu::model::{Known, OtpChannel, SettlementMode};
        assert_eq!(read.dispensing.otp_channels, [OtpChannel::Sms, OtpChannel::Unknown]);
        assert_eq!(read.settlement.mode, SettlementMode::Unknown);
        assert!(!read.dispensing.biometric_capture.unwrap().is_known());
        assert!(!read.dispensing.substitution.reasons[1].is_known());
        assert_eq!(read.dispensing.max_attempts, 3);
    })
    .await;
}
