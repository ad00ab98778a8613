//! Hostile input: prices and quantities that would overflow the sandbox's sums, a panic inside a handler, a
//! `Content-Length` far over the limit, and a flood of keyed requests. The sandbox answers each with an
//! envelope and keeps serving every route.

use serde_json::{Value, json};

use crate::support::{Harness, id};

/// What every route a client uses on a dispensation answers, in one list: none may drop the connection.
async fn every_dispensation_route_answers(sandbox: &Harness, dispensation: &Value) {
    let path = format!("/dispensing/v1/dispensations/{}", id(dispensation));
    sandbox.get(&path).await.expect(200);
    sandbox.get("/dispensing/v1/dispensations").await.expect(200);
    sandbox.get(&format!("{path}/verification-status")).await.expect(200);
}

#[tokio::test]
async fn a_price_that_would_overflow_the_total_is_refused_before_anything_is_saved() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let before = sandbox.dispensation(id(&dispensation)).await;

    let huge = sandbox
        .put(&path, json!({ "products": [{ "id": "line_1", "quantity": 1, "unit_price": 7.9e28 }] }))
        .await
        .expect_error(422, "PRICE_INVALID");
    assert_eq!(huge.json()["errors"][0]["path"], "products[0].unit_price");
    // Two lines each below the decimal range whose sum is not.
    let summed = sandbox
        .put(
            &path,
            json!({ "products": [
                { "id": "line_1", "quantity": 1, "unit_price": 5e28 },
                { "id": "line_2", "quantity": 1, "unit_price": 5e28 },
            ] }),
        )
        .await
        .expect_error(422, "PRICE_INVALID");
    assert_eq!(summed.json()["errors"][0]["path"], "products[0].unit_price");
    let taxes = sandbox
        .put(&path, json!({ "products": [{ "id": "line_1", "quantity": 1, "taxes": 7.9e28 }] }))
        .await
        .expect_error(422, "PRICE_INVALID");
    assert_eq!(taxes.json()["errors"][0]["path"], "products[0].taxes");

    // Nothing was saved: the dispensation reads as before, and every route still answers.
    assert_eq!(sandbox.dispensation(id(&dispensation)).await, before);
    every_dispensation_route_answers(&sandbox, &dispensation).await;
}

#[tokio::test]
async fn quantities_and_cents_outside_the_bounds_name_the_field() {
    let sandbox = Harness::start().await;
    let dispensation = sandbox.start_code("AUTH-2026-000102").await;
    let path = format!("/dispensing/v1/dispensations/{}", id(&dispensation));
    let cases = [
        (json!({ "id": "line_1", "quantity": 4_294_967_295_u64 }), "QUANTITY_INVALID", "products[0].quantity"),
        (json!({ "id": "line_1", "quantity": 1_000_001 }), "QUANTITY_INVALID", "products[0].quantity"),
        (json!({ "id": "line_1", "quantity": 1, "unit_price": 1.005 }), "PRICE_INVALID", "products[0].unit_price"),
        (
            json!({ "id": "line_1", "quantity": 1, "unit_price": 1_000_000_000.01 }),
            "PRICE_INVALID",
            "products[0].unit_price",
        ),
        (json!({ "id": "line_1", "quantity": 1, "taxes": -0.01 }), "PRICE_INVALID", "products[0].taxes"),
    ];
    for (line, code, field) in cases {
        let reply = sandbox.put(&path, json!({ "products": [line] })).await.expect_error(422, code);
        assert_eq!(reply.json()["errors"][0]["path"], field, "{line}");
    }
    // The largest accepted price, with cents, and a quantity within what is available: a total to the cent.
    let largest = sandbox
        .put(
            &path,
            json!({ "products": [{ "id": "line_1", "quantity": 2, "unit_price": 1_000_000_000.0, "taxes": 0.5 }] }),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(largest["total_amount"].to_string(), "2000000000.5");
}

#[tokio::test]
async fn a_content_length_over_the_limit_is_refused_before_the_body_is_sent() {
    use std::io::{Read, Write};
    use std::time::Duration;

    let sandbox = Harness::start().await;
    let addr = sandbox.sandbox.addr();
    let token = sandbox.token();
    let reply = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).expect("connect");
        // A guard, not a timing assertion: before the fix the sandbox waited 30 s for the body.
        stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let head = format!(
            "POST /dispensing/v1/dispensations HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: 100000000000\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).expect("headers");
        // Not one byte of the body is sent: the answer must come without it.
        let mut reply = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => reply.extend_from_slice(&buffer[..read]),
                Err(error) if reply.is_empty() => panic!("no answer before the body was sent: {error}"),
                Err(_) => break,
            }
            if String::from_utf8_lossy(&reply).contains("}") {
                break;
            }
        }
        String::from_utf8_lossy(&reply).into_owned()
    })
    .await
    .expect("client thread");
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("\"code\":\"PAYLOAD_TOO_LARGE\""), "{reply}");
    // The sandbox serves on.
    sandbox.get("/dispensing/v1/dispensations").await.expect(200);
}

#[tokio::test]
async fn the_idempotency_store_forgets_the_oldest_replies_first_when_full() {
    let sandbox = Harness::start().await;
    // Each reply echoes its 4 MB code back (404 CODE_NOT_FOUND, a reply worth replaying); ten of them are more
    // than the default 32 MiB the store may hold.
    let code = |n: usize| format!("{n}{}", "A".repeat(4 * 1024 * 1024 - 64));
    for n in 0..10 {
        let reply = sandbox
            .post_keyed("/dispensing/v1/dispensations", &format!("key-{n}"), json!({ "code": code(n) }))
            .await
            .expect_error(404, "CODE_NOT_FOUND");
        assert_eq!(reply.header("idempotent-replayed"), None);
    }
    // The newest is replayed byte for byte; the oldest was forgotten and is handled again.
    let newest = sandbox.post_keyed("/dispensing/v1/dispensations", "key-9", json!({ "code": code(9) })).await;
    assert_eq!(newest.header("idempotent-replayed"), Some("true"));
    let oldest = sandbox.post_keyed("/dispensing/v1/dispensations", "key-0", json!({ "code": code(0) })).await;
    assert_eq!(oldest.expect_error(404, "CODE_NOT_FOUND").header("idempotent-replayed"), None);
}

#[tokio::test]
async fn the_clock_cannot_be_pushed_past_the_calendar() {
    let sandbox = Harness::start().await;
    let ten_years = json!({ "seconds": 10 * 366 * 24 * 3600 });
    // Before the bound, some 800 pushes moved the clock past year 9999 and from then on every route panicked.
    let mut pushes = 0;
    loop {
        // Each push outlives the token it was sent with.
        sandbox.renew_token().await;
        let reply = sandbox.post("/sandbox/v1/clock/advance", ten_years.clone()).await;
        if reply.status == 400 {
            assert_eq!(reply.expect_error(400, "VALIDATION_ERROR").json()["errors"][0]["path"], "seconds");
            break;
        }
        reply.expect(200);
        pushes += 1;
        assert!(pushes < 1000, "the clock never stopped");
    }
    assert_eq!(pushes, 10, "a hundred years in ten-year pushes");
    let now = sandbox.get("/sandbox/v1/clock").await.expect(200).json();
    assert!(now["now"].as_str().unwrap().starts_with("2127-"), "{now}");
    sandbox
        .post("/dispensing/v1/dispensations", json!({ "code": "AUTH-2026-000101" }))
        .await
        .expect_error(422, "CODE_EXPIRED");
}
